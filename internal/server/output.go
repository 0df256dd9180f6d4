package server

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/goresty/goresty/internal/clock"
	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/internal/luavm"
	"github.com/goresty/goresty/phases"
)

// FilterRunner runs the Lua header and body filters of a location; the Lua
// runtime provides it. A nil FilterRunner means no Lua filters.
type FilterRunner interface {
	// HeaderFilter runs header_filter handlers; it may change r.Status and
	// r.Header. It returns the status a handler gave ngx.exit (0 for none),
	// and an error when a handler failed.
	HeaderFilter(r *phases.Request, hs []config.Handler) (exit int, err error)
	// BodyFilter runs body_filter handlers on one chunk and returns the new
	// chunk and eof flag, or an error when a handler failed.
	BodyFilter(r *phases.Request, hs []config.Handler, chunk []byte, eof bool) ([]byte, bool, error)
}

// errOutput is what writes get once a filter failed or replaced the
// response, as ngx.say reports nginx's failing filter chain.
var errOutput = errors.New("nginx output filter error")

// response implements phases.Output for one request: it runs the filters
// and keeps the bytes until the connection's goroutine writes them.
type response struct {
	s        *Server
	w        http.ResponseWriter
	r        *phases.Request
	pending  []byte
	wrote    bool // WriteHeader done on w
	headOnly bool
	aborted  bool
	hijacked bool // the handler took the connection (raw request socket)
	eof      bool
	// failed: a Lua filter raised an error; nginx closes the connection
	// (what it had sent stays sent, nothing more goes out)
	failed bool
	// replaced: a header filter's ngx.exit swapped the response for the
	// special response of its status; the handler's output is refused
	replaced bool
	special  bool // pending holds the special response's body, not filtered yet
	// due is how much of pending nginx would have sent already (its write
	// filter sends once postpone_output bytes are pending): what a failed
	// response still gets before the connection is cut
	due    int
	stream bool // ngx.send_headers: an HTTP/1.0 body is not held
}

// SendHeaderNow is ngx.send_headers: as in nginx, an HTTP/1.0 response
// then goes out without waiting for its length.
func (o *response) SendHeaderNow(r *phases.Request) {
	o.stream = true
	o.SendHeader(r)
}

func (o *response) loc() *config.Location {
	l, _ := o.r.Loc.(*config.Location)
	return l
}

// SendHeader runs the header filters and marks the headers as sent.
func (o *response) SendHeader(r *phases.Request) error {
	if r.HeaderSent {
		return nil
	}
	r.HeaderSent = true
	if r.Status == 0 {
		r.Status = 200
	}
	loc := o.loc()
	if _, set := r.Header["Content-Type"]; loc != nil && !set {
		// nginx gives handler output the location's default_type (a
		// present but empty entry is ngx.header.content_type = nil)
		if loc.DefaultType == "" {
			r.Header["Content-Type"] = nil // default_type "": none
		} else {
			r.Header["Content-Type"] = loc.DefaultTypeHdr()
		}
	}
	if o.notModified(r, loc) {
		return nil // the 412 page: no filter of the handler's runs on it
	}
	if loc != nil {
		if hs := loc.Handlers[phases.HeaderFilter]; len(hs) > 0 && o.s.filters != nil {
			saved := r.Phase
			r.Phase = phases.HeaderFilter
			exit, err := o.s.filters.HeaderFilter(r, hs)
			if err == nil && exit != 0 {
				err = o.filterFinalize(r, loc, hs, exit)
			}
			r.Phase = saved
			if err != nil {
				o.fail()
				return err
			}
		}
		if !r.Subrequest {
			// add_header and expires leave subrequests alone
			o.coreHeaders(loc)
		}
		charsetFilter(r, loc)
		if page, ok := o.page(); ok {
			// the special response's body goes through the body filters
			o.Write(r, page, true)
			o.replaced = true
		}
	}
	return nil
}

// charsetFilter is nginx's charset header filter (after the Lua header
// filter and add_header): "; charset=NAME" on a type in charset_types,
// except on 301 and 302 answers (nginx leaves redirects alone) and on
// subrequests (a capture takes their headers before this filter).
func charsetFilter(r *phases.Request, loc *config.Location) {
	if loc.Charset == "" || r.Subrequest || r.Status == http.StatusMovedPermanently || r.Status == http.StatusFound {
		return
	}
	if vs := r.Header["Content-Type"]; len(vs) == 1 {
		if ct := loc.CharsetFor(vs[0]); ct != vs[0] {
			r.Header["Content-Type"] = []string{ct}
		}
	}
}

