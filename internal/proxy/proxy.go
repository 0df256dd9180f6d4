package proxy

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/internal/errlog"
	"github.com/goresty/goresty/phases"
)

// proxyHandler is the content handler of locations with proxy_pass.
type proxyHandler struct{}

var handler config.Handler = proxyHandler{}

// Handler returns the content handler proxy_pass installs (for tests and
// for code that wants to tell it apart).
func Handler() config.Handler { return handler }

// call is one proxied request on its way.
type call struct {
	r    *phases.Request
	lc   *locConf
	ps   *planState
	st   *reqState
	up   *Upstream
	path string // request target sent upstream, without the query
	qry  string
	out  *outReq
	body []byte
	// lenZero: the client sent "Content-Length: 0" (or an empty chunked
	// body), which is passed on as nginx does
	lenZero bool
}

// Handle proxies r to the upstream of its location's proxy_pass.
func (proxyHandler) Handle(r *phases.Request) int {
	loc, _ := r.Loc.(*config.Location)
	if loc == nil {
		return http.StatusInternalServerError
	}
	lc, _ := loc.Ext[extKey].(*locConf)
	if lc == nil || lc.pass == nil || lc.pass.ps == nil {
		return http.StatusInternalServerError
	}
	t := lc.pass
	c := &call{r: r, lc: lc, ps: t.ps, st: &reqState{}}
	r.Upstream = c.st
	if code := c.target(t); code != 0 {
		return code
	}
	if code := c.readBody(); code != 0 {
		return code
	}
	c.buildHeader()
	return c.run(loc)
}

// target works out the upstream and the URI to send.
func (c *call) target(t *target) int {
	r := c.r
	if t.value == nil {
		c.up, c.st.proxyHost = t.up, t.proxyHost
		c.path, c.qry = requestTarget(r, t.hasURI, t.uri, t.locPrefix)
		return 0
	}
	raw := t.value.Eval(r)
	rest, ok := cutScheme(raw)
	if !ok {
		c.ps.logger().Log(errlog.Error, reqContext(r, "", ""), `invalid URL prefix in "`+raw+`"`)
		return http.StatusInternalServerError
	}
	host, uri, hasURI := splitHostURI(rest)
	up, err := c.ps.upstreamFor(host, true)
	if err != nil {
		c.ps.logger().Log(errlog.Error, reqContext(r, "", ""), `no resolver defined to resolve `+host)
		return http.StatusBadGateway
	}
	c.up, c.st.proxyHost = up, proxyHostOf(host)
	if hasURI {
		// a URL with variables and a URI is sent as is
		c.path, c.qry, _ = strings.Cut(uri, "?")
		if c.path == "" {
			c.path = "/"
		}
		return 0
	}
	c.path, c.qry = requestTarget(r, false, "", "")
	return 0
}

// requestTarget is nginx's choice of the upstream URI: the client's
// unparsed URI when proxy_pass has none and the URI is unchanged; the
// location prefix replaced by the proxy_pass URI while the URI is the one
// the location was chosen for; else the (rewritten) URI.
func requestTarget(r *phases.Request, hasURI bool, uri, locPrefix string) (string, string) {
	if !hasURI && unparsedValid(r) {
		p, q, _ := strings.Cut(r.RequestURI, "?")
		return p, q
	}
	if hasURI && r.URI == r.LocURI && strings.HasPrefix(r.URI, locPrefix) {
		p, q, _ := strings.Cut(uri, "?")
		if q != "" && r.Args != "" {
			q += "&" + r.Args
		} else if q == "" {
			q = r.Args
		}
		return p + escapeURI(r.URI[len(locPrefix):]), q
	}
	return escapeURI(r.URI), r.Args
}

// unparsedValid reports whether r's URI is still the one the client sent.
func unparsedValid(r *phases.Request) bool {
	if r.Internal || r.Subrequest || r.Args != r.HTTP.URL.RawQuery {
		return false
	}
	p := r.HTTP.URL.Path
	if r.URI == p {
		return true
	}
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return r.URI == c
}

