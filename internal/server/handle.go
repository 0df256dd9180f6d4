package server

import (
	"net"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/goresty/goresty/internal/clock"
	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/internal/errlog"
	"github.com/goresty/goresty/phases"
)

// maxRedirects is nginx's limit on internal redirects and rewrite cycles.
const maxRedirects = 10

func (s *Server) serve(st *state, g *config.ListenGroup, ci *connInfo, w http.ResponseWriter, hr *http.Request) {
	b := ci.rr
	if b == nil {
		b = &reqResp{}
	}
	r := &b.r
	// cleared, then filled field by field: a composite literal is built
	// aside and copied, at twice the cost
	*r = phases.Request{}
	r.HTTP = hr
	r.Start = clock.Now()
	r.Method = hr.Method
	r.URI = normalizePath(hr.URL.Path)
	r.Args = hr.URL.RawQuery
	r.RequestURI = hr.RequestURI
	r.Proto = hr.Proto
	if hr.Host != ci.rawHost || hr.Host == "" {
		// a keep-alive connection's requests mostly name the same host
		ci.rawHost = hr.Host
		ci.host = strings.TrimSuffix(strings.ToLower(hostOnly(hr.Host)), ".")
	}
	r.Host = ci.host
	r.Scheme = "http"
	r.ConnID = ci.id
	r.ConnReqs = int(ci.reqs.Add(1))
	r.LocalAddr = ci.local
	r.Prefix = st.plan.Prefix
	r.Vars = st.plan.Vars
	r.Header = w.Header() // the handlers' headers are the response's: no copy
	r.Srv = st
	r.ClientAbort = ci.abort
	if hr.TLS != nil {
		r.Scheme = "https"
	}
	srv := g.FindServerFor(r)
	r.Server, r.Loc = srv, srv.Conf
	if ci.raddr != hr.RemoteAddr || ci.raddr == "" {
		ci.raddr = hr.RemoteAddr
		ci.rhost, ci.rport, _ = net.SplitHostPort(hr.RemoteAddr)
	}
	r.RemoteAddr, r.RemotePort = ci.rhost, ci.rport
	realIP(r, srv.Conf.RealIP)
	if r.Host == "" {
		r.Host = firstName(srv)
	}
	r.ServerName = firstName(srv)
	if n := st.plan.Vars.NumUser(); n > 0 {
		r.UserVars = make([]string, n)
		r.UserSet = make([]bool, n)
	}
	out := &b.out
	*out = response{s: s, w: w, r: r, headOnly: hr.Method == http.MethodHead, pending: out.pending[:0]}
	r.Out = out
	if hw, ok := w.(*h1resp); ok {
		// what goresty's front end knows of the request on the wire
		req := &hw.c.req
		r.HeadLen, r.RawHead, r.NoConditions = req.headLen, req.head, !req.cond
		r.Sent = hw
	} else if sc, ok := w.(interface{ SentBytes(bool) (int64, int64) }); ok {
		r.Sent = sc
	}
	if st.rt != nil {
		st.rt.BeginRequest(r)
	}
	if max := srv.Conf.KeepaliveReqs; max > 0 && r.ConnReqs >= max {
		// keepalive_requests: the connection closes after this response
		r.Header["Connection"] = connClose
	}
	code := s.process(st, r)
	s.finish(st, r, code)
	switch {
	case out.failed, out.aborted && !out.wrote:
		// what nginx still held (not flushed) is dropped: a response
		// nothing of which went out yet ends with the connection,
		// unanswered (closeFailed sends what nginx had sent by then)
	case out.aborted:
		// a body cut short (by the upstream, or a handler after a flush):
		// what came is flushed before the connection is cut
		out.Drain()
	case hasLogPhase(r) && !out.hijacked:
		// as nginx: the client has its whole response before log_by_lua
		// runs (a body still in hand goes with a Content-Length, so the
		// response is complete on the wire now)
		out.Finish()
	default:
		out.Drain()
	}
	s.logPhase(st, r)
	if st.rt != nil {
		st.rt.EndRequest(r)
	}
	if (out.failed || out.aborted) && !out.hijacked {
		// cut the body short, or close unanswered when nothing went out
		out.closeFailed()
	}
}

