package server

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/goresty/goresty/internal/clock"
	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/internal/edgepoll"
	"github.com/goresty/goresty/internal/errlog"
	"github.com/goresty/goresty/phases"
)

// The HTTP/1.x front end. goresty serves connections itself instead of
// through net/http's Server: one goroutine per connection and nothing else
// (net/http adds a background reader goroutine per request), read and write
// buffers taken from pools only while bytes are in them (a request parked in
// ngx.sleep holds neither), and response heads written as nginx writes them
// (its reason phrases, its header order, "Connection: keep-alive"). Requests
// are still parsed by net/http's http.ReadRequest, behind the request-head
// checker that answers malformed requests the way nginx does.

const (
	// maxHeaderBytes caps a request head (the checker's limits come first).
	maxHeaderBytes = 1<<20 + 4096
	// maxDrainBytes of an unread request body are discarded to keep the
	// connection; a longer one closes it.
	maxDrainBytes = 256 << 10
	// headerTimeout is nginx's client_header_timeout default.
	headerTimeout = 60 * time.Second
)

// connection states, for graceful shutdown.
const (
	connWaiting  = iota // waiting for (the first bytes of) a request
	connActive          // a request is being served
	connClosed          // closed by Shutdown while waiting
	connDetached        // hijacked: the handler owns it
)

var (
	readerPool  = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 4096) }}
	writerPool  = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 4096) }}
	errTooLarge = errors.New("server: request head too large")
	longAgo     = time.Unix(1, 0)
)

// h1Server serves the connections of one listener.
type h1Server struct {
	s   *Server
	key string
	// handler replaces the server's request handling (tests of the front end).
	handler http.Handler
	// fixed replaces the configured timeouts (tests of the front end).
	fixed *timeouts

	mu       sync.Mutex
	ln       net.Listener
	conns    map[*h1conn]struct{}
	shutting atomic.Bool
	// idle wakes the connections waiting for a request in epoll's order
	// (idlepoll.go); nil: they wait in Go's poller
	idle *edgepoll.Set
}

func newH1Server(s *Server, key string, ln net.Listener) *h1Server {
	return &h1Server{s: s, key: key, ln: ln, conns: map[*h1conn]struct{}{}}
}

// Serve accepts connections until the listener closes.
func (h *h1Server) Serve() error {
	ln := h.ln
	h.mu.Lock()
	if h.idle == nil && !h.shutting.Load() {
		h.idle = newIdleSet()
	}
	idle := h.idle
	h.mu.Unlock()
	var delay time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if h.shutting.Load() {
				return nil
			}
			if te, ok := err.(interface{ Temporary() bool }); ok && te.Temporary() {
				h.s.acceptError(err)
				if delay == 0 {
					delay = 5 * time.Millisecond
				} else if delay *= 2; delay > time.Second {
					delay = time.Second
				}
				time.Sleep(delay)
				continue
			}
			return err
		}
		delay = 0
		var pc *pollConn
		if idle != nil {
			if cc, ok := nc.(*checkConn); ok {
				cc.Conn = wrapIdle(idle, cc.Conn)
				pc, _ = cc.Conn.(*pollConn)
			} else {
				nc = wrapIdle(idle, nc)
				pc, _ = nc.(*pollConn)
			}
		}
		c := &h1conn{h: h, rwc: nc, pc: pc}
		c.cr.c = c
		h.mu.Lock()
		if h.shutting.Load() {
			h.mu.Unlock()
			nc.Close()
			continue
		}
		h.conns[c] = struct{}{}
		h.mu.Unlock()
		go c.serve()
	}
}

func (h *h1Server) forget(c *h1conn) {
	h.mu.Lock()
	delete(h.conns, c)
	h.mu.Unlock()
}

// Shutdown stops accepting, closes waiting connections and waits for the
// others to finish their request, until deadline; then it closes them too.
func (h *h1Server) Shutdown(deadline time.Time) {
	h.shutting.Store(true)
	h.ln.Close()
	for wait := time.Millisecond; ; {
		h.mu.Lock()
		n := 0
		for c := range h.conns {
			if c.state.CompareAndSwap(connWaiting, connClosed) {
				c.rwc.Close()
				continue
			}
			n++
		}
		h.mu.Unlock()
		if n == 0 {
			h.closeIdle()
			return
		}
		if time.Now().After(deadline) {
			h.Close()
			return
		}
		time.Sleep(wait)
		if wait < 100*time.Millisecond {
			wait *= 2
		}
	}
}