func (c *call) readBody() int {
	r := c.r
	if !c.lc.passReqBody {
		return 0
	}
	switch {
	case r.BodyRead && r.BodyOnFile:
		b, err := os.ReadFile(r.BodyFile)
		if err != nil {
			c.ps.logger().Log(errlog.Crit, reqContext(r, "", ""), `open() "`+r.BodyFile+`" failed (`+err.Error()+`)`)
			return http.StatusInternalServerError
		}
		c.body = b
	case r.BodyRead:
		c.body = r.Body
	case r.HTTP.Body != nil && r.HTTP.Body != http.NoBody && r.HTTP.ContentLength != 0:
		// read it whole (nginx buffers it too): a retry can send it again
		b, err := io.ReadAll(r.HTTP.Body)
		if err != nil {
			return 499
		}
		c.body = b
	}
	c.lenZero = r.HTTP.Header["Content-Length"] != nil || len(r.HTTP.TransferEncoding) > 0
	return 0
}

// buildHeader makes the upstream request's head as nginx does: the request
// line, the proxy_set_header fields (the level's own first, then nginx's
// defaults) with the empty ones left out, then the client's headers in the
// order and case they came (unless proxy_pass_request_headers is off),
// without those proxy_set_header names.
func (c *call) buildHeader() {
	r, lc := c.r, c.lc
	b := make([]byte, 0, 256+len(r.RawHead))
	b = append(b, r.Method...)
	b = append(b, ' ')
	b = append(b, c.path...)
	if c.qry != "" {
		b = append(b, '?')
		b = append(b, c.qry...)
	}
	if lc.pass11 {
		b = append(b, " HTTP/1.1\r\n"...)
	} else {
		b = append(b, " HTTP/1.0\r\n"...)
	}
	keep := true
	for _, sh := range lc.headers {
		var v string
		switch {
		case sh.empty:
			continue
		case sh.bodyLen && !lc.passReqBody:
			// nginx still sends the client's length
			v = r.HTTP.Header.Get("Content-Length")
		case sh.bodyLen:
			if c.body == nil && !c.lenZero {
				continue
			}
			v = strconv.Itoa(len(c.body))
		default:
			v = sh.value.Eval(r)
		}
		if v == "" {
			continue
		}
		if sh.name == "Connection" && hasToken(v, "close") {
			keep = false
		}
		b = appendField(b, sh.as, v)
	}
	if lc.passReqHeaders {
		b = c.appendClientHeaders(b)
	}
	b = append(b, "\r\n"...)
	c.out = &outReq{method: r.Method, head: b, body: c.body, keepalive: keep}
}

