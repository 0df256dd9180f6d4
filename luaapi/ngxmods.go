package luaapi

import (
	"github.com/goresty/goresty/luaapi/resty"
	lua "github.com/yuin/gopher-lua"
)

// require "ngx.resp" and require "ngx.req": lua-resty-core's modules of
// these names hold add_header. Without them require would find Debian's
// FFI-based files on the default path and fail inside them.

func init() { register(openNgxMods) }

func openNgxMods(a *api) {
	a.L.PreloadModule("ngx.resp", func(L *lua.LState) int {
		m := L.NewTable()
		m.RawSetString("version", lua.LString(resty.CoreVersion))
		a.fn(m, "add_header", pReq, func(L *lua.LState) int {
			if L.Get(2) == lua.LNil {
				L.RaiseError("invalid header value")
			}
			return a.respAddHeader(L)
		})
		L.Push(m)
		return 1
	})
	a.L.PreloadModule("ngx.req", func(L *lua.LState) int {
		m := L.NewTable()
		m.RawSetString("version", lua.LString(resty.CoreVersion))
		a.fn(m, "add_header", pReq, a.reqAddHeader)
		L.Push(m)
		return 1
	})
}

// reqAddHeader is ngx.req.add_header(name, value): the values join the
// request header's existing ones (set_header replaces them).
func (a *api) reqAddHeader(L *lua.LState) int {
	r := a.req(L)
	name := reqHeaderName(L)
	switch v := L.Get(2).(type) {
	case lua.LString, lua.LNumber, *lua.LTable:
	default:
		L.RaiseError("bad 'value' argument: string or table expected, got %s", v.Type().String())
	}
	vs := headerValues(L, L.Get(2))
	if len(vs) == 0 {
		return 0
	}
	old := r.HTTP.Header[name]
	if name == "Host" && r.HTTP.Host != "" {
		old = []string{r.HTTP.Host}
	}
	setReqHeader(r, name, append(append([]string(nil), old...), vs...))
	return 0
}
