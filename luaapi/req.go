package luaapi

import (
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/goresty/goresty/internal/luavm"
	"github.com/goresty/goresty/luaapi/stdlib"
	"github.com/goresty/goresty/phases"
	lua "github.com/yuin/gopher-lua"
)

// ngx.req.* works on an http.Request: header names in Go's canonical case
// ("x-lower" is kept as "X-Lower"), Host not among the headers (it is
// r.HTTP.Host). The head as the client sent it (r.RawHead, from goresty's
// front end) gives raw_header its bytes and get_headers its order and,
// with raw set, the names as sent.

func init() { register(openReq) }

func openReq(a *api) {
	t := a.sub("req")
	a.fn(t, "get_method", pReq, a.reqGetMethod)
	a.fn(t, "set_method", pReq, a.reqSetMethod)
	a.fn(t, "get_uri_args", pReq, a.reqGetURIArgs)
	a.fn(t, "set_uri_args", pReq, a.reqSetURIArgs)
	a.fn(t, "set_uri", pReq, a.reqSetURI)
	a.fn(t, "get_headers", pReq, a.reqGetHeaders)
	a.fn(t, "set_header", pReq, a.reqSetHeader)
	a.fn(t, "clear_header", pReq, a.reqClearHeader)
	a.fn(t, "http_version", pReq, a.reqHTTPVersion)
	a.fn(t, "raw_header", pReq, a.reqRawHeader)
	a.fn(t, "start_time", pReq, func(L *lua.LState) int {
		L.Push(lua.LNumber(float64(a.req(L).Start.UnixMilli()) / 1000))
		return 1
	})
	a.fn(t, "is_internal", pReq, func(L *lua.LState) int {
		L.Push(lua.LBool(a.req(L).Internal))
		return 1
	})
	openReqBody(a, t)
}

// reqMethodNames maps the ngx.HTTP_* method constants to method names.
var reqMethodNames = map[int]string{
	2: "GET", 4: "HEAD", 8: "POST", 16: "PUT", 32: "DELETE", 64: "MKCOL", 128: "COPY", 256: "MOVE",
	512: "OPTIONS", 1024: "PROPFIND", 2048: "PROPPATCH", 4096: "LOCK", 8192: "UNLOCK", 16384: "PATCH",
	32768: "TRACE",
}

func (a *api) reqGetMethod(L *lua.LState) int {
	L.Push(lua.LString(a.req(L).Method))
	return 1
}

func (a *api) reqSetMethod(L *lua.LState) int {
	r := a.req(L)
	n, ok := L.Get(1).(lua.LNumber)
	if !ok {
		L.RaiseError("bad method number")
	}
	name, ok := reqMethodNames[int(n)]
	if !ok || float64(int(n)) != float64(n) {
		L.RaiseError("unsupported HTTP method: %s", stdlib.FormatNumber(float64(n)))
	}
	r.Method = name
	return 0
}

// parseArgs decodes a query string or form body into t as get_uri_args
// does: repeated keys make arrays, a key without "=" is true, empty keys
// are skipped. It stops after max pairs (0: no limit) and then reports
// truncated.
func parseArgs(L *lua.LState, s string, max int, into *lua.LTable) (*lua.LTable, bool) {
	t := into
	if t == nil {
		t = L.NewTable()
	} else {
		stdlib.ClearTable(t)
	}
	n := 0
	for s != "" {
		var part string
		part, s, _ = strings.Cut(s, "&")
		k, v, hasEq := strings.Cut(part, "=")
		if k == "" {
			continue
		}
		if max > 0 && n >= max {
			return t, true
		}
		n++
		key := lua.LString(unescapeURI(k))
		var val lua.LValue = lua.LTrue
		if hasEq {
			val = lua.LString(unescapeURI(v))
		}
		addValue(L, t, key, val)
	}
	return t, false
}

// pushArgs pushes a parsed args table, and "truncated" when it was cut.
// into, when not nil, is a table to fill instead of a new one (cleared
// first), as resty.core's get_uri_args(max, tab) does.
func pushArgs(L *lua.LState, s string, max int, into *lua.LTable) int {
	t, truncated := parseArgs(L, s, max, into)
	L.Push(t)
	if truncated {
		L.Push(lua.LString("truncated"))
		return 2
	}
	return 1
}

func (a *api) reqGetURIArgs(L *lua.LState) int {
	r := a.req(L)
	var into *lua.LTable
	if v := L.Get(2); v != lua.LNil {
		into = L.CheckTable(2)
	}
	return pushArgs(L, r.Args, L.OptInt(1, 100), into)
}

func (a *api) reqSetURIArgs(L *lua.LState) int {
	r := a.req(L)
	if L.GetTop() != 1 {
		L.RaiseError("expecting 1 argument but seen %d", L.GetTop())
	}
	switch v := L.Get(1).(type) {
	case lua.LString:
		r.Args = string(v)
	case lua.LNumber:
		r.Args = stdlib.FormatNumber(float64(v))
	case *lua.LTable:
		r.Args = encodeArgs(L, v)
	default:
		L.ArgError(1, "string, number, or table expected, but got "+v.Type().String())
	}
	return 0
}

