package luaapi

import (
	"time"

	"github.com/goresty/goresty/phases"
	lua "github.com/yuin/gopher-lua"
)

func init() { register(openTimer) }

// timer APIs are refused in init_by_lua (no worker loop yet) and
// exit_worker_by_lua (the loop is over).
const pTimer = phases.AllPhases &^ (1<<phases.Init | 1<<phases.ExitWorker)

func openTimer(a *api) {
	t := a.sub("timer")
	// the timer functions check their arguments before the phase
	a.fn(t, "at", pAll, func(L *lua.LState) int { return a.timerStart(L, false) })
	a.fn(t, "every", pAll, func(L *lua.LState) int { return a.timerStart(L, true) })
	a.fn(t, "running_count", pAll, func(L *lua.LState) int {
		a.checkReq(L, pAll, "no request")
		L.Push(lua.LNumber(a.w.RT.RunningTimers()))
		return 1
	})
	a.fn(t, "pending_count", pAll, func(L *lua.LState) int {
		a.checkReq(L, pAll, "no request")
		L.Push(lua.LNumber(a.w.RT.PendingTimers()))
		return 1
	})
}

// timerStart is ngx.timer.at and ngx.timer.every. As in OpenResty 0.10.23,
// a negative delay is taken (the timer is due at once).
func (a *api) timerStart(L *lua.LState, every bool) int {
	if n := L.GetTop(); n < 2 {
		L.RaiseError("expecting at least 2 arguments but got %d", n)
	}
	a.checkReq(L, pTimer, "no request")
	v, ok := luaNumber(L.Get(1))
	if !ok {
		L.ArgError(1, "number expected, got "+L.Get(1).Type().String())
	}
	if every && v == 0 {
		L.RaiseError("delay cannot be zero")
	}
	fn, ok := L.Get(2).(*lua.LFunction)
	if !ok || fn.IsG {
		L.ArgError(2, "Lua function expected")
	}
	d := time.Duration(max(v, 0) * float64(time.Second))
	if err := a.w.StartTimer(d, fn, argsFrom(L, 3), every); err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	L.Push(lua.LNumber(1))
	return 1
}
