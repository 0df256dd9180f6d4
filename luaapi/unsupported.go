package luaapi

import (
	lua "github.com/yuin/gopher-lua"
)

func init() { register(openUnsupported) }

// openUnsupported gives OpenResty APIs that goresty does not have yet a
// clear error instead of "attempt to call a nil value".
func openUnsupported(a *api) {
	a.openOnAbort()
	for _, mod := range []string{"ngx.balancer", "ngx.ssl", "ngx.ssl.session", "ngx.ocsp", "ngx.pipe",
		"ngx.upstream", "ngx.ssl.clienthello"} {
		name := mod
		a.L.PreloadModule(name, func(L *lua.LState) int {
			L.RaiseError("module '%s' is not supported by goresty yet", name)
			return 0
		})
	}
}