// Close closes the listener and every connection now.
func (h *h1Server) Close() {
	h.shutting.Store(true)
	h.ln.Close()
	h.mu.Lock()
	for c := range h.conns {
		c.rwc.Close()
	}
	h.mu.Unlock()
	h.closeIdle()
}

// closeIdle stops the idle poller once no connection waits in it.
func (h *h1Server) closeIdle() {
	h.mu.Lock()
	p := h.idle
	h.idle = nil
	h.mu.Unlock()
	if p != nil {
		p.Close()
	}
}

// timeouts are the client timeouts of a connection: keepalive_timeout,
// client_header_timeout, client_body_timeout and send_timeout of the
// listener's default server (nginx takes the last two per location).
type timeouts struct {
	keep, header, body, send time.Duration
}

var defaultTimeouts = timeouts{keep: 75 * time.Second, header: headerTimeout, body: 60 * time.Second, send: 60 * time.Second}

func (c *h1conn) timeouts() timeouts {
	if c.h.fixed != nil {
		return *c.h.fixed
	}
	if st := c.h.s.cur.Load(); st != nil {
		if g := c.group(st); g != nil && g.Default != nil && g.Default.Conf != nil {
			l := g.Default.Conf
			return timeouts{keep: l.KeepaliveTO, header: l.HeaderTO, body: l.BodyTO, send: l.SendTO}
		}
	}
	return defaultTimeouts
}

// group returns the connection's listen group in the configuration st,
// looked up once per configuration (a reload publishes a new st).
func (c *h1conn) group(st *state) *config.ListenGroup {
	if c.gst != st {
		c.gst, c.grp = st, st.groups[c.h.key]
	}
	return c.grp
}

// h1conn is one client connection.
type h1conn struct {
	h     *h1Server
	rwc   net.Conn
	pc    *pollConn // the socket in the idle poller, or nil
	cr    connReader
	br    *bufio.Reader // nil while no bytes are buffered
	bw    *bufio.Writer // nil while no response is being written
	ci    connInfo
	state atomic.Int32
	raddr string
	resp  h1resp
	// deadline: a read deadline is set (see serve)
	deadline bool
	// req is reused for every request of the connection
	req reqStore
	// to are the timeouts of the request being served
	to timeouts
	// grp is the connection's listen group in the configuration gst
	gst *state
	grp *config.ListenGroup
	// sw writes to the client within send_timeout
	sw sendWriter

	// client-abort watch (lua_check_client_abort)
	peeked   bool
	peekByte [1]byte
	abortCh  chan struct{}
	watchEnd chan struct{}
}

// connReader reads from the connection, first the byte the abort watch
// took, and limits request heads.
type connReader struct {
	c      *h1conn
	remain int64
}

func (cr *connReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	c := cr.c
	if c.peeked {
		c.peeked = false
		p[0] = c.peekByte[0]
		return 1, nil
	}
	if cr.remain <= 0 {
		return 0, errTooLarge
	}
	if int64(len(p)) > cr.remain {
		p = p[:cr.remain]
	}
	n, err := c.rwc.Read(p)
	cr.remain -= int64(n)
	return n, err
}

func (c *h1conn) reader() *bufio.Reader {
	if c.br == nil {
		c.br = readerPool.Get().(*bufio.Reader)
		c.br.Reset(&c.cr)
	}
	return c.br
}

func (c *h1conn) releaseReader() {
	if c.br != nil && c.br.Buffered() == 0 {
		c.br.Reset(nil)
		readerPool.Put(c.br)
		c.br = nil
	}
}

func (c *h1conn) writer() *bufio.Writer {
	if c.bw == nil {
		c.bw = writerPool.Get().(*bufio.Writer)
		c.sw.c = c
		c.bw.Reset(&c.sw)
	}
	return c.bw
}

func (c *h1conn) releaseWriter() error {
	if c.bw == nil {
		return nil
	}
	err := c.bw.Flush()
	c.bw.Reset(nil)
	writerPool.Put(c.bw)
	c.bw = nil
	return err
}

