package server

import (
	"bytes"
	"errors"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/goresty/goresty/internal/errlog"
)

// The request checker sits between the listener and net/http: it watches the
// head (request line and header lines) of every request that crosses a
// connection and answers those nginx would refuse the way nginx does (status
// line, built-in page, Connection: close, an [info] line in the error log)
// before net/http sees them, since net/http answers malformed requests in its
// own words. It only reads the bytes that net/http reads anyway; a request
// that passes costs a scan of its head lines and no allocation.
//
// Where a request starts is only known after a head without body or with a
// Content-Length body; after a chunked body, an Upgrade or CONNECT the checker
// steps aside for the rest of the connection.

// Defaults of client_header_buffer_size's big brother, large_client_header_buffers.
const defaultLargeHeaderBuf = 8192

// scan modes of a checked connection.
const (
	scanHead    = iota // reading request lines and header lines
	scanBody           // skipping bodyLeft bytes of a Content-Length body
	scanOff            // stepped aside: bytes pass unchecked
	scanPending        // a refused request waits for earlier responses
	scanClosed         // refused and closed
)

// where a head error happened, for the log's "while reading ..." part.
const (
	inRequestLine = iota
	inPipelinedLine
	inHeaders
)

// errRejected is what net/http reads after the checker answered: a read
// error, so net/http closes without answering a second time.
var errRejected = &net.OpError{Op: "read", Net: "tcp", Err: errors.New("server: request refused by the head checker")}

// refusal is an answer the checker owes the client.
type refusal struct {
	code  int    // status; 494 sends nginx's 494 page under a 400 status line
	msg   string // error-log message
	where int    // inRequestLine, inPipelinedLine or inHeaders
	bare  bool   // HTTP/0.9: the page alone, no status line and headers
	h09   []byte // for an accepted HTTP/0.9 GET: the HTTP/1.0 request given to net/http
}

// checkListener wraps the net.Listener of a listen group.
type checkListener struct {
	net.Listener
	s   *Server
	key string
}

func (s *Server) checkListener(ln net.Listener, key string) net.Listener {
	return &checkListener{Listener: ln, s: s, key: key}
}

// Accept wraps every accepted connection in a checkConn.
func (l *checkListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &checkConn{Conn: c, s: l.s, key: l.key, largeBuf: defaultLargeHeaderBuf}, nil
}

// checkConn is a client connection whose request heads are checked.
type checkConn struct {
	net.Conn
	s        *Server
	key      string
	id       uint64 // connection number for the log (set by ConnContext)
	largeBuf int    // large_client_header_buffers size: the longest line

	mode     int
	off      atomic.Bool  // hijacked: step aside
	inflight atomic.Int32 // heads handed to net/http and not answered yet
	strip    atomic.Bool  // HTTP/0.9: drop the response's status line and headers
	stripped int          // bytes of the "\r\n\r\n" head end seen so far
	bodyLeft int64
	pending  refusal
	inject   []byte // bytes served before the socket (HTTP/0.9 rewrite)
	partial  []byte // a line cut by a read, carried to the next
	reqStart int    // offset of the current request in the chunk, -1: earlier
	endSeen  bool   // a head ended in the current chunk (pipelining)

	// the request being read
	started   bool
	http11    bool
	hostSeen  bool
	clSeen    bool
	stepAside bool // chunked, Upgrade or CONNECT: stop after this head
	cl        int64
	reqLine   []byte
	host      []byte // first Host line, "Name: value"
	hostVal   int    // offset of the value in host
	clLine    []byte
}

// Unwrap returns the connection the checker wraps.
func (c *checkConn) Unwrap() net.Conn { return c.Conn }

// setConnID gives a checked connection its number for the error log.
func setConnID(nc net.Conn, id uint64) {
	if c, ok := nc.(*checkConn); ok {
		c.id = id
	}
}

// holding reports whether Read has something to return without reading
// the socket (bytes to serve, a refusal to answer).
func (c *checkConn) holding() bool {
	return len(c.inject) > 0 || c.mode == scanPending || c.mode == scanClosed
}