var connClose = []string{"close"}

// reqResp holds a request and its response in one allocation; a client
// connection keeps one and reuses it for each of its requests (nothing
// holds a request after its log phase).
type reqResp struct {
	r   phases.Request
	out response
}

func firstName(srv *config.Server) string {
	for _, n := range srv.Names {
		if !strings.HasPrefix(n, "~") && !strings.Contains(n, "*") {
			return n
		}
	}
	return ""
}

func hostOnly(h string) string {
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.HasSuffix(h, "]") {
		return h[:i]
	}
	return h
}

// normalizePath merges slashes and resolves "." and ".." as nginx does for $uri.
func normalizePath(p string) string {
	if p == "" {
		return "/"
	}
	if !strings.Contains(p, "//") && !strings.Contains(p, "/.") {
		return p
	}
	trailing := strings.HasSuffix(p, "/") || strings.HasSuffix(p, "/.") || strings.HasSuffix(p, "/..")
	c := path.Clean(p)
	if trailing && c != "/" {
		c += "/"
	}
	return c
}

// process runs the phases up to content and returns the final code.
func (s *Server) process(st *state, r *phases.Request) int {
	srv := r.Server.(*config.Server)
	code := s.serverRewrite(r, srv)
	if code != config.Continue {
		return s.afterExec(st, r, code)
	}
	return s.fromFindConfig(st, r, srv)
}

// serverRewrite runs server_rewrite_by_lua, then the rewrite module's
// server-level directives: lua-nginx-module does not postpone its
// server-rewrite handler, and nginx runs it first.
func (s *Server) serverRewrite(r *phases.Request, srv *config.Server) int {
	r.Loc = srv.Conf
	r.Phase = phases.ServerRewrite
	if code := runHandlers(r, srv.Conf.Handlers[phases.ServerRewrite]); code != config.Continue || r.ExecSet {
		return code
	}
	code, _ := s.runScript(r, srv.Conf.Script)
	return code
}

func (s *Server) fromFindConfig(st *state, r *phases.Request, srv *config.Server) int {
	for {
		loc := srv.FindLocationFor(r)
		if loc == nil {
			loc = srv.Conf
		}
		if loc.Internal && !r.Internal {
			s.setLoc(r, loc)
			return http.StatusNotFound
		}
		s.setLoc(r, loc)
		if r.HTTP.ContentLength > loc.ClientMaxBody && loc.ClientMaxBody > 0 {
			s.logReq(r, errlog.Error, "client intended to send too large body: "+strconv.FormatInt(r.HTTP.ContentLength, 10)+" bytes")
			return http.StatusRequestEntityTooLarge
		}
		code, again := s.rewritePhase(st, r, loc)
		if again {
			r.Redirects++
			if r.Redirects > maxRedirects {
				s.logReq(r, errlog.Error, `rewrite or internal redirection cycle while processing "`+r.URI+`"`)
				return http.StatusInternalServerError
			}
			continue
		}
		if code != config.Continue || r.ExecSet {
			return s.afterExec(st, r, code)
		}
		return s.fromAccess(st, r)
	}
}

// rewritePhase runs the rewrite module's directives of loc and the Lua
// rewrite handlers: after the directives (lua-nginx-module postpones its
// handler to the end of the phase), or before them with
// rewrite_by_lua_no_postpone on. again reports a "rewrite ... last".
func (s *Server) rewritePhase(st *state, r *phases.Request, loc *config.Location) (code int, again bool) {
	r.Phase = phases.Rewrite
	early := st.plan.RewriteNoPostpone
	if early {
		if code := runHandlers(r, loc.Handlers[phases.Rewrite]); code != config.Continue || r.ExecSet {
			return code, false
		}
	}
	code, again = s.runScript(r, loc.Script)
	if again || code != config.Continue || early {
		return code, again
	}
	// an "if" may have switched r.Loc: its handlers run
	r.Phase = phases.Rewrite
	return runHandlers(r, r.Loc.(*config.Location).Handlers[phases.Rewrite]), false
}