func (c *h1conn) close() {
	c.releaseWriter()
	if c.br != nil {
		c.br.Reset(nil)
		readerPool.Put(c.br)
		c.br = nil
	}
	c.rwc.Close()
}

func (c *h1conn) serve() {
	h := c.h
	s := h.s
	defer func() {
		if p := recover(); p != nil && p != http.ErrAbortHandler {
			buf := make([]byte, 16<<10)
			buf = buf[:runtime.Stack(buf, false)]
			s.log.Log(errlog.Alert, nil, "panic serving "+c.raddr+": "+panicText(p)+"\n"+string(buf))
		}
		if c.state.Load() != connDetached {
			h.forget(c)
			c.close()
		}
	}()
	c.ci = connInfo{id: s.connSeq.Add(1), local: c.rwc.LocalAddr(), key: h.key, abort: c.Abort, rr: &reqResp{}}
	setConnID(c.rwc, c.ci.id)
	c.raddr = c.rwc.RemoteAddr().String()
	for n := 0; ; n++ {
		c.to = c.timeouts()
		keep := c.to.keep
		// wait for the request: the first within client_header_timeout,
		// later ones within keepalive_timeout
		wait := keep
		if n == 0 {
			wait = c.to.header
		}
		br := c.reader()
		pipelined := n > 0 && br.Buffered() > 0
		c.cr.remain = maxHeaderBytes
		var err error
		if c.pc != nil {
			c.clearDeadline()
			err = c.idlePeek(br, wait)
		} else {
			c.rwc.SetReadDeadline(time.Now().Add(wait))
			c.deadline = true
			_, err = br.Peek(1)
		}
		if err != nil {
			c.logIdleEnd(n, err)
			return
		}
		if !c.state.CompareAndSwap(connWaiting, connActive) {
			return // closed by Shutdown
		}
		// the head's end in the buffer, when it is there (read uses it)
		c.req.hn, c.req.htotal = bufferedHead(br)
		if (n > 0 || c.pc != nil) && c.req.htotal == 0 {
			dl := time.Now().Add(c.to.header)
			if n == 0 {
				dl = c.pc.w.Deadline() // the first head, within client_header_timeout of the accept
			}
			c.rwc.SetReadDeadline(dl)
			c.deadline = true
		}
		// a read deadline set above stays until something reads during the
		// request (the body, the abort watch, a taken-over connection)
		hr, err := c.req.read(br)
		c.cr.remain = 1<<63 - 1
		if err != nil {
			c.badRequest(err, pipelined)
			return
		}
		hr.RemoteAddr = c.raddr
		var body *bodyReader
		if hr.Body != http.NoBody {
			c.clearDeadline()
			body = &bodyReader{c: c, rc: hr.Body}
			body.expect = hr.ProtoAtLeast(1, 1) && hasToken(hr.Header["Expect"], "100-continue")
			hr.Body = body
		} else {
			c.releaseReader()
		}
		w := &c.resp
		*w = h1resp{c: c, req: hr, h: w.h, cl: -1, body: body}
		if w.h == nil {
			w.h = make(http.Header, 8)
		} else {
			clear(w.h)
		}
		w.keep = !hr.Close && keep > 0 && !h.shutting.Load()
		c.handle(w, hr)
		if c.state.Load() == connDetached {
			return
		}
		c.stopAbortWatch()
		if err := w.finish(); err != nil {
			return
		}
		if cc, ok := c.rwc.(*checkConn); ok {
			cc.inflight.Add(-1) // the response is out: the checker may answer the next
		}
		if !w.keep {
			if body != nil && !body.eof {
				c.lingerClose()
			}
			return
		}
		if body != nil && !body.drain() {
			return
		}
		c.releaseReader()
		if !c.state.CompareAndSwap(connActive, connWaiting) || h.shutting.Load() {
			return
		}
	}
}

// bufferedHead finds a whole request head in the buffer (see headEnd;
// total 0: not all there). A buffer that starts with an empty line (which
// nginx skips before a request) counts as holding the head.
func bufferedHead(br *bufio.Reader) (n, total int) {
	p, _ := br.Peek(br.Buffered())
	return headEnd(p)
}

func (c *h1conn) clearDeadline() {
	if c.deadline {
		c.deadline = false
		c.rwc.SetReadDeadline(time.Time{})
	}
}

