package server

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httputil"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
)

// readRequest reads one request head from br and returns it as net/http
// would (http.ReadRequest): the same fields, the Host header moved to
// Request.Host, a body reader for a Content-Length or chunked body. It
// costs less: the head becomes one string and the header keys and values
// are slices of it (a key is copied only when it is not in canonical form).
// The request-head checker in front has already refused what nginx
// refuses; what is left invalid here is a plain error (400).
func readRequest(br *bufio.Reader) (*http.Request, error) {
	var st reqStore
	return st.read(br)
}

// reqStore is the storage of the requests of one connection: the request,
// its URL and its header map are reused request after request (nothing
// holds them after the log phase; a subrequest works on a clone).
type reqStore struct {
	hr   http.Request
	u    url.URL
	hdr  http.Header
	vals []string
	// headLen is the bytes the last request head took on the wire
	headLen int
	// head is the last request head as received, up to its blank line
	head string
	// cond: the last request had an If-* header
	cond bool
	// hn, htotal: headEnd of the buffered bytes, found before read (htotal
	// 0: not known)
	hn, htotal int
}

func (st *reqStore) read(br *bufio.Reader) (*http.Request, error) {
	head, headLen, err := readHead(br, st.hn, st.htotal)
	st.hn, st.htotal = 0, 0
	if err != nil {
		return nil, err
	}
	st.headLen, st.head = headLen, head
	// request line
	line, rest, _ := cutLine(head)
	// nginx allows several spaces between the parts
	method, rest1, ok1 := strings.Cut(line, " ")
	target, proto, ok2 := strings.Cut(strings.TrimLeft(rest1, " "), " ")
	proto = strings.Trim(proto, " ")
	if !ok1 || !ok2 || method == "" || target == "" || !validToken(method) {
		return nil, errBadRequestLine
	}
	major, minor, ok := http.ParseHTTPVersion(proto)
	if !ok {
		return nil, errBadRequestLine
	}
	hr := &st.hr
	*hr = http.Request{
		Method:     method,
		Proto:      proto,
		ProtoMajor: major,
		ProtoMinor: minor,
		RequestURI: target,
		Body:       http.NoBody,
	}
	if hr.URL, err = parseTarget(method, target, &st.u); err != nil {
		return nil, err
	}
	// header lines
	n := strings.Count(rest, "\n")
	hdr := st.hdr
	if hdr == nil || len(hdr) > 64 {
		hdr = make(http.Header, n)
		st.hdr = hdr
	} else {
		clear(hdr)
	}
	if cap(st.vals) < n {
		st.vals = make([]string, n)
	}
	vals := st.vals[:n]
	clear(vals)
	host := ""
	st.cond = false
	framing := false // a Connection, Transfer-Encoding or Content-Length line
	for i := 0; rest != ""; i++ {
		line, rest, _ = cutLine(rest)
		if line == "" {
			break
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || name == "" {
			return nil, errBadHeaderLine
		}
		key, ok := headerKey(name)
		if !ok {
			return nil, errBadHeaderLine
		}
		value = trimSpaceTab(value)
		switch {
		case strings.HasPrefix(key, "If-"):
			st.cond = true
		case key == "Connection" || key == "Transfer-Encoding" || key == "Content-Length":
			framing = true
		}
		if key == "Host" {
			// kept out of the map, as net/http does (the first one counts;
			// the request checker answers a second one with 400)
			if host == "" {
				host = value
			}
			continue
		}
		if vs, ok := hdr[key]; ok {
			hdr[key] = append(vs, value)
			continue
		}
		vals[i] = value
		hdr[key] = vals[i : i+1 : i+1]
	}
	hr.Header = hdr
	hr.Host = hr.URL.Host
	if hr.Host == "" {
		hr.Host = host
	}
	var conn []string
	if framing {
		conn = hdr["Connection"]
	}
	if major == 1 && minor == 0 {
		hr.Close = !hasToken(conn, "keep-alive")
	} else {
		hr.Close = hasToken(conn, "close")
	}
	if !framing {
		return hr, nil // no body
	}
	return hr, requestBody(hr, br)
}

var (
	errBadRequestLine = errors.New("server: malformed request line")
	errBadHeaderLine  = errors.New("server: malformed header line")
	errBadLength      = errors.New("server: bad Content-Length")
	errTE             = errors.New("server: unsupported Transfer-Encoding")
)

// readHead returns the request head up to its blank line (excluded).
// Empty lines before the request line are skipped, as nginx skips them.
// hn, htotal: headEnd of the buffered bytes when the caller knows it (0, 0
// when not).
func readHead(br *bufio.Reader, hn, htotal int) (string, int, error) {
	if htotal > 0 && br.Buffered() >= htotal {
		if p, _ := br.Peek(htotal); p[0] != '\r' && p[0] != '\n' {
			s := string(p[:hn])
			br.Discard(htotal)
			return s, htotal, nil
		}
	}
	skipped := 0
	for {
		p, err := br.Peek(1)
		if err != nil {
			return "", 0, err
		}
		if p[0] != '\r' && p[0] != '\n' {
			break
		}
		br.Discard(1)
		skipped++
	}
	// the common case: the whole head is in the buffer
	if p, _ := br.Peek(br.Buffered()); len(p) > 0 {
		if n, total := headEnd(p); total > 0 {
			s := string(p[:n])
			br.Discard(total)
			return s, skipped + total, nil
		}
	}
	var head []byte
	for {
		line, err := br.ReadSlice('\n')
		head = append(head, line...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return "", 0, err
		}
		// a line just ended: is it empty?
		end := len(head) - 1 // the '\n'
		start := end
		if start > 0 && head[start-1] == '\r' {
			start--
		}
		if start == 0 || head[start-1] == '\n' {
			return string(head[:start]), skipped + len(head), nil
		}
	}
}

// headEnd finds the empty line that ends the head in p: n is the length of
// the head before it, total the length with it; total is 0 when p holds no
// complete head.
func headEnd(p []byte) (n, total int) {
	for pos := 0; ; {
		k := bytes.IndexByte(p[pos:], '\n')
		if k < 0 {
			return 0, 0
		}
		if k == 0 || k == 1 && p[pos] == '\r' {
			return pos, pos + k + 1
		}
		pos += k + 1
	}
}

// cutLine returns the first line of s (without CRLF or LF) and the rest.
func cutLine(s string) (line, rest string, ok bool) {
	line, rest, ok = strings.Cut(s, "\n")
	return strings.TrimSuffix(line, "\r"), rest, ok
}

// parseTarget parses the request target; a plain path without escapes
// skips url.ParseRequestURI.
func parseTarget(method, target string, u *url.URL) (*url.URL, error) {
	if len(target) > 0 && target[0] == '/' {
		plain := true
		for i := 0; i < len(target); i++ {
			if c := target[i]; c <= ' ' || c >= 0x7f || c == '%' || c == '#' {
				plain = false
				break
			}
		}
		if plain && !strings.HasPrefix(target, "//") {
			path, query, _ := strings.Cut(target, "?")
			*u = url.URL{Path: path, RawQuery: query}
			if strings.IndexByte(target, '?') >= 0 && query == "" {
				u.ForceQuery = true
			}
			return u, nil
		}
	}
	raw := target
	if method == http.MethodConnect && !strings.HasPrefix(raw, "/") {
		raw = "http://" + raw
	}
	u, err := url.ParseRequestURI(raw)
	if err != nil {
		return nil, errBadRequestLine
	}
	if method == http.MethodConnect && raw != target {
		u.Scheme = ""
	}
	return u, nil
}

// requestBody sets the body of hr as net/http frames it.
func requestBody(hr *http.Request, br *bufio.Reader) error {
	h := hr.Header
	if te, ok := h["Transfer-Encoding"]; ok && hr.ProtoAtLeast(1, 1) {
		if len(te) != 1 || !strings.EqualFold(strings.TrimSpace(te[0]), "chunked") {
			return errTE
		}
		delete(h, "Content-Length")
		delete(h, "Transfer-Encoding") // as net/http: it is in TransferEncoding
		hr.TransferEncoding = []string{"chunked"}
		hr.ContentLength = -1
		hr.Body = &chunkedBody{br: br, r: httputil.NewChunkedReader(br)}
		return nil
	}
	cl := h["Content-Length"]
	if len(cl) == 0 {
		return nil
	}
	for _, v := range cl[1:] {
		if strings.TrimSpace(v) != strings.TrimSpace(cl[0]) {
			return errBadLength
		}
	}
	v := strings.TrimSpace(cl[0])
	n, err := strconv.ParseUint(v, 10, 63)
	if err != nil || v == "" || v[0] == '+' {
		return errBadLength
	}
	hr.ContentLength = int64(n)
	if n > 0 {
		hr.Body = &lengthBody{br: br, left: int64(n)}
	}
	return nil
}

// lengthBody is a Content-Length body.
type lengthBody struct {
	br   *bufio.Reader
	left int64
}

func (b *lengthBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.br.Read(p)
	b.left -= int64(n)
	if b.left == 0 {
		return n, io.EOF
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

func (b *lengthBody) Close() error { return nil }

// chunkedBody is a chunked body; after the last chunk it reads the
// trailer section so the next request starts where it should.
type chunkedBody struct {
	br   *bufio.Reader
	r    io.Reader
	done bool
}

func (b *chunkedBody) Read(p []byte) (int, error) {
	if b.done {
		return 0, io.EOF
	}
	n, err := b.r.Read(p)
	if err == io.EOF {
		for {
			line, rerr := b.br.ReadSlice('\n')
			if rerr != nil {
				return n, io.ErrUnexpectedEOF
			}
			if len(line) == 1 || len(line) == 2 && line[0] == '\r' {
				break
			}
		}
		b.done = true
	}
	return n, err
}

func (b *chunkedBody) Close() error { return nil }

// headerKey checks that name is a token and returns it in canonical form
// (phases.CanonicalHeaderKey), in one pass over a name already canonical.
func headerKey(name string) (string, bool) {
	upper := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !tokenByte[c] {
			return "", false
		}
		if upper && 'a' <= c && c <= 'z' || !upper && 'A' <= c && c <= 'Z' {
			if !validToken(name[i+1:]) {
				return "", false
			}
			return textproto.CanonicalMIMEHeaderKey(name), true
		}
		upper = c == '-'
	}
	return name, true
}

// trimSpaceTab is strings.Trim(s, " \t") without building a set per call.
func trimSpaceTab(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// validToken reports whether s is an HTTP token (method, header name).
func validToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if !tokenByte[s[i]] {
			return false
		}
	}
	return true
}

// tokenByte marks the bytes of an HTTP token: visible ASCII but the
// separators.
var tokenByte = func() (t [256]bool) {
	for c := '!'; c < 0x7f; c++ {
		t[c] = !strings.ContainsRune(`"(),/:;<=>?@[\]{}`, c)
	}
	return t
}()