// filterFinalize replaces the response by the special response of code,
// as nginx does for ngx.exit(code) in a header filter: the headers are
// cleared, the header filters run again on the new response (their
// ngx.exit now ignored), and the body is the built-in page of code (empty
// for a 2xx). A negative code (ngx.ERROR) fails the request.
func (o *response) filterFinalize(r *phases.Request, loc *config.Location, hs []config.Handler, code int) error {
	if code < 0 {
		return errOutput
	}
	for k := range r.Header {
		delete(r.Header, k)
	}
	r.Status = code
	if _, err := o.s.filters.HeaderFilter(r, hs); err != nil {
		return err
	}
	body := errorPageBody(code, loc.ServerTokens)
	if body != nil {
		r.Header.Set("Content-Type", "text/html")
		r.Header.Set("Content-Length", strconv.Itoa(len(body)))
	} else if code >= 200 && code != 204 && code != 304 {
		r.Header.Set("Content-Length", "0")
	}
	o.special = true
	o.pending = append(o.pending[:0], body...)
	return nil
}

// page takes the body filterFinalize left in pending.
func (o *response) page() ([]byte, bool) {
	if !o.special {
		return nil, false
	}
	o.special = false
	body := append([]byte(nil), o.pending...)
	o.pending = o.pending[:0]
	return body, true
}

// coreHeaders applies add_header and expires (nginx's headers filter).
func (o *response) coreHeaders(loc *config.Location) {
	r := o.r
	st := r.Status
	ok := st == 200 || st == 201 || st == 204 || st == 206 || st == 301 || st == 302 || st == 303 || st == 304 || st == 307 || st == 308
	for _, h := range loc.AddHeaders {
		if ok || h.Always {
			v := h.Value.Eval(r)
			if v != "" {
				r.Header.Add(h.Name, v)
				// sent after the handler's, as written, in config order
				r.SpellHeader(http.CanonicalHeaderKey(h.Name), h.Name)
			}
		}
	}
	if e := loc.Expires; e != nil && !e.Off && ok {
		now := time.Now()
		switch {
		case e.Epoch:
			r.Header.Set("Expires", "Thu, 01 Jan 1970 00:00:01 GMT")
			r.Header.Set("Cache-Control", "no-cache")
		case e.Max:
			r.Header.Set("Expires", "Thu, 31 Dec 2037 23:55:55 GMT")
			r.Header.Set("Cache-Control", "max-age=315360000")
		default:
			base := now
			if e.Modified {
				// "expires modified": counted from the file's modification time
				if lm, err := http.ParseTime(r.Header.Get("Last-Modified")); err == nil {
					base = lm
				}
			}
			exp := base.Add(e.D)
			r.Header.Set("Expires", exp.UTC().Format(http.TimeFormat))
			if left := exp.Sub(now); left < 0 {
				r.Header.Set("Cache-Control", "no-cache")
			} else {
				r.Header.Set("Cache-Control", "max-age="+strconv.FormatInt(int64(left/time.Second), 10))
			}
		}
	}
}

// Write passes a chunk through the body filters into the pending buffer.
func (o *response) Write(r *phases.Request, chunk []byte, eof bool) error {
	return o.write(r, chunk, eof, false)
}

// FlushChunk passes an empty buffer through the body filters, as nginx's
// ngx.flush does.
func (o *response) FlushChunk(r *phases.Request) error {
	return o.write(r, nil, false, true)
}

func (o *response) write(r *phases.Request, chunk []byte, eof, flush bool) error {
	if o.eof {
		return nil
	}
	if !r.HeaderSent {
		o.SendHeader(r)
	}
	if o.failed || o.replaced {
		return errOutput
	}
	if len(chunk) == 0 && !eof && !flush {
		// nothing to pass on: nginx's filters never see an empty
		// ngx.print (a flush is another matter)
		return nil
	}
	if o.headerOnly(r) {
		// nginx sends no body for HEAD, 204 and 304: the body filters
		// are not called and nothing counts as sent
		if eof {
			o.eof = true
			r.Finished = true
		}
		return nil
	}
	if loc := o.loc(); loc != nil && o.s.filters != nil {
		if hs := loc.Handlers[phases.BodyFilter]; len(hs) > 0 {
			saved := r.Phase
			r.Phase = phases.BodyFilter
			var err error
			chunk, eof, err = o.s.filters.BodyFilter(r, hs, chunk, eof)
			r.Phase = saved
			if err != nil {
				o.fail()
				return err
			}
		}
	}
	o.pending = append(o.pending, chunk...)
	if len(o.pending)-o.due >= postponeOutput {
		o.due = len(o.pending) // nginx's write filter would send it now
	}
	r.BodySent += int64(len(chunk))
	if eof {
		o.eof = true
		r.Finished = true
	}
	return nil
}