func (a *api) reqSetURI(L *lua.LState) int {
	r := a.req(L)
	if n := L.GetTop(); n < 1 || n > 3 {
		L.RaiseError("expecting 1, 2 or 3 arguments but seen %d", n)
	}
	uri := L.CheckString(1)
	if uri == "" {
		L.RaiseError("attempt to use zero-length uri")
	}
	jump := lua.LVAsBool(L.Get(2))
	if jump {
		if ph := a.phase(); ph != phases.Rewrite && ph != phases.ServerRewrite {
			L.RaiseError("API disabled in the context of %s", ph.Context())
		}
	}
	r.URI = uri
	r.Internal = true
	if !jump {
		return 0
	}
	// "rewrite ... last": find the location for the new URI and start
	// over; like an internal redirect it drops ngx.ctx
	luavm.State(r).Ctx = nil
	r.ExecURI, r.ExecArgs, r.ExecSet = uri, r.Args, true
	return luavm.Exit(L, a.w, luavm.CodeDone)
}

// requestHeaders returns r's request headers with Transfer-Encoding, which
// net/http takes out of the map, put back.
func requestHeaders(r *phases.Request) http.Header {
	h := r.HTTP.Header
	if len(r.HTTP.TransferEncoding) == 0 || h["Transfer-Encoding"] != nil {
		return h
	}
	c := make(http.Header, len(h)+1)
	for k, v := range h {
		c[k] = v
	}
	c["Transfer-Encoding"] = r.HTTP.TransferEncoding
	return c
}

func (a *api) reqGetHeaders(L *lua.LState) int {
	r := a.req(L)
	max := L.OptInt(1, 100)
	raw := lua.LVAsBool(L.Get(2))
	return a.pushHeaderTable(L, requestHeaders(r), r.HTTP.Host, max, raw, r.RawHead)
}

// reqHeaderName is the canonical request header name of argument 1.
func reqHeaderName(L *lua.LState) string {
	switch v := L.Get(1).(type) {
	case lua.LString:
		return phases.CanonicalHeaderKey(escapeHeader(string(v)))
	case lua.LNumber:
		return stdlib.FormatNumber(float64(v))
	}
	L.RaiseError("bad 'name' argument: string expected, got %s", L.Get(1).Type().String())
	return ""
}

func (a *api) reqSetHeader(L *lua.LState) int {
	r := a.req(L)
	name := reqHeaderName(L)
	setReqHeader(r, name, headerValues(L, L.Get(2)))
	return 0
}

func (a *api) reqClearHeader(L *lua.LState) int {
	r := a.req(L)
	name := phases.CanonicalHeaderKey(stdlib.ToString(L, L.Get(1)))
	setReqHeader(r, name, nil)
	return 0
}

// setReqHeader replaces (or with no values removes) a request header.
func setReqHeader(r *phases.Request, name string, vs []string) {
	if strings.HasPrefix(name, "If-") {
		r.NoConditions = false // the not-modified filter must look
	}
	switch name {
	case "Host":
		r.HTTP.Host = ""
		if len(vs) > 0 {
			r.HTTP.Host = vs[0]
			r.Host = strings.ToLower(hostPart(vs[0]))
		}
		return
	case "Transfer-Encoding":
		r.HTTP.TransferEncoding = vs
	case "Content-Length":
		r.HTTP.ContentLength = -1
		if len(vs) > 0 {
			if n, err := strconv.ParseInt(vs[0], 10, 64); err == nil {
				r.HTTP.ContentLength = n
			}
		}
	}
	if len(vs) == 0 {
		delete(r.HTTP.Header, name)
		return
	}
	r.HTTP.Header[name] = vs
}

func hostPart(h string) string {
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.HasSuffix(h, "]") {
		return h[:i]
	}
	return h
}

func (a *api) reqHTTPVersion(L *lua.LState) int {
	r := a.req(L)
	L.Push(lua.LNumber(float64(r.HTTP.ProtoMajor) + float64(r.HTTP.ProtoMinor)/10))
	return 1
}

// reqRawHeader rebuilds the request head: the request line (unless
// argument 1 is true), Host, then the other headers in sorted order.
func (a *api) reqRawHeader(L *lua.LState) int {
	r := a.req(L)
	if r.RawHead != "" {
		// the bytes the client sent, as nginx gives them
		head := r.RawHead
		if lua.LVAsBool(L.Get(1)) {
			_, head, _ = strings.Cut(head, "\n")
		}
		L.Push(lua.LString(head + "\r\n"))
		return 1
	}
	var b strings.Builder
	if !lua.LVAsBool(L.Get(1)) {
		b.WriteString(r.HTTP.Method + " " + r.RequestURI + " " + r.Proto + "\r\n")
	}
	if r.HTTP.Host != "" {
		b.WriteString("Host: " + r.HTTP.Host + "\r\n")
	}
	h := requestHeaders(r)
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			b.WriteString(k + ": " + v + "\r\n")
		}
	}
	b.WriteString("\r\n")
	L.Push(lua.LString(b.String()))
	return 1
}