func (s *Server) setLoc(r *phases.Request, loc *config.Location) {
	r.Loc, r.LocURI = loc, r.URI
	r.ErrLog = nil
	if loc.ErrorLogs != nil {
		if lg := loc.ErrorLogger(s.openErrorLog); lg != nil {
			r.ErrLog = lg
		}
	}
	if loc.Root != nil {
		r.DocRoot = loc.Root.Eval(r)
		if loc.Alias {
			r.DocRoot = strings.TrimSuffix(r.DocRoot, "/")
		}
	}
}

// fromAccess runs the access phase and everything after: allow/deny, then
// the Lua access handlers (before allow/deny with access_by_lua_no_postpone
// on, as lua-nginx-module's handler then runs first).
func (s *Server) fromAccess(st *state, r *phases.Request) int {
	loc := r.Loc.(*config.Location)
	if !r.Subrequest {
		// nginx runs no access phase for subrequests
		if code := s.accessPhase(st, r, loc); code != config.Continue || r.ExecSet {
			return s.afterExec(st, r, code)
		}
	}
	r.Phase = phases.Precontent
	if tf := loc.TryFiles; tf != nil {
		if code, redirected := s.tryFiles(st, r, loc, tf); redirected || code != config.Continue {
			return code
		}
	}
	r.Phase = phases.Content
	var code int
	if loc.Content != nil {
		code = loc.Content.Handle(r)
	} else {
		code = s.static(r, loc)
	}
	return s.afterExec(st, r, code)
}

// afterExec follows an ngx.exec or named-location jump requested by a handler.
func (s *Server) afterExec(st *state, r *phases.Request, code int) int {
	if !r.ExecSet {
		return code
	}
	r.ExecSet = false
	if (r.Phase == phases.Rewrite || r.Phase == phases.ServerRewrite) && r.ExecURI == r.URI && r.ExecArgs == r.Args {
		// ngx.req.set_uri(uri, true) (it has set the URI already): as
		// "rewrite ... last", the location is found again for the new URI,
		// without the server-rewrite phase an internal redirect reruns
		r.Redirects++
		if r.Redirects > maxRedirects {
			s.logReq(r, errlog.Error, `rewrite or internal redirection cycle while processing "`+r.URI+`"`)
			return http.StatusInternalServerError
		}
		if rd, ok := st.rt.(redirectHook); ok {
			rd.Redirected(r)
		}
		return s.fromFindConfig(st, r, r.Server.(*config.Server))
	}
	return s.internalRedirect(st, r, r.ExecURI, r.ExecArgs)
}

// internalRedirect restarts processing at uri (or a named location).
func (s *Server) internalRedirect(st *state, r *phases.Request, uri, args string) int {
	r.Redirects++
	if r.Redirects > maxRedirects {
		s.logReq(r, errlog.Error, `rewrite or internal redirection cycle while internally redirecting to "`+uri+`"`)
		return http.StatusInternalServerError
	}
	r.Internal = true
	srv := r.Server.(*config.Server)
	r.Ctx = nil
	if rd, ok := st.rt.(redirectHook); ok {
		rd.Redirected(r)
	}
	if strings.HasPrefix(uri, "@") {
		loc := srv.Named[uri]
		if loc == nil {
			s.logReq(r, errlog.Error, `could not find named location "`+uri+`"`)
			return http.StatusInternalServerError
		}
		s.setLoc(r, loc)
		code, _ := s.rewritePhase(st, r, loc)
		if code != config.Continue || r.ExecSet {
			return s.afterExec(st, r, code)
		}
		return s.fromAccess(st, r)
	}
	r.URI = uri
	if args != "" {
		r.Args = args
	}
	code := s.serverRewrite(r, srv)
	if code != config.Continue {
		return s.afterExec(st, r, code)
	}
	return s.fromFindConfig(st, r, srv)
}