// headerOnly reports whether the response has no body on the wire, as
// nginx's header filter decides once the headers are final: a HEAD
// request, or a 204 or 304 status.
func (o *response) headerOnly(r *phases.Request) bool {
	// a subrequest's headers go through no header filter of nginx's:
	// its capture gets a 204's body
	return o.headOnly || !r.Subrequest && (r.Status == http.StatusNoContent || r.Status == http.StatusNotModified)
}

// fail marks a response whose filter failed (NGX_ERROR): what nginx had
// not sent yet is dropped and the connection is closed.
func (o *response) fail() {
	o.failed, o.aborted = true, true
	o.pending = o.pending[:o.due]
}

// Hijack hands the client connection to the handler (ngx.req.socket(true)):
// what was produced so far is sent first; from then on the handler writes
// the raw bytes itself and nothing more goes through the response.
func (o *response) Hijack() (net.Conn, *bufio.Reader, error) {
	if o.hijacked {
		return nil, nil, errors.New("server: connection already taken")
	}
	o.Flush()
	hj, ok := o.w.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("server: this connection cannot be taken over")
	}
	c, rw, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	o.hijacked = true
	o.r.HeaderSent = true
	o.r.Finished = true
	return c, rw.Reader, nil
}

// Drain writes the pending bytes to the client. Only the goroutine that
// owns the connection calls it, never while a VM is held.
func (o *response) Drain() {
	if !o.r.HeaderSent || o.hijacked || o.failed {
		return
	}
	o.writeHeader()
	if len(o.pending) > 0 {
		o.w.Write(o.pending)
		o.pending = o.pending[:0]
	}
	o.due = 0
}

// postponeOutput is nginx's postpone_output default: its write filter
// holds back less than this many bytes until a flush or the end.
const postponeOutput = 1460

// DrainAtWait is Drain for a handler that waits (ngx.sleep, a cosocket):
// as nginx, what its write filter would have sent by now goes out (see
// due); the rest waits for ngx.flush or the end (and is lost if the
// handler then fails).
func (o *response) DrainAtWait() {
	if o.due == 0 || o.failed {
		return
	}
	held := append([]byte(nil), o.pending[o.due:]...)
	o.pending = o.pending[:o.due]
	o.Drain()
	o.pending = append(o.pending, held...)
}

// Flush drains and pushes the bytes to the client.
func (o *response) Flush() {
	o.Drain()
	if f, ok := o.w.(http.Flusher); ok && o.wrote {
		f.Flush()
	}
}

// passStatusLine hands the writer an upstream's status line when the
// status is still the upstream's.
func (o *response) passStatusLine() {
	r := o.r
	if r.StatusLine == "" {
		return
	}
	code, _, _ := strings.Cut(r.StatusLine, " ")
	if hw, ok := o.w.(*h1resp); ok && code == strconv.Itoa(r.Status) {
		hw.line = r.StatusLine
	}
}

