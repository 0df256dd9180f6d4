package luaapi

import (
	"github.com/goresty/goresty/internal/luavm"
	lua "github.com/yuin/gopher-lua"
)

func init() { register(openThread) }

func openThread(a *api) {
	t := a.sub("thread")
	// these check their arguments before the phase, and look for a
	// request first, as OpenResty does
	a.fn(t, "spawn", pAll, func(L *lua.LState) int {
		fn, ok := L.Get(1).(*lua.LFunction)
		if !ok || fn.IsG {
			L.ArgError(1, "Lua function expected")
		}
		a.checkReq(L, pYield, "no request found")
		args := argsFrom(L, 2)
		L.Push(luavm.Spawn(L, a.w, fn, args))
		return 1
	})
	a.yfn(t, "wait", pAll, func(L *lua.LState) int {
		a.checkReq(L, pYield, "no request found")
		n := L.GetTop()
		if n == 0 {
			L.RaiseError("at least one coroutine should be specified")
		}
		cos := make([]*lua.LState, 0, n)
		for i := 1; i <= n; i++ {
			co, ok := L.Get(i).(*lua.LState)
			if !ok {
				funcArgError(L, i, "wait", "lua thread expected")
			}
			cos = append(cos, co)
		}
		return luavm.Wait(L, a.w, cos)
	})
	a.fn(t, "kill", pAll, func(L *lua.LState) int {
		a.checkReq(L, pYield, "no request found")
		co, ok := L.Get(1).(*lua.LState)
		if !ok {
			L.ArgError(1, "lua thread expected")
		}
		return luavm.Kill(L, a.w, co)
	})
}

func argsFrom(L *lua.LState, from int) []lua.LValue {
	top := L.GetTop()
	if top < from {
		return nil
	}
	out := make([]lua.LValue, 0, top-from+1)
	for i := from; i <= top; i++ {
		out = append(out, L.Get(i))
	}
	return out
}