// Read reads from the client and checks the request heads it carries.
func (c *checkConn) Read(p []byte) (int, error) {
	if len(c.inject) > 0 {
		n := copy(p, c.inject)
		c.inject = c.inject[n:]
		return n, nil
	}
	if c.mode == scanOff || c.off.Load() {
		c.mode = scanOff
		return c.Conn.Read(p)
	}
	switch c.mode {
	case scanPending:
		return c.readPending(p)
	case scanClosed:
		return 0, errRejected
	}
	n, err := c.Conn.Read(p)
	if n <= 0 {
		return n, err
	}
	n, cut, refused := c.scan(p[:n])
	for n == 0 && err == nil && !refused && c.mode == scanHead {
		// the chunk was a dropped header line: read on
		if n, err = c.Conn.Read(p); n > 0 {
			n, cut, refused = c.scan(p[:n])
		}
	}
	if !refused {
		return n, err
	}
	c.mode = scanPending
	if cut > 0 {
		return cut, nil
	}
	return c.readPending(p)
}

// readPending waits until net/http answered the requests before the refused
// one, then answers it. Bytes the client sends meanwhile are dropped: the
// connection closes after the answer.
func (c *checkConn) readPending(p []byte) (int, error) {
	for c.inflight.Load() > 0 {
		if _, err := c.Conn.Read(p); err != nil {
			return 0, err
		}
	}
	if c.pending.h09 != nil {
		c.mode = scanOff
		c.strip.Store(true)
		c.inject = c.pending.h09
		n := copy(p, c.inject)
		c.inject = c.inject[n:]
		return n, nil
	}
	c.refuse(&c.pending)
	c.mode = scanClosed
	return 0, errRejected
}

// Write sends response bytes; for an HTTP/0.9 request it drops the status
// line and the headers net/http writes.
func (c *checkConn) Write(b []byte) (int, error) {
	if !c.strip.Load() || c.stripped == 4 {
		return c.Conn.Write(b)
	}
	i := 0
	for ; i < len(b) && c.stripped < 4; i++ {
		switch {
		case b[i] == "\r\n\r\n"[c.stripped]:
			c.stripped++
		case b[i] == '\r':
			c.stripped = 1
		default:
			c.stripped = 0
		}
	}
	if i == len(b) {
		return len(b), nil
	}
	n, err := c.Conn.Write(b[i:])
	return i + n, err
}

// scan checks the complete lines of a chunk. It may drop header lines nginx
// ignores (returning the new length n); on a refusal it returns cut, the
// bytes net/http may still have (those before the refused request).
func (c *checkConn) scan(b []byte) (n, cut int, refused bool) {
	c.reqStart, c.endSeen = 0, false
	if c.started || len(c.partial) > 0 {
		c.reqStart = -1
	}
	for i := 0; i < len(b); {
		switch c.mode {
		case scanBody:
			m := int64(len(b) - i)
			if m > c.bodyLeft {
				m = c.bodyLeft
			}
			i += int(m)
			c.bodyLeft -= m
			if c.bodyLeft == 0 {
				c.mode = scanHead
				c.reqStart = i
			}
			continue
		case scanHead:
		default:
			return len(b), 0, false
		}
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			c.partial = append(c.partial, b[i:]...)
			if len(c.partial) >= c.largeBuf {
				return len(b), c.cutAt(), c.tooLong(c.partial)
			}
			return len(b), 0, false
		}
		line, start := b[i:i+j], i
		whole := len(c.partial) == 0
		if !whole {
			c.partial = append(c.partial, line...)
			line = c.partial
		}
		next := i + j + 1
		if len(line) >= c.largeBuf {
			c.partial = c.partial[:0]
			return len(b), c.cutAt(), c.tooLong(line)
		}
		if !c.started && !whole {
			c.reqStart = -1
		} else if !c.started {
			c.reqStart = start
		}
		act := c.line(line)
		c.partial = c.partial[:0]
		switch act {
		case lineRefuse:
			return len(b), c.cutAt(), true
		case lineDrop:
			if whole {
				// nginx ignores this header: so must net/http
				b = b[:start+copy(b[start:], b[next:])]
				continue
			}
		case lineH09:
			c.pending = refusal{h09: append(append([]byte("GET "), h09Target(line)...), " HTTP/1.0\r\n\r\n"...)}
			return len(b), c.cutAt(), true
		}
		i = next
	}
	return len(b), 0, false
}

