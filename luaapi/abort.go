package luaapi

import (
	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/internal/luavm"
	"github.com/goresty/goresty/luaapi/stdlib"
	"github.com/goresty/goresty/phases"
	lua "github.com/yuin/gopher-lua"
)

// abortWatch runs the ngx.on_abort callback in a background light thread
// once the client has gone away.
const abortWatch = `local wait_abort = ...
return function(f)
	if wait_abort() then
		return f()
	end
end`

// openOnAbort installs ngx.on_abort (needs lua_check_client_abort on): a
// background light thread waits for the client to close the connection and
// then runs the callback; it ends with the handler when the client stays.
func (a *api) openOnAbort() {
	L := a.L
	waitAbort := L.NewFunction(func(L *lua.LState) int {
		r := a.req(L)
		if r.ClientAbort == nil {
			return 0
		}
		done := r.ClientAbort()
		return luavm.Await(L, a.w, 1, func() []lua.LValue {
			<-done
			return []lua.LValue{lua.LTrue}
		})
	})
	p, err := stdlib.Compile([]byte(abortWatch), "=[goresty]")
	if err != nil {
		panic(err)
	}
	L.Push(L.NewFunctionFromProto(p))
	L.Push(waitAbort)
	L.Call(1, 1)
	watcher := L.Get(-1).(*lua.LFunction)
	L.Pop(1)
	a.fn(a.ngx, "on_abort", pAll, func(L *lua.LState) int {
		// lua-nginx-module's order: a request (none in init_worker and
		// timers), the directive, and only then the phase
		if t := a.task(); t != nil && t.R == nil && a.phase() != phases.Init {
			a.check(L, pRewrite)
		}
		r := a.req(L)
		f := L.CheckFunction(1)
		if loc, _ := r.Loc.(*config.Location); loc == nil || !luavm.Loc(loc).CheckClientAbort {
			// as OpenResty: without the directive the callback is refused
			L.Push(lua.LNil)
			L.Push(lua.LString("lua_check_client_abort is off"))
			return 2
		}
		a.check(L, pRewrite)
		rs := luavm.State(r)
		if rs.AbortSet {
			L.Push(lua.LNil)
			L.Push(lua.LString("duplicate call"))
			return 2
		}
		rs.AbortSet = true
		luavm.SpawnBackground(L, a.w, watcher, []lua.LValue{f})
		L.Push(lua.LNumber(1))
		return 1
	})
}
