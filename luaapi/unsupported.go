package luaapi

import (
	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/internal/luavm"
	lua "github.com/yuin/gopher-lua"
)

func init() { register(openUnsupported) }

// openUnsupported gives OpenResty APIs that goresty does not have yet a
// clear error instead of "attempt to call a nil value".
func openUnsupported(a *api) {
	raise := func(name string) lua.LGFunction {
		return func(L *lua.LState) int {
			L.RaiseError("%s is not supported by goresty yet", name)
			return 0
		}
	}
	onAbort := raise("ngx.on_abort with lua_check_client_abort on")
	a.fn(a.ngx, "on_abort", pRewrite, func(L *lua.LState) int {
		r := a.req(L)
		if on, _ := r.Loc.(*config.Location); on == nil || luavm.Loc(on).Settings["lua_check_client_abort"] != "on" {
			// as OpenResty: without the directive the callback is refused
			L.Push(lua.LNil)
			L.Push(lua.LString("lua_check_client_abort is off"))
			return 2
		}
		return onAbort(L)
	})
	for _, mod := range []string{"ngx.balancer", "ngx.ssl", "ngx.ssl.session", "ngx.ocsp", "ngx.pipe",
		"ngx.upstream", "ngx.ssl.clienthello"} {
		name := mod
		a.L.PreloadModule(name, func(L *lua.LState) int {
			L.RaiseError("module '%s' is not supported by goresty yet", name)
			return 0
		})
	}
}
