package luaapi

import (
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/internal/errlog"
	"github.com/goresty/goresty/internal/luavm"
	"github.com/goresty/goresty/internal/luavm/glstate"
	"github.com/goresty/goresty/luaapi/stdlib"
	"github.com/goresty/goresty/phases"
	lua "github.com/yuin/gopher-lua"
)

// Response header names are kept in Go's canonical form in r.Header
// ("x_num" is sent as "X-Num", where nginx sends "x-num"): HTTP header
// names are case-insensitive, and the rest of goresty looks them up by
// canonical key.

func init() { register(openHeader) }

func openHeader(a *api) {
	L := a.L
	t := L.NewTable()
	mt := L.NewTable()
	mt.RawSetString("__index", L.NewFunction(a.headerGet))
	mt.RawSetString("__newindex", L.NewFunction(a.headerSet))
	t.Metatable = mt
	a.ngx.RawSetString("header", t)

	resp := a.sub("resp")
	a.fn(resp, "get_headers", pAll, func(L *lua.LState) int {
		if a.phase() == phases.Timer {
			// nginx's C function: the message has no position
			L.Error(lua.LString("API disabled in the current context"), 0)
		}
		a.check(L, pReq)
		return a.respGetHeaders(L)
	})
	a.fn(resp, "add_header", pReq, a.respAddHeader)

	// get_headers tables: lookups are case-insensitive and "_" matches "-"
	hmt := L.NewTable()
	hmt.RawSetString("__index", L.NewFunction(headerTableIndex))
	a.w.Data[hdrMTKey] = hmt
	a.hdrMT = hmt
}

const hdrMTKey = "luaapi.headers.mt"

// headerTableIndex is __index of the tables get_headers returns.
func headerTableIndex(L *lua.LState) int {
	t := L.CheckTable(1)
	k, ok := L.Get(2).(lua.LString)
	if !ok {
		L.Push(lua.LNil)
		return 1
	}
	n := strings.ReplaceAll(strings.ToLower(string(k)), "_", "-")
	if n == string(k) {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(t.RawGetString(n))
	return 1
}

// transformUnderscores reports whether "_" in response header names
// becomes "-" (lua_transform_underscores_in_response_headers, default on).
func transformUnderscores(r *phases.Request) bool {
	loc, ok := r.Loc.(*config.Location)
	if !ok {
		return true
	}
	return !luavm.Loc(loc).NoTransformUnderscores
}

// escapeHeader escapes CR and LF as nginx does in header names and values.
func escapeHeader(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.NewReplacer("\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeRespName escapes what may not appear in a response header name
// as nginx does: control bytes, space, separators and non-ASCII become %XX.
func escapeRespName(s string) string { return escapeBytes(s, &respNameEsc) }

// respNameEsc marks the bytes escapeRespName escapes.
var respNameEsc = byteSet(func(c byte) bool {
	return c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0
})

// escapeRespValue escapes control bytes other than tab (CR and LF among
// them) in a response header value as nginx does.
func escapeRespValue(s string) string { return escapeBytes(s, &respValueEsc) }

// respValueEsc marks the bytes escapeRespValue escapes.
var respValueEsc = byteSet(func(c byte) bool { return c < ' ' && c != '\t' || c == 0x7f })

// byteSet is the table of the bytes for which in is true.
func byteSet(in func(byte) bool) (t [256]bool) {
	for c := range 256 {
		t[c] = in(byte(c))
	}
	return t
}

// escapeBytes writes the bytes of s marked in esc as %XX.
func escapeBytes(s string, esc *[256]bool) string {
	i := 0
	for i < len(s) && !esc[s[i]] {
		i++
	}
	if i == len(s) {
		return s
	}
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)+8)
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		if c := s[i]; esc[c] {
			b = append(b, '%', hex[c>>4], hex[c&15])
		} else {
			b = append(b, c)
		}
	}
	return string(b)
}

// respHeaderName maps a Lua key to the canonical response header name.
func respHeaderName(L *lua.LState, r *phases.Request, k lua.LValue) string {
	canon, _ := respHeaderNames(L, r, k)
	return canon
}