func (c *checkConn) cutAt() int {
	if c.reqStart < 0 {
		return 0
	}
	return c.reqStart
}

// line actions
const (
	lineOK = iota
	lineDrop
	lineRefuse
	lineH09
)

// line checks one line (without its LF) and moves the request state on.
func (c *checkConn) line(line []byte) int {
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	if !c.started {
		if len(line) == 0 {
			return lineOK // nginx skips empty lines before a request
		}
		c.started = true
		c.reqLine = append(c.reqLine[:0], line...)
		return c.requestLine(line)
	}
	if len(line) == 0 {
		return c.headEnd()
	}
	return c.headerLine(line)
}

func (c *checkConn) refuseWith(code int, where int, msg string) int {
	c.pending = refusal{code: code, msg: msg, where: where}
	return lineRefuse
}

// requestLine checks "METHOD URI HTTP/x.y".
func (c *checkConn) requestLine(line []byte) int {
	where := inRequestLine
	if c.endSeen {
		where = inPipelinedLine
	}
	i := 0
	for i < len(line) && line[i] != ' ' {
		if ch := line[i]; (ch < 'A' || ch > 'Z') && ch != '_' && ch != '-' {
			return c.refuseWith(400, where, "client sent invalid method")
		}
		i++
	}
	if i == 0 || i == len(line) {
		return c.refuseWith(400, where, "client sent invalid method")
	}
	method := line[:i]
	for i < len(line) && line[i] == ' ' {
		i++
	}
	u := i
	for i < len(line) && line[i] != ' ' {
		if ch := line[i]; ch < 0x20 || ch == 0x7f {
			return c.refuseWith(400, where, "client sent invalid request")
		}
		i++
	}
	uri := line[u:i]
	if !validTarget(uri) {
		return c.refuseWith(400, where, "client sent invalid request")
	}
	for i < len(line) && line[i] == ' ' {
		i++
	}
	if i == len(line) {
		// HTTP/0.9
		if string(method) != "GET" {
			c.refuseWith(400, where, "client sent invalid method in HTTP/0.9 request")
			c.pending.bare = true
			return lineRefuse
		}
		return lineH09
	}
	code := c.version(line[i:])
	if code == 505 {
		return c.refuseWith(505, where, "client sent invalid version")
	}
	if code != 0 {
		return c.refuseWith(400, where, "client sent invalid request")
	}
	if string(method) == "CONNECT" {
		c.stepAside = true
	}
	return lineOK
}

// version parses "HTTP/major.minor" and trailing spaces: 0 when valid, 505
// for a major version above 1, 400 otherwise.
func (c *checkConn) version(v []byte) int {
	if len(v) < 6 || string(v[:5]) != "HTTP/" {
		return 400
	}
	v = v[5:]
	major, i := digits(v)
	if i == 0 {
		return 400
	}
	if major > 1 {
		return 505
	}
	if i == len(v) || v[i] != '.' {
		return 400
	}
	minor, j := digits(v[i+1:])
	if j == 0 || minor > 999 {
		return 400
	}
	for _, ch := range v[i+1+j:] {
		if ch != ' ' {
			return 400
		}
	}
	c.http11 = major == 1 && minor >= 1
	return 0
}

// digits parses up to 4 leading decimal digits.
func digits(b []byte) (n, i int) {
	for i < len(b) && i < 4 && b[i] >= '0' && b[i] <= '9' {
		n = n*10 + int(b[i]-'0')
		i++
	}
	return n, i
}

// headEnd ends a head: it checks what needs all headers and sets up the
// body skip.
func (c *checkConn) headEnd() int {
	if c.http11 && !c.hostSeen {
		return c.refuseWith(400, inHeaders, `client sent HTTP/1.1 request without "Host" header`)
	}
	c.inflight.Add(1)
	switch {
	case c.stepAside:
		c.mode = scanOff
	case c.cl > 0:
		c.mode = scanBody
		c.bodyLeft = c.cl
	}
	c.started, c.http11, c.hostSeen, c.clSeen, c.stepAside, c.cl = false, false, false, false, false, 0
	c.endSeen = true
	return lineOK
}