func panicText(p any) string {
	if e, ok := p.(error); ok {
		return e.Error()
	}
	if s, ok := p.(string); ok {
		return s
	}
	return "unexpected panic"
}

// handle runs the server's handler for one request.
func (c *h1conn) handle(w *h1resp, hr *http.Request) {
	if c.h.handler != nil {
		c.h.handler.ServeHTTP(w, hr)
		return
	}
	s := c.h.s
	st := s.cur.Load()
	g := c.group(st)
	if g == nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	s.serve(st, g, &c.ci, w, hr)
}

// logIdleEnd writes the info line nginx writes when a connection ends
// before a request starts: the client closed it, or client_header_timeout
// passed before the first request (the end of keepalive_timeout is quiet).
func (c *h1conn) logIdleEnd(n int, err error) {
	lg := c.h.s.log
	if !lg.Enabled(errlog.Info) || c.state.Load() != connWaiting {
		return // closed by goresty (a stop, a reload)
	}
	var ne net.Error
	timeout := errors.As(err, &ne) && ne.Timeout()
	eof := errors.Is(err, io.EOF)
	client, _, _ := net.SplitHostPort(c.raddr)
	ctx := &errlog.Context{Conn: c.ci.id, Client: client, Server: strings.TrimPrefix(c.h.key, "tcp:")}
	switch {
	case n > 0 && eof:
		lg.Log(errlog.Info, &errlog.Context{Conn: c.ci.id}, "client "+client+" closed keepalive connection")
	case n == 0 && eof:
		lg.Log(errlog.Info, ctx, "client closed connection while waiting for request")
	case n == 0 && timeout:
		lg.Log(errlog.Info, ctx, "client timed out (110: Connection timed out) while waiting for request")
	}
}

// badRequest answers a request head net/http could not read (the checker
// answers the malformed ones nginx refuses; this is what is left).
func (c *h1conn) badRequest(err error, pipelined bool) {
	// the client closed or reset the connection, timed out, or was
	// already answered by the checker: nothing to answer
	var oe *net.OpError
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, errRejected) || errors.As(err, &oe) {
		var ne net.Error
		timeout := errors.As(err, &ne) && ne.Timeout()
		if cc, ok := c.rwc.(*checkConn); ok && !errors.Is(err, errRejected) && (timeout || oe == nil) {
			cc.logCutShort(timeout, pipelined)
		}
		return
	}
	code := http.StatusBadRequest
	if errors.Is(err, errTooLarge) {
		code = 494
	} else if errors.Is(err, errTE) {
		code = http.StatusNotImplemented
	}
	f := &refusal{code: code}
	cc, ok := c.rwc.(*checkConn)
	if !ok {
		cc = &checkConn{Conn: c.rwc, s: c.h.s, key: c.h.key}
	}
	cc.writeRefusal(f)
	cc.lingerClose()
}

// lingerClose flushes the response and closes the connection lingering,
// so unread request bytes do not reset it under the client.
func (c *h1conn) lingerClose() {
	c.releaseWriter()
	if cc, ok := c.rwc.(*checkConn); ok {
		cc.lingerClose()
		return
	}
	linger(c.rwc)
}

// Abort returns a channel closed when the client closes the connection
// while its request is served (ngx.on_abort). The watch starts once the
// request body has been read.
func (c *h1conn) Abort() <-chan struct{} {
	if c.abortCh == nil {
		c.abortCh = make(chan struct{})
		if b := c.resp.body; b == nil || b.eof {
			c.startAbortWatch()
		}
	}
	return c.abortCh
}

func (c *h1conn) startAbortWatch() {
	if c.watchEnd != nil || c.peeked || c.br != nil && c.br.Buffered() > 0 {
		return // already watching, or the next request is already here
	}
	c.clearDeadline()
	end := make(chan struct{})
	c.watchEnd = end
	ch := c.abortCh
	go func() {
		defer close(end)
		n, err := c.rwc.Read(c.peekByte[:])
		if n == 1 {
			c.peeked = true
			return
		}
		if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			close(ch)
		}
	}()
}

func (c *h1conn) stopAbortWatch() {
	if c.watchEnd != nil {
		c.rwc.SetReadDeadline(longAgo)
		<-c.watchEnd
		c.deadline = true
		c.watchEnd = nil
	}
	c.abortCh = nil
}