// redirectHook is implemented by a Runtime that keeps per-request state an
// internal redirect must drop (nginx clears every module's request context:
// ngx.ctx starts afresh).
type redirectHook interface {
	Redirected(r *phases.Request)
}

func runHandlers(r *phases.Request, hs []config.Handler) int {
	for _, h := range hs {
		code := h.Handle(r)
		if code == config.Declined {
			continue
		}
		if code != config.Continue || r.ExecSet {
			return code
		}
	}
	return config.Continue
}

// accessPhase runs allow/deny and the Lua access handlers in nginx's order
// (Lua last, or first with access_by_lua_no_postpone on) and by its
// satisfy rule; Continue grants access. With "satisfy all" the first
// refusal ends the phase; with "satisfy any" the first check that allows
// (an allow rule, or Lua ending normally) grants access at once, and the
// refusals count only when nothing allowed: 401 wins over 403, and nginx
// then logs a 403 as "access forbidden by rule".
func (s *Server) accessPhase(st *state, r *phases.Request, loc *config.Location) int {
	r.Phase = phases.Access
	lua := func() int { return runHandlers(r, loc.Handlers[phases.Access]) }
	rules := func() int { return s.checkAccess(r, loc) }
	if loc.SatisfyAny {
		rules = func() int { return s.anyRules(r, loc) }
	}
	checks := [2]func() int{rules, lua}
	if st.plan.AccessNoPostpone {
		checks = [2]func() int{lua, rules}
	}
	refused := 0
	for i, check := range checks {
		code := check()
		if r.ExecSet {
			return code
		}
		if !loc.SatisfyAny {
			if code != config.Continue {
				return code
			}
			continue
		}
		isLua := i == 1 && !st.plan.AccessNoPostpone || i == 0 && st.plan.AccessNoPostpone
		switch {
		case code == accessGranted || isLua && code == config.Continue && len(loc.Handlers[phases.Access]) > 0:
			return config.Continue
		case code == http.StatusForbidden || code == http.StatusUnauthorized:
			if refused != http.StatusUnauthorized {
				refused = code
			}
		case code != config.Continue:
			return code
		}
	}
	if refused == http.StatusForbidden {
		s.logReq(r, errlog.Error, "access forbidden by rule")
	}
	if refused != 0 {
		return refused
	}
	return config.Continue
}

// accessGranted is what anyRules gives when an allow rule matched.
const accessGranted = -100

// anyRules applies allow/deny for "satisfy any": a matching allow grants
// access, a matching deny is a refusal that a later check may overrule.
func (s *Server) anyRules(r *phases.Request, loc *config.Location) int {
	ip := net.ParseIP(r.RemoteAddr)
	for _, rule := range loc.Access {
		if rule.All || (ip != nil && rule.Net.Contains(ip)) {
			if rule.Allow {
				return accessGranted
			}
			return http.StatusForbidden
		}
	}
	return config.Continue
}

func (s *Server) checkAccess(r *phases.Request, loc *config.Location) int {
	if len(loc.Access) == 0 {
		return config.Continue
	}
	ip := net.ParseIP(r.RemoteAddr)
	for _, rule := range loc.Access {
		if rule.All || (ip != nil && rule.Net.Contains(ip)) {
			if rule.Allow {
				return config.Continue
			}
			s.logReq(r, errlog.Error, "access forbidden by rule")
			return http.StatusForbidden
		}
	}
	return config.Continue
}

