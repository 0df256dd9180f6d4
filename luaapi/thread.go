package luaapi

import (
	"github.com/goresty/goresty/internal/luavm"
	lua "github.com/yuin/gopher-lua"
)

func init() { register(openThread) }

func openThread(a *api) {
	t := a.sub("thread")
	a.fn(t, "spawn", pYield, func(L *lua.LState) int {
		fn := L.CheckFunction(1)
		args := argsFrom(L, 2)
		L.Push(luavm.Spawn(L, a.w, fn, args))
		return 1
	})
	a.yfn(t, "wait", pYield, func(L *lua.LState) int {
		n := L.GetTop()
		if n == 0 {
			L.RaiseError("at least one coroutine should be specified")
		}
		cos := make([]*lua.LState, 0, n)
		for i := 1; i <= n; i++ {
			co, ok := L.Get(i).(*lua.LState)
			if !ok {
				L.ArgError(i, "coroutine expected, got "+L.Get(i).Type().String())
			}
			cos = append(cos, co)
		}
		return luavm.Wait(L, a.w, cos)
	})
	a.fn(t, "kill", pYield, func(L *lua.LState) int {
		co, ok := L.Get(1).(*lua.LState)
		if !ok {
			L.ArgError(1, "coroutine expected, got "+L.Get(1).Type().String())
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
