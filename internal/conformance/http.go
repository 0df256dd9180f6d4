package conformance

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Response is what the harness read back for one request.
type Response struct {
	None   bool // the server closed the connection without a response
	HTTP09 bool // the answer had no status line: Body is all that came
	// Truncated: the connection closed before the end of the body (a
	// chunked body without its last chunk, a short Content-Length).
	Truncated  bool
	Status     int
	StatusLine string // the status line as sent, without CRLF
	Header     http.Header
	Body       string
}

// runRequests sends the case's requests c.Runs times, in order, and checks
// each response.
func (tg *Target) runRequests(t *testing.T, c *Case, v Vars) {
	t.Helper()
	for run := 1; run <= c.Runs; run++ {
		for _, r := range c.Requests {
			where := fmt.Sprintf("%s:%d (run %d)", c.File, r.Line, run)
			raw, method, err := BuildRequest(r, v)
			if err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			port := v.Port
			if r.Port2 {
				port = v.Port2
			}
			resp, err := Send(port, raw, method)
			if err != nil {
				t.Errorf("%s: %v", where, err)
				continue
			}
			for _, msg := range Check(&r.Expect, resp, v) {
				t.Errorf("%s: %s", where, msg)
			}
		}
	}
}

// BuildRequest returns the bytes to send for r and the request method.
func BuildRequest(r *Request, v Vars) ([]byte, string, error) {
	text := v.sub(r.Text)
	if r.Raw {
		return buildRaw(text)
	}
	head, body, _ := strings.Cut(text, "\n\n")
	lines := strings.Split(strings.TrimSuffix(head, "\n"), "\n")
	f := strings.Fields(lines[0])
	if len(f) < 2 || len(f) > 3 {
		return nil, "", fmt.Errorf("conformance: want \"METHOD TARGET [PROTO]\", got %q", lines[0])
	}
	proto := "HTTP/1.1"
	if len(f) == 3 {
		proto = f[2]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s\r\n", f[0], f[1], proto)
	have := map[string]bool{}
	for _, l := range lines[1:] {
		name, _, ok := strings.Cut(l, ":")
		if !ok {
			return nil, "", fmt.Errorf("conformance: bad header line %q", l)
		}
		have[strings.ToLower(name)] = true
		b.WriteString(l + "\r\n")
	}
	if !have["host"] {
		fmt.Fprintf(&b, "Host: 127.0.0.1:%d\r\n", v.Port)
	}
	if !have["connection"] {
		b.WriteString("Connection: close\r\n")
	}
	if body != "" && !have["content-length"] && !have["transfer-encoding"] {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n" + body)
	return []byte(b.String()), f[0], nil
}

// buildRaw turns a raw section into bytes: every line ends with CRLF (the
// last one only if the section had a final newline) and the escapes \r \n
// \t \\ \xHH are decoded.
func buildRaw(text string) ([]byte, string, error) {
	var out []byte
	lines := strings.SplitAfter(text, "\n")
	for _, l := range lines {
		nl := strings.HasSuffix(l, "\n")
		l = strings.TrimSuffix(l, "\n")
		u, err := unescape(l)
		if err != nil {
			return nil, "", err
		}
		out = append(out, u...)
		if nl {
			out = append(out, '\r', '\n')
		}
	}
	method, _, _ := strings.Cut(text, " ")
	return out, method, nil
}

func unescape(s string) ([]byte, error) {
	var out []byte
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			out = append(out, s[i])
			continue
		}
		if i+1 >= len(s) {
			return nil, fmt.Errorf("conformance: trailing backslash in %q", s)
		}
		i++
		switch s[i] {
		case 'r':
			out = append(out, '\r')
		case 'n':
			out = append(out, '\n')
		case 't':
			out = append(out, '\t')
		case '\\':
			out = append(out, '\\')
		case 'x':
			if i+3 > len(s) {
				return nil, fmt.Errorf("conformance: short \\x escape in %q", s)
			}
			n, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err != nil {
				return nil, fmt.Errorf("conformance: bad \\x escape in %q", s)
			}
			out = append(out, byte(n))
			i += 2
		default:
			return nil, fmt.Errorf("conformance: unknown escape \\%c in %q", s[i], s)
		}
	}
	return out, nil
}

