package phases

import (
	"net"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"
)

// Output receives a request's response as handlers produce it. The server
// implements it: it runs the header and body filters and buffers the bytes
// for the goroutine that owns the client connection.
type Output interface {
	// SendHeader runs the header filters once and marks the headers sent.
	SendHeader(r *Request) error
	// Write passes one chunk (and the eof mark) through the body filters.
	Write(r *Request, chunk []byte, eof bool) error
}

// SubRequest describes an ngx.location.capture call.
type SubRequest struct {
	Method  string
	URI     string
	Args    string
	Body    []byte
	HasBody bool
	// BodyFile: the body is the parent's, which it keeps in this file.
	BodyFile string
	// Unread: the parent's body was to go along but the parent has not
	// read it. nginx then keeps the parent's Content-Length and the
	// subrequest gets no body.
	Unread bool
	// Vars sets variables of the subrequest (user variables made by "set").
	Vars map[string]string
	// CopyAllVars starts the subrequest with a copy of the parent's
	// variables; ShareAllVars makes them the same storage.
	CopyAllVars, ShareAllVars bool
	// Ctx is the ngx.ctx of the subrequest (nil: a new one).
	Ctx any
}

// SubResponse is what a subrequest produced.
type SubResponse struct {
	Status    int
	Header    http.Header
	Body      []byte
	Truncated bool // the body did not end normally
	// Spell holds the header names Lua spelled otherwise than Header's
	// canonical keys (Request.HeaderCase).
	Spell map[string]string
}

// Hooks are services the server gives every request; one value serves all
// requests of a configuration, so nothing is allocated per request.
type Hooks interface {
	// Capture runs a subrequest through the full phase pipeline of its
	// location (call it without holding a Lua VM).
	Capture(parent *Request, sr *SubRequest) *SubResponse
	// Uninitialized is called when a user variable that was never set is
	// used in a value (nginx warns: using uninitialized "x" variable).
	Uninitialized(r *Request, name string)
}

// Capture runs a subrequest of r.
func (r *Request) Capture(sr *SubRequest) *SubResponse { return r.Srv.Capture(r, sr) }

// Request is one HTTP request on its way through the phases. It is owned by
// the goroutine serving the connection; Lua handlers touch it only while
// that goroutine has handed control to the request's worker.
type Request struct {
	HTTP   *http.Request
	Start  time.Time
	Method string // may be changed by ngx.req.set_method
	URI    string // $uri: decoded, normalised path
	Args   string // $args: the raw query string
	// ErrLog is the error log of the request's location (an
	// *errlog.Logger) when error_log was given in http, server or
	// location; nil: the main one
	ErrLog any
	// ArgsEmpty: $args is set but empty ("" rather than not found), as
	// after ngx.exec("/uri?") or set $args ""
	ArgsEmpty bool
	// RequestURI is the original request line target ($request_uri).
	RequestURI string
	// HeadLen is the size of the request line and headers as received (0
	// when unknown, as for a subrequest).
	HeadLen int
	// HeaderCase holds the response header names a handler spelled
	// otherwise than Header's canonical keys ("X-HF" for "X-Hf", "ETag"
	// for "Etag"): they go out as spelled, as nginx sends them.
	HeaderCase map[string]string
	// HeaderOrder lists the canonical names of the response headers a
	// handler set, in the order it first set them: they go out in that
	// order, as in nginx.
	HeaderOrder []string
	// NoNotModified keeps the not-modified filter (304/412 answers to
	// conditional requests) away from this response (a proxied one).
	NoNotModified bool
	// NoConditions tells the not-modified filter that the request has no
	// If-* header: none came with it (the front end knows from its parse)
	// and no handler set one since.
	NoConditions bool
	// RawHead is the request line and header lines as received, without
	// the blank line that ends them ("" when unknown): ngx.req.raw_header
	// and the order of ngx.req.get_headers come from it.
	RawHead    string
	Proto      string
	Host       string // $host
	RemoteAddr string
	RemotePort string
	// ConnAddr and ConnPort are the connection's own address when the
	// realip module replaced RemoteAddr ($realip_remote_addr); "" otherwise.
	ConnAddr, ConnPort string
	LocalAddr          net.Addr
	Scheme             string
	ConnID             uint64
	ConnReqs           int
	Internal           bool // reached by an internal redirect
	// LocURI is $uri when the server chose the current location: proxy_pass
	// ignores its URI part once a rewrite ... break or ngx.req.set_uri has
	// changed the URI since (nginx's r->valid_location).
	LocURI     string
	Subrequest bool
	Redirects  int // internal redirects so far (nginx allows 10)

	// Current configuration, as seen by the server and the Lua runtime.
	Server any
	Loc    any
	// Values set by the server for variables that depend on configuration.
	ServerName string
	DocRoot    string
	Prefix     string

	Vars       *VarTable
	UserVars   []string
	UserSet    []bool
	Captures   []string // regex captures of the last match: [0] whole, [1] $1, ...
	CaptureSrc string
	NamedCaps  map[string]string

	// Response.
	Status     int
	ErrStatus  int         // status set by error_page: it overrides what the page's handler sends
	Header     http.Header // response headers to send
	HeaderSent bool
	// LocationFirst: the Location header comes from one of nginx's own
	// redirects to a relative target (return, rewrite, a directory,
	// error_page), which nginx writes in its fixed place before Connection;
	// any other Location follows the other headers.
	LocationFirst bool
	// StatusLine is the status line of a proxied response as the upstream
	// sent it ("200 Fine", "299"): nginx passes it on, reason phrase and
	// all, while the status is still that code.
	StatusLine string
	BodySent   int64 // $body_bytes_sent when Sent is nil
	// Sent counts what the response put on the wire ($bytes_sent,
	// $body_bytes_sent with the chunked framing, as nginx counts them);
	// nil when the output does not go to a connection.
	Sent interface {
		SentBytes(ended bool) (total, head int64)
	}
	Out      Output
	Finished bool // the response is complete (eof sent)

	// Body of the request, once read.
	Body       []byte
	BodyFile   string
	BodyRead   bool
	BodyOnFile bool

	// ClientAbort returns a channel closed when the client closes the
	// connection while the request is served (nil for subrequests).
	ClientAbort func() <-chan struct{}

	// Srv gives the server's services to this request (subrequests, warnings).
	Srv Hooks
	// Parent is the request that issued this subrequest.
	Parent *Request
	// Terminated: a subrequest of this (main) request ended with 444, 408
	// or 499, which closes the client connection, as nginx does. Set by
	// the subrequests' goroutines (capture_multi runs them at once).
	Terminated atomic.Bool

	// Ctx is the per-request ngx.ctx storage, owned by the Lua runtime.
	Ctx any
	// LuaState is per-request state of the Lua runtime.
	LuaState any
	// Worker is the Lua worker this request is pinned to.
	Worker any
	// Upstream is the proxy module's per-request state (what the
	// $upstream_* variables read); nil until proxy_pass runs.
	Upstream any
	// Phase is the phase now running.
	Phase Phase
	// Exit is the status a handler asked to finish with (ngx.exit), 0 for none.
	Exit int
	// ExecURI is set by ngx.exec / named-location jumps for the server to follow.
	ExecURI  string
	ExecArgs string
	ExecSet  bool
}