// finish completes the response for code when the handlers did not.
func (s *Server) finish(st *state, r *phases.Request, code int) {
	out := r.Out.(*response)
	if code == config.Abort || r.Terminated.Load() && r.HeaderSent {
		out.aborted = true
		return
	}
	if r.Terminated.Load() {
		// a subrequest ended with 444, 408 or 499: the connection closes
		code = 444
	}
	for {
		if code == config.Done || code == config.Continue && r.HeaderSent {
			if !r.Finished {
				out.Write(r, nil, true)
			}
			return
		}
		if r.HeaderSent {
			// too late for a status: end the body as is
			if !r.Finished {
				out.Write(r, nil, true)
			}
			return
		}
		if code == config.Continue {
			code = http.StatusOK
		}
		if code == 444 || code == http.StatusRequestTimeout || code == 499 || code < 0 {
			// 444, 408 and 499 close the connection without a response, as in nginx
			if hj, ok := out.w.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					c.Close()
				}
			}
			if code < 0 {
				code = 444
			}
			r.Status = code
			r.Finished = true
			return
		}
		next, again := s.errorPage(st, r, code)
		if !again {
			return
		}
		code = next
	}
}

// errorPage sends the response for a status, following error_page. It
// returns again=true with a new code when an error_page redirect produced one.
func (s *Server) errorPage(st *state, r *phases.Request, code int) (int, bool) {
	loc, _ := r.Loc.(*config.Location)
	if loc != nil && code >= 300 && loc.ErrorPages != nil && (r.Redirects == 0 || loc.RecursiveErrors || !r.Internal) {
		if ep := loc.ErrorPages[code]; ep != nil {
			target := ep.URI.Eval(r)
			status := code
			if ep.Overwrite && ep.Status != 0 {
				status = ep.Status
			}
			if ep.Redirect {
				r.Header.Set("Location", target)
				r.LocationFirst = strings.HasPrefix(target, "/")
				if !ep.Overwrite || ep.Status == 0 {
					status = http.StatusFound
				}
				return s.sendSpecial(r, status)
			}
			uri, args, _ := strings.Cut(target, "?")
			if r.Method != http.MethodHead {
				r.Method = http.MethodGet
			}
			r.Status = status
			if !ep.Overwrite || ep.Status != 0 {
				// the error's status is what the client gets, whatever the page sends
				r.ErrStatus = status
			}
			res := s.internalRedirect(st, r, uri, args)
			if res == config.Done || r.HeaderSent {
				return config.Done, true
			}
			if res == config.Continue {
				res = status
			}
			if res == http.StatusNotFound || res >= 400 {
				return s.sendSpecial(r, res)
			}
			return res, true
		}
	}
	return s.sendSpecial(r, code)
}

// sendSpecial sends nginx's built-in response for a status code.
func (s *Server) sendSpecial(r *phases.Request, code int) (int, bool) {
	out := r.Out.(*response)
	if r.Status == 0 || r.Status < 300 || code >= 300 {
		r.Status = code
	}
	loc, _ := r.Loc.(*config.Location)
	tokens := loc == nil || loc.ServerTokens
	body := errorPageBody(r.Status, tokens)
	if r.Status >= 400 {
		// nginx drops headers a handler set when it sends an error page
		for _, k := range []string{"Content-Length", "Content-Encoding", "Accept-Ranges", "Last-Modified", "Etag"} {
			r.Header.Del(k)
		}
	}
	if body != nil {
		r.Header.Set("Content-Type", "text/html")
		r.Header.Set("Content-Length", strconv.Itoa(len(body)))
	} else if r.Status >= 200 && r.Status != 204 {
		// a status without a page (304, 600, ngx.exit(399)) goes out as
		// nginx sends it: no Content-Type, whatever a handler set, and an
		// empty body
		r.Header["Content-Type"] = nil
		r.Header.Set("Content-Length", "0")
	}
	switch r.Status {
	case 400, 413, 414, 500, 501:
		// nginx ends keep-alive after these error pages only
		r.Header.Set("Connection", "close")
	}
	out.Write(r, body, true)
	return config.Done, false
}

// logReq writes an error-log line with the request's context.
func (s *Server) logReq(r *phases.Request, lv errlog.Level, msg string) {
	s.log.Log(lv, errlog.ForRequest(r), msg)
}

// hasLogPhase reports whether r's location has log_by_lua handlers.
func hasLogPhase(r *phases.Request) bool {
	loc, ok := r.Loc.(*config.Location)
	return ok && len(loc.Handlers[phases.Log]) > 0
}