// respHeaderNames is the canonical name of response header k and the
// name as the handler spelled it.
func respHeaderNames(L *lua.LState, r *phases.Request, k lua.LValue) (canon, given string) {
	var name string
	switch x := k.(type) {
	case lua.LString:
		name = string(x)
	case lua.LNumber:
		name = stdlib.FormatNumber(float64(x))
	default:
		name = L.ToStringMeta(k).String()
	}
	if transformUnderscores(r) {
		name = strings.ReplaceAll(name, "_", "-")
	}
	// canonical first: a name with bytes to escape stays as given
	return escapeRespName(phases.CanonicalHeaderKey(name)), escapeRespName(name)
}

// headerValues converts a Lua value to header values; as in nginx, empty
// strings are left out, so nil, "", {} and {""} all clear the header.
func headerValues(L *lua.LState, v lua.LValue) []string {
	switch x := v.(type) {
	case *lua.LNilType:
		return nil
	case *lua.LTable:
		n := x.Len()
		out := make([]string, 0, n)
		for i := 1; i <= n; i++ {
			if s := stdlib.ToString(L, x.RawGetInt(i)); s != "" {
				out = append(out, escapeRespValue(s))
			}
		}
		return out
	}
	if s := stdlib.ToString(L, v); s != "" {
		return []string{escapeRespValue(s)}
	}
	return nil
}