// now is the clock of the Date header (a variable for tests).
var now = time.Now

// refuse answers a refused request as nginx does and closes the connection.
func (c *checkConn) refuse(f *refusal) {
	c.logRefusal(f)
	c.writeRefusal(f)
	c.lingerClose()
}

// writeRefusal writes the answer to a refused request.
func (c *checkConn) writeRefusal(f *refusal) {
	tokens := true
	if st := c.s.cur.Load(); st != nil {
		if g := st.groups[c.key]; g != nil && g.Default != nil && g.Default.Conf != nil {
			tokens = g.Default.Conf.ServerTokens
		}
	}
	body := refusalPage(f.code, tokens)
	var out []byte
	if !f.bare {
		status := f.code
		if status == 494 {
			status = 400
		}
		server := "goresty"
		if tokens {
			server = serverFull[0]
		}
		out = make([]byte, 0, 200+len(body))
		out = append(out, "HTTP/1.1 "+strconv.Itoa(status)+" "+statusText(status)+"\r\nServer: "+server+
			"\r\nDate: "+now().UTC().Format(http.TimeFormat)+"\r\nContent-Type: text/html\r\nContent-Length: "+
			strconv.Itoa(len(body))+"\r\nConnection: close\r\n\r\n"...)
	}
	out = append(out, body...)
	c.Conn.SetWriteDeadline(now().Add(5 * time.Second))
	c.Conn.Write(out)
}

// lingerClose closes after the client had a moment to read the answer, so
// that unread request bytes do not reset the connection under it.
func (c *checkConn) lingerClose() { linger(c.Conn) }

// linger half-closes nc, reads (and drops) what the client still sends for
// up to 2 s or 1 MB, then closes it.
func linger(nc net.Conn) {
	if cw, ok := nc.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
		nc.SetReadDeadline(now().Add(2 * time.Second))
		buf := make([]byte, 4096)
		for total := 0; total < 1<<20; {
			n, err := nc.Read(buf)
			total += n
			if err != nil {
				break
			}
		}
	}
	nc.Close()
}

// refusalPage is nginx's page for a refusal; 494 has a line of its own.
func refusalPage(code int, tokens bool) []byte {
	if code != 494 {
		return errorPageBody(code, tokens)
	}
	sig := serverShort[0]
	if tokens {
		sig = serverFull[0]
	}
	return []byte("<html>\r\n<head><title>400 Request Header Or Cookie Too Large</title></head>\r\n<body>\r\n" +
		"<center><h1>400 Bad Request</h1></center>\r\n<center>Request Header Or Cookie Too Large</center>\r\n" +
		"<hr><center>" + sig + "</center>\r\n</body>\r\n</html>\r\n")
}

// maxLogLine is nginx's cap on an error-log line (NGX_MAX_ERROR_STR).
const maxLogLine = 2048

var logPrefixLen = len("2006/01/02 15:04:05 [info] ") + 2*len(strconv.Itoa(os.Getpid())) + len("#: ")

func (c *checkConn) logRefusal(f *refusal) {
	c.logHead(f.msg, f.where, string(c.reqLine))
}

// logCutShort writes nginx's info line for a request head the client
// left unfinished: it closed the connection (or client_header_timeout
// passed) inside the request line or the headers. pipelined: the line
// came with the bytes of the request before.
func (c *checkConn) logCutShort(timeout, pipelined bool) {
	if !c.s.log.Enabled(errlog.Info) {
		return
	}
	msg := "client prematurely closed connection"
	if timeout {
		msg = "client timed out (110: Connection timed out)"
	}
	switch {
	case c.started:
		c.logHead(msg, inHeaders, string(c.reqLine))
	case len(c.partial) == 0:
		// nothing of a request yet
	case pipelined:
		c.logHead(msg, inPipelinedLine, string(bytes.TrimSuffix(c.partial, []byte("\r"))))
	default:
		c.logHead(msg, inRequestLine, string(bytes.TrimSuffix(c.partial, []byte("\r"))))
	}
}

