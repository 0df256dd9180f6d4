package luaapi

import (
	"github.com/goresty/goresty/phases"
	lua "github.com/yuin/gopher-lua"
)

func init() { register(openArg) }

// ngx.arg is a proxy table over the running task's Args: the arguments of
// set_by_lua, or the chunk and eof flag of body_filter_by_lua (which the
// runtime reads back after the filter ran).
func openArg(a *api) {
	L := a.L
	t := L.NewTable()
	mt := L.NewTable()
	mt.RawSetString("__index", L.NewFunction(a.argGet))
	mt.RawSetString("__newindex", L.NewFunction(a.argSet))
	t.Metatable = mt
	a.ngx.RawSetString("arg", t)
}

func (a *api) argGet(L *lua.LState) int {
	t := a.task()
	if t == nil || t.R == nil || (t.Phase != phases.Set && t.Phase != phases.BodyFilter) {
		L.RaiseError("API disabled in the current context")
	}
	n, ok := L.Get(2).(lua.LNumber)
	i := int(n)
	if !ok || float64(i) != float64(n) || i < 1 || i > len(t.Args) {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(t.Args[i-1])
	return 1
}

func (a *api) argSet(L *lua.LState) int {
	t := a.task()
	if t == nil || t.Phase != phases.BodyFilter {
		L.RaiseError("API disabled in the context of %s", a.phase().Context())
	}
	n, _ := L.Get(2).(lua.LNumber)
	v := L.Get(3)
	switch {
	case n == 1 && len(t.Args) > 0:
		t.Args[0] = a.chunkValue(L, v)
	case n == 2 && len(t.Args) > 1:
		t.Args[1] = lua.LBool(lua.LVAsBool(v))
	default:
		L.RaiseError("bad index: %s", luaString(L, L.Get(2)))
	}
	return 0
}

// chunkValue converts what is assigned to ngx.arg[1] to the new chunk:
// nil empties it; strings, numbers and arrays of them are accepted as by
// ngx.print.
func (a *api) chunkValue(L *lua.LState, v lua.LValue) lua.LValue {
	switch x := v.(type) {
	case *lua.LNilType:
		return lua.LString("")
	case lua.LString:
		return x
	case lua.LNumber, *lua.LTable:
		return lua.LString(a.appendValue(L, 1, nil, v, 0))
	}
	L.RaiseError("bad argument #3 to '?' (string, number, nil, or array table expected, got %s)", v.Type().String())
	return nil
}