// validLength reports whether s is a Content-Length nginx accepts: decimal
// digits only (no sign, fraction or spaces).
func validLength(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// pushValues pushes one value as a string, several as a table, none as nil.
func pushValues(L *lua.LState, vs []string) {
	switch len(vs) {
	case 0:
		L.Push(lua.LNil)
	case 1:
		L.Push(lua.LString(vs[0]))
	default:
		t := L.CreateTable(len(vs), 0)
		for _, v := range vs {
			t.Append(lua.LString(v))
		}
		L.Push(t)
	}
}

// respReq is the request whose response ngx.header and ngx.status
// change; a timer has none.
func (a *api) respReq(L *lua.LState) *phases.Request {
	if a.phase() == phases.Timer {
		utilRaise(L, "API disabled in the current context")
	}
	return a.req(L)
}

// headerGet is ngx.header's __index. A name that needs escaping finds
// nothing, as in nginx (it looks the name up as given).
func (a *api) headerGet(L *lua.LState) int {
	r := a.respReq(L)
	name := respHeaderName(L, r, L.Get(2))
	if name == "" {
		L.Push(lua.LNil)
		return 1
	}
	if strings.IndexByte(name, '%') >= 0 {
		if k, ok := L.Get(2).(lua.LString); !ok || !strings.Contains(string(k), "%") {
			L.Push(lua.LNil)
			return 1
		}
	}
	vs := r.Header[name]
	if len(vs) == 1 && vs[0] == "" {
		vs = nil // a cleared Server header
	}
	pushValues(L, vs)
	return 1
}

// headerSet is ngx.header's __newindex.
func (a *api) headerSet(L *lua.LState) int {
	r := a.respReq(L)
	if a.headersSent(r) {
		a.log(errlog.Error, "attempt to set ngx.header.HEADER after sending out response headers")
		return 0
	}
	name, given := respHeaderNames(L, r, L.Get(2))
	if name == "" {
		return 0 // nginx sends no header without a name
	}
	r.SpellHeader(name, given)
	vs := headerValues(L, L.Get(3))
	if len(vs) > 1 && singleValued[name] {
		vs = vs[len(vs)-1:] // nginx keeps one: the last
	}
	if name == "Content-Length" {
		for _, v := range vs {
			if !validLength(v) {
				L.RaiseError("failed to set header")
			}
		}
	}
	switch {
	case len(vs) > 0:
		r.Header[name] = vs
	case name == "Content-Type":
		// present but empty: the server sends no Content-Type at all
		// (no default_type), as nginx does after content_type = nil
		r.Header[name] = nil
	case name == "Server":
		// the server's mark for "send no Server header"
		r.Header[name] = []string{""}
	default:
		delete(r.Header, name)
	}
	return 0
}

// singleValued are the response headers nginx holds one of: set to a
// table, they keep its last value.
var singleValued = map[string]bool{
	"Server": true, "Date": true, "Content-Type": true, "Content-Length": true,
	"Content-Encoding": true, "Content-Range": true, "Location": true, "Refresh": true,
	"Last-Modified": true, "Accept-Ranges": true, "Www-Authenticate": true, "Expires": true,
	"Etag": true,
}

// headersSent reports whether it is too late to change response headers
// (header_filter_by_lua runs while they are being sent).
func (a *api) headersSent(r *phases.Request) bool {
	return r.HeaderSent && a.phase() != phases.HeaderFilter
}

// respAddHeader is ngx.resp.add_header(name, value).
func (a *api) respAddHeader(L *lua.LState) int {
	r := a.req(L)
	name := L.CheckString(1)
	if L.GetTop() < 2 {
		L.ArgError(2, "value expected")
	}
	if a.headersSent(r) {
		a.log(errlog.Error, "attempt to set ngx.header.HEADER after sending out response headers")
		return 0
	}
	key, given := respHeaderNames(L, r, lua.LString(name))
	if _, ok := r.Header[key]; !ok {
		r.SpellHeader(key, given)
	}
	r.Header[key] = append(r.Header[key], headerValues(L, L.Get(2))...)
	return 0
}

// respGetHeaders is ngx.resp.get_headers(max?, raw?). As in nginx, the
// table also has what nginx keeps outside its header list: content-type,
// connection and, once a chunked response is on its way,
// transfer-encoding, always under those lower-case names. They count
// against max; when the headers do not all fit, the header lines fill
// what is left of max, always at least one.
func (a *api) respGetHeaders(L *lua.LState) int {
	r := a.req(L)
	max := 100
	if v := L.Get(1); v != lua.LNil {
		// luaL_checkinteger: a number or a numeric string
		f, ok := stdlib.ToNumber(v)
		if !ok {
			utilArgError(L, 1, "number expected, got "+v.Type().String())
		}
		max = int(f)
	}
	raw := lua.LVAsBool(L.Get(2))
	t := L.CreateTable(0, len(r.Header)+3)
	extra := 0
	set := func(k, v string) {
		t.RawSetString(k, lua.LString(v))
		extra++
	}
	if ct := r.Header["Content-Type"]; len(ct) > 0 && ct[0] != "" {
		set("content-type", ct[0])
	}
	switch {
	case r.Status == http.StatusSwitchingProtocols:
		set("connection", "upgrade")
	case r.HTTP != nil && !r.HTTP.Close && a.phase() != phases.Log:
		set("connection", "keep-alive")
	default:
		set("connection", "close")
	}
	if respChunked(r) && a.phase() != phases.HeaderFilter {
		set("transfer-encoding", "chunked")
	}
	keys := phases.OrderedKeys(r.Header, r.HeaderOrder, func(k string) bool {
		vs := r.Header[k]
		return k == "Content-Type" || len(vs) == 0 || len(vs) == 1 && vs[0] == ""
	})
	n := 0
	for _, k := range keys {
		n += len(r.Header[k])
	}
	count, truncated := n, false
	if max > 0 && n+extra > max {
		truncated, count = true, max-extra
	}
loop:
	for _, k := range keys {
		key := a.headerName(k, raw)
		if s, ok := r.HeaderCase[k]; ok && raw {
			key = lua.LString(s)
		}
		for _, v := range r.Header[k] {
			addValue(L, t, key, lua.LString(v))
			if count--; count <= 0 {
				break loop
			}
		}
	}
	return a.pushHeaders(L, t, raw, truncated)
}

// respChunked reports whether the response goes out chunked: its headers
// are sent without a Content-Length, in HTTP/1.1, with a body.
func respChunked(r *phases.Request) bool {
	if !r.HeaderSent || r.HTTP == nil || !r.HTTP.ProtoAtLeast(1, 1) || r.Method == http.MethodHead {
		return false
	}
	if cl := r.Header["Content-Length"]; len(cl) > 0 {
		return false
	}
	return r.Status >= 200 && r.Status != http.StatusNoContent && r.Status != http.StatusNotModified
}

// pushHeaderTable pushes h (and host, when not empty, as "Host") as a
// get_headers table: lower-case keys with the case-insensitive metatable,
// or canonical keys when raw. It returns 2 values with "truncated" when
// more than max header lines were there (max 0: no limit).
// headerName returns k as a get_headers key: lower-cased unless raw. The
// names of a worker's requests are few: each is made once (up to a bound).
func (a *api) headerName(k string, raw bool) lua.LValue {
	if raw {
		return lua.LString(k)
	}
	if v, ok := a.hdrNames[k]; ok {
		return v
	}
	v := lua.LValue(lua.LString(strings.ToLower(k)))
	if a.hdrNames == nil {
		a.hdrNames = make(map[string]lua.LValue)
	}
	if len(a.hdrNames) < 512 {
		a.hdrNames[strings.Clone(k)] = v
	}
	return v
}

// pushHeaderTable pushes headers as ngx.req.get_headers and
// ngx.resp.get_headers return them (with "truncated" past max). The
// request head as received (head, or ""), gives the order: headers
// come as the client sent them, each name with the spelling of its first
// line when raw, so that a max cuts where nginx cuts; headers a handler
// added follow in name order.
func (a *api) pushHeaderTable(L *lua.LState, h http.Header, host string, max int, raw bool, head string) int {
	t := L.CreateTable(0, len(h)+1)
	glstate.PresizeStrings(t, len(h)+1)
	// the values as Lua strings, their headers side by side: one
	// allocation for one value per name (a value made before the slice
	// grows keeps its header where it was)
	vals := make([]string, 0, len(h)+1)
	n := 0
	truncated := false
	add := func(k, v string) bool {
		if max > 0 && n >= max {
			truncated = true
			return false
		}
		n++
		vals = append(vals, v)
		addValue(L, t, a.headerName(k, raw), stdlib.StringValueAt(&vals[len(vals)-1]))
		return true
	}
	var arr [16]string
	done := arr[:0] // canonical names already added
	hostDone := host == ""
	if head != "" {
		type line struct{ name, key, value string }
		var larr [24]line
		lines := larr[:0]
		_, rest, _ := strings.Cut(head, "\n") // the request line
		for rest != "" {
			var l string
			l, rest, _ = strings.Cut(rest, "\n")
			name, value, ok := strings.Cut(l, ":")
			if ok {
				value = strings.Trim(value, " \t\r")
				lines = append(lines, line{name, phases.CanonicalHeaderKey(name), value})
			}
		}
		// a header the handler did not change comes line by line, each
		// with its own spelling (raw); a changed one comes whole where
		// its first line was
		unchanged := func(k string) bool {
			vs, i := h[k], 0
			for _, l := range lines {
				if l.key == k {
					if i >= len(vs) || vs[i] != l.value {
						return false
					}
					i++
				}
			}
			return i == len(vs)
		}
		for i, l := range lines {
			k := l.key
			spelling := k
			if raw {
				spelling = l.name
			}
			if k == "Host" {
				if !hostDone {
					hostDone = true
					add(spelling, host)
				}
				continue
			}
			first := !slices.Contains(done, k)
			if first {
				done = append(done, k)
			}
			if unchanged(k) {
				if vs := h[k]; len(vs) > 0 {
					j := 0 // which line of k this is
					for _, m := range lines[:i] {
						if m.key == k {
							j++
						}
					}
					add(spelling, vs[j])
				}
			} else if first {
				for _, v := range h[k] {
					add(spelling, v)
				}
			}
		}
	}
	if !hostDone {
		add("Host", host)
	}
	// the names the head does not have (set by the handler), sorted
	covered := 0
	for _, k := range done {
		if _, ok := h[k]; ok {
			covered++
		}
	}
	var keys []string
	if covered < len(h) {
		keys = make([]string, 0, len(h)-covered)
		for k := range h {
			if !slices.Contains(done, k) {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
	}
loop:
	for _, k := range keys {
		for _, v := range h[k] {
			if !add(k, v) {
				break loop
			}
		}
	}
	return a.pushHeaders(L, t, raw, truncated)
}

// pushHeaders returns a get_headers table: with the case-insensitive
// metatable unless raw, and "truncated" when a max cut it.
func (a *api) pushHeaders(L *lua.LState, t *lua.LTable, raw, truncated bool) int {
	if !raw {
		t.Metatable = a.hdrMT
	}
	L.Push(t)
	if truncated {
		L.Push(lua.LString("truncated"))
		return 2
	}
	return 1
}

// addValue sets t[key] to v, or when key has a value already makes it a
// list of the values (get_headers, get_uri_args).
func addValue(L *lua.LState, t *lua.LTable, key, v lua.LValue) {
	switch old := t.RawGet(key).(type) {
	case *lua.LNilType:
		// a string key is set as the value it is, not made again
		if s, ok := key.(lua.LString); !ok || !glstate.SetString(t, string(s), key, v) {
			t.RawSet(key, v)
		}
	case *lua.LTable:
		old.Append(v)
	default:
		arr := L.CreateTable(2, 0)
		arr.Append(old)
		arr.Append(v)
		t.RawSet(key, arr)
	}
}