// sendWriter writes to the client; each write must make progress within
// send_timeout, as in nginx (a slow reader does not hold the connection
// forever).
// The deadline is moved only when it was set more than an eighth of the
// timeout (at most a second) ago, so a stream of small responses does not
// pay a timer update per write; a write still gets at least 7/8 of it.
type sendWriter struct {
	c   *h1conn
	n   int64     // bytes written on the connection
	set time.Time // when the write deadline was last set
	to  time.Duration
}

func (w *sendWriter) Write(p []byte) (int, error) {
	c := w.c
	if to := c.to.send; to > 0 {
		if now := clock.Now(); to != w.to || now.Sub(w.set) > min(to/8, time.Second) {
			c.rwc.SetWriteDeadline(now.Add(to))
			w.set, w.to = now, to
		}
	}
	n, err := c.rwc.Write(p)
	w.n += int64(n)
	if isTimeout(err) {
		c.h.s.log.Log(errlog.Info, nil, "client timed out (110: Connection timed out) while sending response to client")
	}
	return n, err
}

func isTimeout(err error) bool {
	return err != nil && timeoutErr(err)
}

// timeoutErr is isTimeout's slow path, apart so that the error target it
// makes escape is not allocated when there is no error.
func timeoutErr(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// bodyReader is a request body: it sends "100 Continue" when the handler
// starts reading a body the client holds back, and notes the end.
type bodyReader struct {
	c      *h1conn
	rc     io.ReadCloser
	expect bool // the client waits for 100 Continue
	sent   bool
	eof    bool
}

func (b *bodyReader) Read(p []byte) (int, error) {
	if b.eof {
		return 0, io.EOF
	}
	if b.expect && !b.sent {
		b.sent = true
		if !b.c.resp.wrote {
			b.c.sw.c = b.c
			b.c.sw.Write([]byte("HTTP/1.1 100 Continue\r\n\r\n"))
		}
	}
	if to := b.c.to.body; to > 0 {
		// client_body_timeout: between two successive reads
		b.c.rwc.SetReadDeadline(time.Now().Add(to))
		b.c.deadline = true
	}
	n, err := b.rc.Read(p)
	if isTimeout(err) {
		b.c.h.s.log.Log(errlog.Info, nil, "client timed out (110: Connection timed out) while reading client request body")
	}
	if err == io.EOF {
		b.eof = true
		if b.c.abortCh != nil {
			b.c.startAbortWatch()
		}
	}
	return n, err
}

func (b *bodyReader) Close() error { return nil }

// drain discards what the handler left of the body; false means the
// connection cannot be kept.
func (b *bodyReader) drain() bool {
	if b.eof {
		return true
	}
	if b.expect && !b.sent {
		return false // the client still waits to send it
	}
	saved := b.c.to.body
	b.c.to.body = 5 * time.Second // what is left may not keep the connection long
	defer func() { b.c.to.body = saved }()
	n, err := io.CopyN(io.Discard, b, maxDrainBytes+1)
	return n <= maxDrainBytes && err == io.EOF
}

// h1resp writes one response (http.ResponseWriter, http.Flusher, http.Hijacker).
type h1resp struct {
	c      *h1conn
	req    *http.Request
	h      http.Header
	body   *bodyReader
	status int
	wrote  bool // status line and headers written (or held, see hold)
	held   bool // HTTP/1.0 body of unknown length kept to send a Content-Length
	hold   []byte
	chunk  bool
	// locFirst: Location goes in nginx's fixed place (see
	// phases.Request.LocationFirst)
	locFirst bool
	spell    map[string]string // header names as the handler spelled them
	mark     int64             // the connection's out() when the head began
	headN    int64             // the head's size, once written
	chunkEnd bool              // the last chunk is written
	order    []string          // the handler's header names in the order it set them
	server   []string          // the default Server header, sent when the handlers set none
	noServer bool              // a handler's empty Server header: none is sent
	stream   bool              // an HTTP/1.0 body of unknown length is not held (see noHold)
	line     string            // the status line to send as is (see phases.Request.StatusLine)
	none     bool              // no body allowed (HEAD, 1xx, 204, 304)
	cl       int64             // Content-Length sent, -1 none
	n        int64             // body bytes written
	keep     bool              // keep the connection after this response
}

func (w *h1resp) Header() http.Header { return w.h }

// WriteHeader decides how the body is framed and writes the head (an
// HTTP/1.0 body of unknown length waits in hold instead, as nginx's
// lua_http10_buffering, to go out with a Content-Length).
func (w *h1resp) WriteHeader(code int) {
	if w.wrote {
		return
	}
	w.wrote = true
	w.status = code
	w.none = w.req.Method == http.MethodHead || code < 200 || code == 204 || code == 304
	w.writeHead(true)
}

var nginxOrder = []string{"Server", "Date", "Content-Type", "Content-Length", "Last-Modified", "Location"}

// writeHead writes the status line and the headers, in one pass over the
// header map. deciding (WriteHeader): the pass also settles the body's
// framing: a valid Content-Length is kept (w.cl), an invalid one dropped,
// a body of unknown length goes chunked, or for HTTP/1.0 is held (the head
// is then written later, by the next call).
func (w *h1resp) writeHead(deciding bool) {
	h := w.h
	// the headers nginx writes first are picked out, the rest follow
	// sorted
	var first [6][]string
	var restBuf [8]string
	rest := restBuf[:0]
	dropConn := false
	for k, vs := range h {
		switch k {
		case "Server":
			if w.server != nil && len(vs) == 1 && vs[0] == "" {
				// a handler's empty Server: no Server line at all
				delete(h, k)
				w.noServer = true
				continue
			}
			first[0] = vs
		case "Date":
			first[1] = vs
		case "Content-Type":
			first[2] = vs
		case "Content-Length":
			if deciding {
				n, err := int64(-1), error(nil)
				if len(vs) == 1 {
					n, err = strconv.ParseInt(vs[0], 10, 64)
				}
				if err != nil || n < 0 {
					delete(h, k)
					continue
				}
				w.cl = n
			}
			first[3] = vs
		case "Transfer-Encoding":
			// goresty frames the body itself
			delete(h, k)
		case "Last-Modified":
			first[4] = vs
		case "Location":
			if w.locFirst {
				first[5] = vs
			} else {
				rest = append(rest, k)
			}
		case "Connection":
			// a handler's Connection: close closes the connection; the
			// line itself goes out only on a 101 (the rest is goresty's)
			if hasToken(vs, "close") {
				w.keep = false
			}
			if w.status == http.StatusSwitchingProtocols {
				rest = append(rest, k)
			} else {
				dropConn = true
			}
		default:
			rest = append(rest, k)
		}
	}
	if dropConn {
		delete(h, "Connection")
	}
	if deciding && w.cl < 0 && !w.none {
		// a body of unknown length goes chunked; for HTTP/1.0 it is held
		if w.req.ProtoAtLeast(1, 1) {
			w.chunk = true
		} else if !w.stream {
			w.held = true
			return
		} else {
			w.keep = false // the body ends with the connection
		}
	}
	w.mark = w.c.out()
	if w.c.h.shutting.Load() {
		w.keep = false
	}
	b := w.c.writer()
	// the head is built in the writer's free space and written at once
	p := append(b.AvailableBuffer(), "HTTP/1.1 "...)
	if w.line != "" {
		p = append(p, w.line...)
	} else if w.status >= 100 && w.status < 600 {
		p = append(p, statusLine100[w.status-100]...)
	} else {
		p = strconv.AppendInt(p, int64(w.status), 10)
		p = append(p, ' ')
		p = append(p, reasonPhrase(w.status)...)
	}
	p = append(p, "\r\n"...)
	// goresty's own Server and Date lines need no checks
	if first[0] == nil {
		if !w.noServer && len(w.server) == 1 {
			p = append(append(append(p, "Server: "...), w.server[0]...), "\r\n"...)
		}
	} else {
		p = appendHeaderValues(p, "Server", first[0])
	}
	if first[1] == nil {
		p = append(append(append(p, "Date: "...), dateHeader()[0]...), "\r\n"...)
	} else {
		p = appendHeaderValues(p, "Date", first[1])
	}
	for i, vs := range first[2:] {
		p = appendHeaderValues(p, nginxOrder[i+2], vs)
	}
	if w.chunk {
		p = append(p, "Transfer-Encoding: chunked\r\n"...)
	}
	if w.status != http.StatusSwitchingProtocols {
		if w.keep {
			p = append(p, "Connection: keep-alive\r\n"...)
		} else {
			p = append(p, "Connection: close\r\n"...)
		}
	}
	if len(w.order) > 0 {
		// the handler's headers in the order it set them, then the rest
		var keys [8]string
		rest = phases.AppendOrderedKeys(keys[:0], h, w.order, func(k string) bool { return !slices.Contains(rest, k) })
	} else if len(rest) > 1 {
		sort.Strings(rest)
	}
	for _, k := range rest {
		name := k
		if s, ok := w.spell[k]; ok {
			name = s // as the handler spelled it
		}
		p = appendHeaderLines(p, name, h[k])
	}
	p = append(p, "\r\n"...)
	b.Write(p)
	w.headN = w.c.out() - w.mark
}

// SentBytes is what the response put on the wire so far, all of it (head,
// body, chunked framing: $bytes_sent) and its head, as nginx counts them.
// A chunked body's last chunk, written after the log phase here, is
// counted once the body has ended: nginx has sent it by then.
func (w *h1resp) SentBytes(ended bool) (total, head int64) {
	if w.headN == 0 {
		return 0, 0
	}
	total = w.c.out() - w.mark
	if ended && w.chunk && !w.chunkEnd {
		total += int64(len(lastChunk))
	}
	return total, w.headN
}

const lastChunk = "0\r\n\r\n"

// out counts the bytes the connection has been given to send.
func (c *h1conn) out() int64 {
	n := c.sw.n
	if c.bw != nil {
		n += int64(c.bw.Buffered())
	}
	return n
}

// appendHeaderLines appends one line per value; a line break inside a
// value becomes a space (it would end the head early), and an invalid name
// is left out.
func appendHeaderLines(p []byte, k string, vs []string) []byte {
	if len(vs) == 0 || !validHeaderName(k) {
		return p
	}
	return appendHeaderValues(p, k, vs)
}

// appendHeaderValues is appendHeaderLines for a name known to be valid.
func appendHeaderValues(p []byte, k string, vs []string) []byte {
	for _, v := range vs {
		p = append(p, k...)
		p = append(p, ": "...)
		if strings.IndexByte(v, '\n') >= 0 || strings.IndexByte(v, '\r') >= 0 { // not ContainsAny: 1% of W2
			v = strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ").Replace(v)
		}
		p = append(p, v...)
		p = append(p, "\r\n"...)
	}
	return p
}

func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c <= ' ' || c >= 0x7f || c == ':' {
			return false
		}
	}
	return true
}