// logHead logs msg, said while reading a request head, at info level.
func (c *checkConn) logHead(msg string, where int, reqLine string) {
	lg := c.s.log
	if !lg.Enabled(errlog.Info) {
		return
	}
	switch where {
	case inRequestLine:
		msg += " while reading client request line"
	case inPipelinedLine:
		msg += " while reading client pipelined request line"
	default:
		msg += " while reading client request headers"
	}
	ctx := &errlog.Context{Conn: c.id, Request: reqLine}
	if host, _, err := net.SplitHostPort(c.RemoteAddr().String()); err == nil {
		ctx.Client = host
	}
	if st := c.s.cur.Load(); st != nil {
		if g := st.groups[c.key]; g != nil && g.Default != nil {
			ctx.Server = firstName(g.Default)
		}
	}
	if c.hostSeen {
		ctx.Host = string(c.host[c.hostVal:])
	}
	// nginx cuts the whole line at maxLogLine bytes: mostly a long request line
	room := maxLogLine - 1 - logPrefixLen - len("*"+strconv.FormatUint(c.id, 10)+" ") - len(msg) -
		len(", client: , server: , request: \"")
	room -= len(ctx.Client) + len(ctx.Server)
	if room > 0 && len(ctx.Request) > room {
		ctx.Request = ctx.Request[:room]
	}
	lg.Log(errlog.Info, ctx, msg)
}

// tooLong refuses a line that does not fit a large header buffer.
func (c *checkConn) tooLong(line []byte) bool {
	if !c.started {
		c.reqLine = append(c.reqLine[:0], line...)
		c.refuseWith(414, inRequestLine, "client sent too long URI")
		return true
	}
	const show = maxLogLine - 300 // nginx shows this much of the line
	if len(line) > show {
		line = line[:show]
	}
	c.refuseWith(494, inHeaders, `client sent too long header line: "`+string(line)+`..."`)
	return true
}

// nameClass classifies header-name bytes: 0 ok, 1 refused line, 2 ignored header.
var nameClass = func() (t [256]uint8) {
	for i := range t {
		t[i] = 2
	}
	for ch := 'a'; ch <= 'z'; ch++ {
		t[ch], t[ch-'a'+'A'] = 0, 0
	}
	for ch := '0'; ch <= '9'; ch++ {
		t[ch] = 0
	}
	t['-'], t[' '], t['\t'], t['\r'], t[0] = 0, 1, 1, 1, 1
	return t
}()

// headerLine checks one "Name: value" line.
func (c *checkConn) headerLine(line []byte) int {
	i, invalid := 0, false
	for ; i < len(line) && line[i] != ':'; i++ {
		switch nameClass[line[i]] {
		case 1:
			return c.badHeader(line, i)
		case 2:
			invalid = true
		}
	}
	if i == 0 {
		return c.badHeader(line, 0)
	}
	if i == len(line) {
		// no colon: nginx takes it for a header without value; net/http
		// refuses it, so it goes
		return lineDrop
	}
	for k := i + 1; k < len(line); k++ {
		if ch := line[k]; ch <= '\r' && (ch == 0 || ch == '\r') {
			return c.badHeader(line, k)
		}
	}
	if invalid {
		f := refusal{msg: `client sent invalid header line: "` + string(line) + `"`, where: inHeaders}
		c.logRefusal(&f)
		return lineDrop
	}
	name := line[:i]
	switch len(name) {
	case 4:
		if equalFold(name, "host") {
			return c.hostLine(name, trimSpace(line[i+1:]))
		}
	case 7:
		if equalFold(name, "upgrade") {
			c.stepAside = true
		}
	case 14:
		if equalFold(name, "content-length") {
			return c.lengthLine(name, trimSpace(line[i+1:]))
		}
	case 17:
		if equalFold(name, "transfer-encoding") {
			c.stepAside = true
		}
	}
	return lineOK
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// badHeader refuses a header line with a byte nginx does not take at k.
func (c *checkConn) badHeader(line []byte, k int) int {
	const hex = "0123456789abcdef"
	ch := line[k]
	return c.refuseWith(400, inHeaders, `client sent invalid header line: "`+string(line[:k])+
		`\x`+string([]byte{hex[ch>>4], hex[ch&15]})+`..."`)
}

func (c *checkConn) hostLine(name, value []byte) int {
	if c.hostSeen {
		return c.refuseWith(400, inHeaders, `client sent duplicate host header: "`+string(name)+": "+
			string(value)+`", previous value: "`+string(c.host)+`"`)
	}
	c.hostSeen = true
	c.host = append(append(append(c.host[:0], name...), ": "...), value...)
	c.hostVal = len(name) + 2
	if !validHost(value) {
		return c.refuseWith(400, inHeaders, "client sent invalid host header")
	}
	return lineOK
}

func (c *checkConn) lengthLine(name, value []byte) int {
	if c.clSeen {
		return c.refuseWith(400, inHeaders, `client sent duplicate header line: "`+string(name)+": "+
			string(value)+`", previous value: "`+string(c.clLine)+`"`)
	}
	c.clSeen = true
	c.clLine = append(append(append(c.clLine[:0], name...), ": "...), value...)
	var n int64
	for _, ch := range value {
		if ch < '0' || ch > '9' || n > (1<<62)/10 {
			return c.refuseWith(400, inHeaders, `client sent invalid "Content-Length" header`)
		}
		n = n*10 + int64(ch-'0')
	}
	if len(value) == 0 {
		return c.refuseWith(400, inHeaders, `client sent invalid "Content-Length" header`)
	}
	c.cl = n
	return lineOK
}

// equalFold compares an ASCII name with a lower-case constant.
func equalFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := range b {
		ch := b[i]
		if ch >= 'A' && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		if ch != lower[i] {
			return false
		}
	}
	return true
}

