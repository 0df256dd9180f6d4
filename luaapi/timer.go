package luaapi

import (
	"time"

	"github.com/goresty/goresty/phases"
	lua "github.com/yuin/gopher-lua"
)

func init() { register(openTimer) }

// timer APIs are refused only in init_by_lua (no worker loop yet).
const pTimer = phases.AllPhases &^ (1 << phases.Init)

func openTimer(a *api) {
	t := a.sub("timer")
	a.fn(t, "at", pTimer, func(L *lua.LState) int { return a.timerStart(L, false) })
	a.fn(t, "every", pTimer, func(L *lua.LState) int { return a.timerStart(L, true) })
	a.fn(t, "running_count", pAll, func(L *lua.LState) int {
		L.Push(lua.LNumber(a.w.RT.RunningTimers()))
		return 1
	})
	a.fn(t, "pending_count", pAll, func(L *lua.LState) int {
		L.Push(lua.LNumber(a.w.RT.PendingTimers()))
		return 1
	})
}

func (a *api) timerStart(L *lua.LState, every bool) int {
	v, ok := L.Get(1).(lua.LNumber)
	if !ok {
		L.ArgError(1, "number expected, got "+L.Get(1).Type().String())
	}
	fn, ok := L.Get(2).(*lua.LFunction)
	if !ok {
		L.ArgError(2, "function expected, got "+L.Get(2).Type().String())
	}
	if v < 0 {
		L.ArgError(1, "delay must not be negative")
	}
	if every && v == 0 {
		L.ArgError(1, "delay cannot be zero")
	}
	d := time.Duration(float64(v) * float64(time.Second))
	if err := a.w.StartTimer(d, fn, argsFrom(L, 3), every); err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	L.Push(lua.LNumber(1))
	return 1
}