func (w *h1resp) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if w.none || len(p) == 0 {
		return len(p), nil
	}
	if w.held {
		w.hold = append(w.hold, p...)
		w.n += int64(len(p))
		return len(p), nil
	}
	var err error
	if w.cl >= 0 && w.n+int64(len(p)) > w.cl {
		p = p[:w.cl-w.n]
		err = http.ErrContentLength
	}
	b := w.c.writer()
	var werr error
	if w.chunk {
		// the size written in the buffer's free space (an array on the
		// stack would escape through Write: an allocation per chunk)
		b.Write(appendHex(b.AvailableBuffer(), uint64(len(p))))
		b.WriteString("\r\n")
		b.Write(p)
		_, werr = b.WriteString("\r\n")
	} else {
		_, werr = b.Write(p)
	}
	if werr != nil {
		return 0, werr // the client is gone or timed out (send_timeout)
	}
	w.n += int64(len(p))
	return len(p), err
}

// Flush sends what was written (a held HTTP/1.0 body goes out now, ended
// by closing the connection).
func (w *h1resp) Flush() {
	if !w.wrote {
		return
	}
	if w.held {
		w.held = false
		w.keep = false
		w.writeHead(false)
		w.c.writer().Write(w.hold)
		w.hold = nil
	}
	if w.c.bw != nil {
		w.c.bw.Flush()
	}
}