// ResetCaptures clears the regex captures.
func (r *Request) ResetCaptures() {
	r.Captures = r.Captures[:0]
	r.NamedCaps = nil
}

// SetUserVar stores a user variable by index.
func (r *Request) SetUserVar(i int, v string) {
	r.UserVars[i] = v
	r.UserSet[i] = true
}

// HeaderValue returns the request header as nginx's $http_NAME would, with
// several values joined the way nginx joins them (cookies by "; ", others by ", ").
func (r *Request) HeaderValue(canonical string) (string, bool) {
	vs, ok := r.HTTP.Header[canonical]
	if !ok || len(vs) == 0 {
		if canonical == "Host" && r.HTTP.Host != "" {
			return r.HTTP.Host, true
		}
		return "", false
	}
	if len(vs) == 1 {
		return vs[0], true
	}
	sep := ", "
	if canonical == "Cookie" {
		sep = "; "
	}
	return strings.Join(vs, sep), true
}

// SpellHeader records how a handler spelled the response header whose
// canonical name is canon, and its place among the headers set so far.
func (r *Request) SpellHeader(canon, given string) {
	if !slices.Contains(r.HeaderOrder, canon) {
		r.HeaderOrder = append(r.HeaderOrder, canon)
	}
	if given == canon || fixedName[canon] {
		delete(r.HeaderCase, canon)
		return
	}
	if r.HeaderCase == nil {
		r.HeaderCase = make(map[string]string, 2)
	}
	r.HeaderCase[canon] = given
}

// OrderedKeys returns the keys of h other than skip's: first those of
// order, in that order, then the rest sorted.
func OrderedKeys(h map[string][]string, order []string, skip func(string) bool) []string {
	return AppendOrderedKeys(make([]string, 0, len(h)), h, order, skip)
}

// AppendOrderedKeys is OrderedKeys appending to keys (which it may use
// as the result's memory).
func AppendOrderedKeys(keys []string, h map[string][]string, order []string, skip func(string) bool) []string {
	keys = keys[:0]
	for _, k := range order {
		if _, ok := h[k]; ok && !skip(k) && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	n := len(keys)
	for k := range h {
		if !skip(k) && !slices.Contains(keys[:n], k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys[n:])
	return keys
}

// fixedName are the response headers nginx keeps outside its header list
// and names itself, whatever spelling Lua used.
var fixedName = map[string]bool{
	"Content-Type": true, "Content-Length": true, "Server": true, "Date": true, "Last-Modified": true,
	"Location": true, "Transfer-Encoding": true, "Connection": true, "Keep-Alive": true,
}