// validHost is nginx's check of a Host value: not empty, no "/", no NUL,
// no "..".
func validHost(h []byte) bool {
	if len(h) == 0 || bytes.IndexByte(h, '/') >= 0 || bytes.IndexByte(h, 0) >= 0 {
		return false
	}
	return !bytes.Contains(h, []byte(".."))
}

// validTarget checks a request target: an absolute path, or an absolute
// URI "scheme://host[/path]", whose dot segments stay under the root.
func validTarget(u []byte) bool {
	if len(u) == 0 {
		return false
	}
	if u[0] != '/' {
		i := 0
		for i < len(u) && (u[i] >= 'a' && u[i] <= 'z' || u[i] >= 'A' && u[i] <= 'Z') {
			i++
		}
		if i == 0 || len(u) < i+3 || string(u[i:i+3]) != "://" {
			return false
		}
		j := bytes.IndexByte(u[i+3:], '/')
		if j < 0 {
			return true
		}
		u = u[i+3+j:]
	}
	return validPath(u)
}

// validPath reports whether the "." and ".." segments of p (with %XX
// decoded, up to the query) stay under the root.
func validPath(p []byte) bool {
	if bytes.IndexByte(p, '%') < 0 && !bytes.Contains(p, []byte("/.")) {
		return true
	}
	depth, seg, dots := 0, 0, 0
	for i := 0; ; i++ {
		end := i >= len(p) || p[i] == '?'
		ch := byte('/')
		if !end {
			ch = p[i]
			if ch == '%' && i+2 < len(p) && isHex(p[i+1]) && isHex(p[i+2]) {
				ch = unhex(p[i+1])<<4 | unhex(p[i+2])
				i += 2
			}
		}
		if ch != '/' {
			seg++
			if ch == '.' {
				dots++
			}
			continue
		}
		switch {
		case seg == 2 && dots == 2:
			if depth--; depth < 0 {
				return false
			}
		case seg > 0 && !(seg == 1 && dots == 1):
			depth++
		}
		seg, dots = 0, 0
		if end {
			return true
		}
	}
}

func isHex(ch byte) bool {
	return ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'f' || ch >= 'A' && ch <= 'F'
}

func unhex(ch byte) byte {
	switch {
	case ch >= 'a':
		return ch - 'a' + 10
	case ch >= 'A':
		return ch - 'A' + 10
	}
	return ch - '0'
}

// h09Target is the target of an HTTP/0.9 request line "GET /x".
func h09Target(line []byte) []byte {
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	line = bytes.TrimLeft(line[bytes.IndexByte(line, ' '):], " ")
	if i := bytes.IndexByte(line, ' '); i >= 0 {
		line = line[:i]
	}
	return line
}