// holding reports whether an HTTP/1.0 body is held back for its
// Content-Length (lua_http10_buffering).
func (w *h1resp) holding() bool { return w.held }

// releaseHeld sends a held HTTP/1.0 response now, complete, with its
// Content-Length (ngx.eof).
func (w *h1resp) releaseHeld() {
	if !w.held {
		return
	}
	w.held = false
	w.cl = int64(len(w.hold))
	w.h["Content-Length"] = []string{strconv.Itoa(len(w.hold))}
	w.writeHead(false)
	w.c.writer().Write(w.hold)
	w.hold = nil
}

// finish completes the response after the handler returned.
func (w *h1resp) finish() error {
	if !w.wrote {
		if _, ok := w.h["Content-Length"]; !ok {
			w.h["Content-Length"] = zeroLength
		}
		w.WriteHeader(http.StatusOK)
	}
	w.releaseHeld()
	if w.chunk {
		w.c.writer().WriteString(lastChunk)
		w.chunkEnd = true
	}
	if w.cl >= 0 && w.n < w.cl && !w.none {
		w.keep = false // the client waits for bytes that will not come
	}
	return w.c.releaseWriter()
}

var zeroLength = []string{"0"}

// Hijack hands the connection to the handler (ngx.req.socket(true), 444).
func (w *h1resp) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c := w.c
	if c.state.Load() == connDetached {
		return nil, nil, http.ErrHijacked
	}
	c.stopAbortWatch()
	if err := c.releaseWriter(); err != nil {
		return nil, nil, err
	}
	c.clearDeadline()
	c.rwc.SetWriteDeadline(time.Time{}) // the handler's raw writes have their own timeouts
	c.sw.set = time.Time{}
	c.state.Store(connDetached)
	c.h.forget(c)
	if cc, ok := c.rwc.(*checkConn); ok {
		cc.off.Store(true)
	}
	br := c.br
	if br == nil {
		br = bufio.NewReaderSize(&c.cr, 4096)
	}
	c.br = nil
	return c.rwc, bufio.NewReadWriter(br, bufio.NewWriterSize(c.rwc, 512)), nil
}