func (o *response) writeHeader() {
	if o.wrote {
		return
	}
	o.wrote = true
	r := o.r
	h := o.w.Header()
	// goresty's own writer takes what it needs directly; any other (a
	// test's, an embedder's) gets the headers as net/http expects them
	hw, direct := o.w.(*h1resp)
	if direct {
		hw.locFirst = r.LocationFirst
		if len(r.HeaderOrder) > 0 {
			hw.spell, hw.order = r.HeaderCase, r.HeaderOrder
		}
	}
	// r.Header is h itself: handlers wrote straight into the response
	if r.Subrequest {
		// a subrequest's headers stay as its handlers left them: nginx's
		// header filter (Server, Date, framing) only serves the client
		if r.Status == 0 {
			r.Status = 200
		}
		o.w.WriteHeader(r.Status)
		return
	}
	if direct && (o.stream || !http10Buffering(o.loc())) {
		hw.stream = true
	}
	// The server's own Server and Date go to the writer, not into h: as
	// in nginx, they are not among the headers ngx.resp.get_headers and
	// $sent_http_* see. goresty's writer drops a handler's empty Server
	// (no Server line at all) and an invalid Content-Length as it writes.
	sv := serverFull
	if loc := o.loc(); loc != nil && !loc.ServerTokens {
		sv = serverShort
	}
	if direct {
		hw.server = sv
	} else if _, ok := h["Server"]; !ok {
		h["Server"] = sv
	} else if len(h["Server"]) == 1 && h["Server"][0] == "" {
		delete(h, "Server")
	}
	if r.Status == 0 {
		r.Status = 200
	}
	if r.ErrStatus != 0 {
		r.Status = r.ErrStatus
	}
	if r.Status == http.StatusNoContent {
		// nginx sends a 204 without these, whoever set them
		delete(h, "Content-Type")
		delete(h, "Content-Length")
		delete(h, "Last-Modified")
	}
	if !direct {
		if cl, ok := h["Content-Length"]; ok && (len(cl) == 0 || strings.TrimSpace(cl[0]) == "") {
			delete(h, "Content-Length")
		}
		// net/http's writer: as nginx, a Date, and a body of unknown
		// length goes chunked (net/http would otherwise buffer small ones
		// and add a Content-Length); goresty's own writer does both itself
		if _, ok := h["Date"]; !ok {
			h["Date"] = dateHeader() // net/http would format one per response
		}
		if _, ok := h["Content-Length"]; !ok && r.HTTP.ProtoAtLeast(1, 1) && !o.headOnly &&
			r.Status >= 200 && r.Status != 204 && r.Status != 304 {
			h["Transfer-Encoding"] = chunkedTE
		}
	}
	o.passStatusLine()
	o.w.WriteHeader(r.Status)
}

// http10Buffering reports lua_http10_buffering (default on): whether an
// HTTP/1.0 response of unknown length is held to be sent with its length.
func http10Buffering(loc *config.Location) bool {
	return loc == nil || !luavm.Loc(loc).NoHTTP10Buffering
}

// dateHeader returns the Date header value, formatted once per second as
// nginx does (the slice is shared: never modified in place).
func dateHeader() []string {
	now := clock.Now().Unix()
	if d := cachedDate.Load(); d != nil && d.sec == now {
		return d.v
	}
	d := &dateValue{sec: now, v: []string{time.Unix(now, 0).UTC().Format(http.TimeFormat)}}
	cachedDate.Store(d)
	return d.v
}

type dateValue struct {
	sec int64
	v   []string
}

var cachedDate atomic.Pointer[dateValue]

var (
	chunkedTE   = []string{"chunked"}
	serverFull  = []string{"goresty/" + phases.Version}
	serverShort = []string{"goresty"}
)

// closeFailed ends a connection whose response a filter failed: without a
// word when nothing was sent yet, else by cutting the body short.
func (o *response) closeFailed() {
	if o.due > 0 {
		o.pending = o.pending[:o.due]
		o.failed = false // Drain refuses a failed response
		o.Drain()
	}
	if !o.wrote {
		if hj, ok := o.w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
				return
			}
		}
	}
	panic(http.ErrAbortHandler)
}

// Finish sends the whole response now (ngx.eof): when the headers are not
// out yet the body's length is known and goes in Content-Length, so the
// client sees the response complete while the handler goes on.
func (o *response) Finish() {
	if !o.wrote && o.r.Header.Get("Content-Length") == "" && !o.headerOnly(o.r) {
		o.r.Header.Set("Content-Length", strconv.Itoa(len(o.pending)))
	}
	o.Drain()
	if hw, ok := o.w.(interface{ releaseHeld() }); ok {
		hw.releaseHeld() // a held HTTP/1.0 body is complete now
	}
	o.Flush()
}

// FlushOutput is ngx.flush: it sends what the handler produced so far,
// except that an HTTP/1.0 response held for its Content-Length stays held,
// as nginx's flush does nothing in lua_http10_buffering mode.
func (o *response) FlushOutput() {
	o.Drain()
	if hw, ok := o.w.(interface{ holding() bool }); ok && hw.holding() {
		return
	}
	o.Flush()
}