// Send writes raw to 127.0.0.1:port on a new connection and reads one
// response. method tells whether the response to expect has a body (HEAD).
func Send(port int, raw []byte, method string) (*Response, error) {
	conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), RequestTimeout)
	if err != nil {
		return nil, fmt.Errorf("conformance: dial: %w", err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(RequestTimeout))
	if _, err := conn.Write(raw); err != nil {
		return nil, fmt.Errorf("conformance: write request: %w", err)
	}
	var seen bytes.Buffer // the raw bytes, to read the headers net/http hides
	br := bufio.NewReader(io.TeeReader(conn, &seen))
	if _, err := br.Peek(1); err != nil {
		if errors.Is(err, io.EOF) || isReset(err) {
			return &Response{None: true}, nil
		}
		return nil, fmt.Errorf("conformance: read response: %w", err)
	}
	if start, _ := br.Peek(5); string(start) != "HTTP/" {
		all, err := io.ReadAll(br)
		if err != nil {
			return nil, fmt.Errorf("conformance: read response: %w", err)
		}
		return &Response{HTTP09: true, Body: string(all)}, nil
	}
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		return nil, fmt.Errorf("conformance: read response: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	truncated := errors.Is(err, io.ErrUnexpectedEOF)
	if err != nil && !truncated {
		return nil, fmt.Errorf("conformance: read body: %w", err)
	}
	h, err := rawHeader(seen.Bytes())
	if err != nil {
		return nil, err
	}
	line, _, _ := bytes.Cut(seen.Bytes(), []byte("\r\n"))
	return &Response{Status: resp.StatusCode, StatusLine: string(line), Header: h, Body: string(body), Truncated: truncated}, nil
}

// rawHeader parses the header block of a raw response as sent, keeping
// the Connection and Transfer-Encoding fields that http.ReadResponse drops.
func rawHeader(raw []byte) (http.Header, error) {
	head, _, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
	if !ok {
		return nil, fmt.Errorf("conformance: response header block not terminated by CRLF CRLF")
	}
	tp := textproto.NewReader(bufio.NewReader(bytes.NewReader(append(head, "\r\n\r\n"...))))
	if _, err := tp.ReadLine(); err != nil {
		return nil, fmt.Errorf("conformance: status line: %w", err)
	}
	h, err := tp.ReadMIMEHeader()
	if err != nil {
		return nil, fmt.Errorf("conformance: response header: %w", err)
	}
	return http.Header(h), nil
}

func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && strings.Contains(op.Err.Error(), "connection reset")
}

// Check compares resp with e and returns one message per mismatch.
func Check(e *Expect, resp *Response, v Vars) []string {
	var msgs []string
	bad := func(format string, args ...any) { msgs = append(msgs, fmt.Sprintf(format, args...)) }
	if resp.None {
		if e.Status != StatusNone {
			bad("got no response (connection closed), want status %d", e.Status)
		}
		return msgs
	}
	if resp.HTTP09 != (e.Status == StatusHTTP09) {
		bad("HTTP/0.9 answer: got %v, want %v", resp.HTTP09, e.Status == StatusHTTP09)
	}
	if e.Status == StatusNone {
		bad("got status %d, want no response", resp.Status)
	} else if e.Status > 0 && resp.Status != e.Status {
		bad("status: got %d, want %d", resp.Status, e.Status)
	}
	if e.StatusLine != nil && resp.StatusLine != *e.StatusLine {
		bad("status line: got %q, want %q", resp.StatusLine, *e.StatusLine)
	}
	for _, h := range e.Headers {
		if msg := checkHeader(h, resp.Header, v); msg != "" {
			bad("%s", msg)
		}
	}
	if resp.Truncated != e.Truncated {
		bad("body truncated: got %v, want %v", resp.Truncated, e.Truncated)
	}
	if e.Body != nil {
		if want := v.sub(*e.Body); resp.Body != want {
			bad("body:\n got: %q\nwant: %q", resp.Body, want)
		}
	}
	for _, re := range e.BodyRe {
		if !v.subRe("(?s)" + re).MatchString(resp.Body) {
			bad("body %q does not match %q", resp.Body, re)
		}
	}
	for _, s := range e.BodyContains {
		if !strings.Contains(resp.Body, v.sub(s)) {
			bad("body %q does not contain %q", resp.Body, v.sub(s))
		}
	}
	return msgs
}

// checkHeader checks one header expectation; a header sent several times
// passes if any of its values matches.
func checkHeader(h HeaderExpect, hdr http.Header, v Vars) string {
	got := hdr.Values(h.Name)
	switch {
	case h.Absent:
		if len(got) > 0 {
			return fmt.Sprintf("header %s: got %q, want absent", h.Name, got)
		}
		return ""
	case len(got) == 0:
		return fmt.Sprintf("header %s: absent, want %q", h.Name, v.sub(h.Value))
	}
	for _, g := range got {
		if h.Regex && v.subRe(h.Value).MatchString(g) || !h.Regex && g == v.sub(h.Value) {
			return ""
		}
	}
	op := "want"
	if h.Regex {
		op = "want match of"
	}
	return fmt.Sprintf("header %s: got %q, %s %q", h.Name, got, op, v.sub(h.Value))
}