// hasToken reports whether a comma-separated header holds token (any case).
func hasToken(vs []string, token string) bool {
	for _, v := range vs {
		for v != "" {
			var t string
			t, v, _ = strings.Cut(v, ",")
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// appendHex appends n in lower-case hexadecimal (a chunk's size).
func appendHex(b []byte, n uint64) []byte {
	var buf [16]byte
	i := len(buf)
	for {
		i--
		buf[i] = "0123456789abcdef"[n&15]
		n >>= 4
		if n == 0 {
			break
		}
	}
	return append(b, buf[i:]...)
}

// statusLine100[code-100] is "CODE REASON" (see reasonPhrase) for the codes
// from 100 to 599.
var statusLine100 = func() (t [500]string) {
	for i := range t {
		t[i] = strconv.Itoa(i+100) + " " + reasonPhrase(i+100)
	}
	return t
}()

// reasonPhrase is nginx's reason phrase of a status line; nginx leaves it
// empty for the codes it does not know.
func reasonPhrase(code int) string {
	switch code {
	case 101:
		return "Switching Protocols"
	case 200:
		return "OK"
	case 201:
		return "Created"
	case 202:
		return "Accepted"
	case 204:
		return "No Content"
	case 206:
		return "Partial Content"
	case 301:
		return "Moved Permanently"
	case 302:
		return "Moved Temporarily"
	case 303:
		return "See Other"
	case 304:
		return "Not Modified"
	case 307:
		return "Temporary Redirect"
	case 308:
		return "Permanent Redirect"
	case 400:
		return "Bad Request"
	case 401:
		return "Unauthorized"
	case 402:
		return "Payment Required"
	case 403:
		return "Forbidden"
	case 404:
		return "Not Found"
	case 405:
		return "Not Allowed"
	case 406:
		return "Not Acceptable"
	case 408:
		return "Request Time-out"
	case 409:
		return "Conflict"
	case 410:
		return "Gone"
	case 411:
		return "Length Required"
	case 412:
		return "Precondition Failed"
	case 413:
		return "Request Entity Too Large"
	case 414:
		return "Request-URI Too Large"
	case 415:
		return "Unsupported Media Type"
	case 416:
		return "Requested Range Not Satisfiable"
	case 421:
		return "Misdirected Request"
	case 429:
		return "Too Many Requests"
	case 500:
		return "Internal Server Error"
	case 501:
		return "Not Implemented"
	case 502:
		return "Bad Gateway"
	case 503:
		return "Service Temporarily Unavailable"
	case 504:
		return "Gateway Time-out"
	case 505:
		return "HTTP Version Not Supported"
	case 507:
		return "Insufficient Storage"
	}
	return ""
}