// appendClientHeaders adds the client's headers that proxy_set_header does
// not name: first in the order of the head as received (with the names as
// sent), then the ones Lua added, sorted.
func (c *call) appendClientHeaders(b []byte) []byte {
	h := c.r.HTTP.Header
	passed := func(k string) bool {
		if k == "Content-Length" || k == "Transfer-Encoding" || k == "Host" {
			return false
		}
		for _, sh := range c.lc.headers {
			if sh.name == k {
				return false
			}
		}
		return true
	}
	var seen map[string]int // values of a key written so far
	head := c.r.RawHead
	if i := strings.IndexByte(head, '\n'); i >= 0 {
		head = head[i+1:]
	} else {
		head = ""
	}
	for head != "" {
		line, rest, _ := strings.Cut(head, "\n")
		head = rest
		name, _, ok := strings.Cut(strings.TrimSuffix(line, "\r"), ":")
		if !ok || name == "" {
			continue
		}
		k := phases.CanonicalHeaderKey(name)
		if seen == nil {
			seen = map[string]int{}
		}
		n := seen[k]
		seen[k] = n + 1
		if vs := h[k]; n < len(vs) && passed(k) {
			b = appendField(b, name, vs[n])
		}
	}
	var extra []string
	for k, vs := range h {
		if len(vs) > seen[k] && passed(k) {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		for _, v := range h[k][seen[k]:] {
			b = appendField(b, k, v)
		}
	}
	return b
}

func appendField(b []byte, name, value string) []byte {
	b = append(b, name...)
	b = append(b, ": "...)
	b = append(b, value...)
	return append(b, "\r\n"...)
}

// hasToken reports whether the comma-separated list v holds tok (any case).
func hasToken(v, tok string) bool {
	for _, t := range strings.Split(v, ",") {
		if strings.EqualFold(strings.TrimSpace(t), tok) {
			return true
		}
	}
	return false
}

// run tries the upstream's servers until one answers or the tries are used up.
func (c *call) run(loc *config.Location) int {
	r, lc := c.r, c.lc
	tr := c.ps.transport(lc, c.up)
	var tried uint64
	maxTries := c.up.tries()
	if lc.nextTries > 0 && lc.nextTries < maxTries {
		maxTries = lc.nextTries
	}
	idempotent := r.Method == "GET" || r.Method == "HEAD" || r.Method == "OPTIONS" || r.Method == "TRACE" ||
		r.Method == "PUT" || r.Method == "DELETE"
	for n := 1; ; n++ {
		now := time.Now()
		p, idx := c.up.pick(tried, now)
		if p == nil {
			a := c.st.add(attempt{addr: c.up.Name, status: http.StatusBadGateway})
			a.resp = time.Since(now)
			c.st.url = c.upstreamURL(c.up.Name)
			c.ps.logger().Log(errlog.Error, reqContext(r, c.st.url, "connecting to upstream"), "no live upstreams")
			return http.StatusBadGateway
		}
		if idx < 64 {
			tried |= 1 << idx
		}
		a := c.st.add(attempt{addr: p.addr})
		c.st.url = c.upstreamURL(p.addr)
		resp, err := tr.roundTrip(c.ctx(), p.addr, c.out, a, now)
		more := n < maxTries
		if err != nil {
			a.resp = time.Since(now)
			code, msg, action, cond, sent := classify(err)
			if code == 499 {
				a.status = 499
				return 499
			}
			a.status = code
			ctx := reqContext(r, c.st.url, action)
			if cond == nextTimeout {
				// nginx frees the peer before it logs a timeout
				c.failPeer(p, ctx)
				c.ps.logger().Log(errlog.Error, ctx, msg)
			} else {
				c.ps.logger().Log(errlog.Error, ctx, msg)
				c.failPeer(p, ctx)
			}
			if more && lc.next&cond != 0 && (!sent || idempotent || lc.next&nextNonIdempotent != 0) {
				continue
			}
			return code
		}
		a.status = resp.StatusCode
		if more && lc.next.status(resp.StatusCode) && (idempotent || lc.next&nextNonIdempotent != 0) {
			resp.Body.Close()
			a.resp = time.Since(now)
			if resp.StatusCode != http.StatusNotFound {
				c.failPeer(p, reqContext(r, c.st.url, "reading response header from upstream"))
			}
			continue
		}
		c.up.ok(p, now)
		if lc.interceptErrors && resp.StatusCode >= 300 && loc.ErrorPages[resp.StatusCode] != nil {
			resp.Body.Close()
			a.resp = time.Since(now)
			return resp.StatusCode
		}
		if xa := resp.Header.Get("X-Accel-Redirect"); xa != "" {
			resp.Body.Close()
			a.resp = time.Since(now)
			return c.accelRedirect(resp, xa)
		}
		return c.respond(resp, a, now, p.addr)
	}
}

// accelHeaders are the upstream headers nginx keeps across an
// X-Accel-Redirect.
var accelHeaders = []string{"Set-Cookie", "Cache-Control", "Expires", "Content-Disposition"}

// accelRedirect follows an upstream's X-Accel-Redirect as nginx does: an
// internal redirect (a GET unless HEAD) to the URI, or to a named location,
// without the upstream's body.
func (c *call) accelRedirect(resp *http.Response, target string) int {
	r := c.r
	for _, k := range accelHeaders {
		if vs, ok := resp.Header[k]; ok && !c.lc.hide[k] {
			r.Header[k] = vs
		}
	}
	if r.Method != http.MethodHead {
		r.Method = http.MethodGet
	}
	if strings.HasPrefix(target, "@") {
		r.ExecURI, r.ExecArgs, r.ExecSet = target, "", true
		return config.Done
	}
	uri, args, _ := strings.Cut(target, "?")
	if u, err := url.PathUnescape(uri); err == nil {
		uri = u
	}
	r.ExecURI, r.ExecArgs, r.ExecSet = uri, args, true
	if args == "" {
		r.Args = ""
	}
	return config.Done
}

// failPeer counts a failure of p, warning when that takes it out of rotation.
func (c *call) failPeer(p *peer, ctx *errlog.Context) {
	if c.up.fail(p, time.Now()) {
		c.ps.logger().Log(errlog.Warn, ctx, "upstream server temporarily disabled")
	}
}

// upstreamURL is the `upstream: "..."` of error-log lines.
func (c *call) upstreamURL(addr string) string {
	u := "http://" + addr + c.path
	if c.qry != "" {
		u += "?" + c.qry
	}
	return u
}

// ctx is the context of the upstream exchange: it ends when the client
// goes away, unless proxy_ignore_client_abort is on.
func (c *call) ctx() context.Context {
	if !c.lc.ignoreClientAbort && c.r.HTTP != nil {
		return c.r.HTTP.Context()
	}
	return context.Background()
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// respond sends the upstream's response through the output filters.
func (c *call) respond(resp *http.Response, a *attempt, start time.Time, addr string) int {
	r := c.r
	defer resp.Body.Close()
	r.Status, r.StatusLine = resp.StatusCode, resp.Status
	r.NoNotModified = true // nginx: an upstream answer that is not cached skips the not-modified filter
	c.copyHeader(resp)
	if err := r.Out.SendHeader(r); err != nil {
		return config.Abort
	}
	if resp.ContentLength < 0 && !r.HTTP.ProtoAtLeast(1, 1) {
		// nginx streams a body of unknown length to an HTTP/1.0 client
		// (no Content-Length, the connection closes), where Lua output
		// would be buffered
		if f, ok := r.Out.(interface{ Flush() }); ok {
			f.Flush()
		}
	}
	if r.Method == http.MethodHead {
		a.resp = time.Since(start)
		r.Out.Write(r, nil, true)
		return config.Done
	}
	drain, _ := r.Out.(interface{ Drain() })
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	first := true
	for {
		n, err := fill(resp.Body, buf)
		eof := err == io.EOF
		a.length += int64(n)
		if err != nil && !eof {
			a.resp = time.Since(start)
			_, msg, _, _, _ := classify(err)
			c.ps.logger().Log(errlog.Error, reqContext(r, c.st.url, "reading upstream"), msg)
			if n > 0 {
				r.Out.Write(r, buf[:n], false)
			}
			// nginx has passed on what came: the client gets it, cut short
			if f, ok := r.Out.(interface{ Flush() }); ok {
				f.Flush()
			}
			return config.Abort
		}
		if n > 0 || eof {
			r.Out.Write(r, buf[:n], eof)
		}
		if eof {
			a.resp = time.Since(start)
			return config.Done
		}
		if !first && drain != nil {
			drain.Drain()
		}
		first = false
	}
}

// fill reads into buf until it is full or the body ends (io.EOF) or fails
// (io.ErrUnexpectedEOF: the upstream closed the connection too early).
func fill(body io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := body.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// hopHeaders are never passed back to the client.
var hopHeaders = map[string]bool{"Connection": true, "Keep-Alive": true, "Transfer-Encoding": true}

func (c *call) copyHeader(resp *http.Response) {
	r, lc := c.r, c.lc
	for k, vs := range resp.Header {
		if lc.hide[k] || hopHeaders[k] {
			continue
		}
		if (k == "Location" || k == "Refresh") && !lc.redirectOff && len(vs) > 0 {
			vs = []string{c.rewriteRedirect(k, vs[0])}
		}
		r.Header[k] = vs
	}
	if resp.ContentLength >= 0 {
		if _, ok := r.Header["Content-Length"]; !ok {
			r.Header["Content-Length"] = []string{strconv.FormatInt(resp.ContentLength, 10)}
		}
	} else {
		delete(r.Header, "Content-Length")
	}
	if _, ok := resp.Header["Content-Type"]; !ok {
		// nginx sends no Content-Type when the upstream gave none
		r.Header["Content-Type"] = nil
	}
	if ub, ok := resp.Body.(*upBody); ok {
		// the upstream's spelling and order, as nginx passes them on
		for _, name := range ub.names {
			if k := phases.CanonicalHeaderKey(name); len(r.Header[k]) > 0 && !lc.hide[k] && !hopHeaders[k] {
				r.SpellHeader(k, name)
			}
		}
	}
}

// rewriteRedirect applies proxy_redirect to a Location or Refresh value.
func (c *call) rewriteRedirect(k, v string) string {
	r, lc := c.r, c.lc
	prefix := ""
	if k == "Refresh" {
		i := strings.Index(strings.ToLower(v), "url=")
		if i < 0 {
			return v
		}
		prefix, v = v[:i+4], v[i+4:]
	}
	out, ok := "", false
	if len(lc.redirects) > 0 {
		for _, rr := range lc.redirects {
			if strings.HasPrefix(v, rr.from) {
				out, ok = rr.to.Eval(r)+v[len(rr.from):], true
				break
			}
		}
	} else if t := lc.pass; t != nil && t.value == nil {
		// "default": the proxy_pass URL becomes the location
		from, to := "http://"+t.host+"/", "/"
		if t.hasURI {
			from, to = "http://"+t.host+t.uri, t.locPrefix
		}
		if strings.HasPrefix(v, from) {
			out, ok = to+v[len(from):], true
		}
	}
	if !ok {
		return prefix + v // a relative one too: nginx leaves it alone
	}
	if k == "Location" && strings.HasPrefix(out, "/") {
		if loc, _ := r.Loc.(*config.Location); loc == nil || !loc.RelativeRedirect {
			// nginx's header filter makes a rewritten relative Location
			// absolute and writes it in its fixed place
			host := r.HTTP.Host
			if host == "" {
				host = r.ServerName
			}
			out = r.Scheme + "://" + host + out
			r.LocationFirst = true
		}
	}
	return prefix + out
}

// classify maps a transport error to nginx's status, message and action;
// sent reports that the request may have reached the upstream.
func classify(err error) (code int, msg, action string, cond nextMask, sent bool) {
	if errors.Is(err, context.Canceled) {
		return 499, "client prematurely closed connection", "", 0, true
	}
	var ne interface{ Timeout() bool }
	timeout := errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded)
	if op := dialError(err); op != nil {
		if timeout {
			return http.StatusGatewayTimeout, "upstream timed out (110: Connection timed out)", "connecting to upstream", nextTimeout, false
		}
		return http.StatusBadGateway, "connect() failed " + errnoText(op), "connecting to upstream", nextError, false
	}
	if timeout {
		return http.StatusGatewayTimeout, "upstream timed out (110: Connection timed out)", "reading response header from upstream", nextTimeout, true
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "server closed") {
		return http.StatusBadGateway, "upstream prematurely closed connection", "reading response header from upstream", nextError, true
	}
	if strings.Contains(err.Error(), "malformed HTTP") {
		return http.StatusBadGateway, "upstream sent no valid HTTP/1.0 header", "reading response header from upstream", nextInvalid, true
	}
	return http.StatusBadGateway, "upstream request failed (" + err.Error() + ")", "reading response header from upstream", nextError, true
}

// reqContext is the error-log context of a proxied request.
func reqContext(r *phases.Request, upstream, action string) *errlog.Context {
	ctx := errlog.ForRequest(r)
	ctx.Action = action
	if upstream != "" {
		ctx.Extra = `upstream: "` + upstream + `"`
	}
	return ctx
}
