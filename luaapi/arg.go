package luaapi

import (
	"strconv"
	"strings"

	"github.com/goresty/goresty/luaapi/stdlib"
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
	if a.phase() == phases.Init {
		L.RaiseError("no request found")
	}
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
	n, ok := L.Get(2).(lua.LNumber)
	if s, isStr := L.Get(2).(lua.LString); isStr && !ok {
		// lua-resty-core compares the index as a number: ngx.arg["1"] is ngx.arg[1]
		if f, err := strconv.ParseFloat(strings.TrimSpace(string(s)), 64); err == nil {
			n = lua.LNumber(f)
		}
	}
	v := L.Get(3)
	switch {
	case n == 1 && len(t.Args) > 0:
		t.Args[0] = a.chunkValue(L, v)
	case n == 2 && len(t.Args) > 1:
		t.Args[1] = lua.LBool(lua.LVAsBool(v))
	default:
		L.RaiseError("bad index: %s", stdlib.ToString(L, L.Get(2)))
	}
	return 0
}

// chunkValue converts what is assigned to ngx.arg[1] to the new chunk:
// nil empties it; strings, numbers and arrays of them (nested arrays too)
// are accepted, with lua-resty-core's errors for anything else.
func (a *api) chunkValue(L *lua.LState, v lua.LValue) lua.LValue {
	switch x := v.(type) {
	case *lua.LNilType:
		return lua.LString("")
	case lua.LString:
		return x
	case lua.LNumber:
		// tostring's words (-0, nan); inside a table ngx.print's
		return lua.LString(stdlib.FormatNumber(float64(x)))
	case *lua.LTable:
		return lua.LString(a.chunkTable(L, nil, x, 0))
	}
	L.RaiseError("bad chunk data type: %s", v.Type().String())
	return nil
}

// chunkTable flattens an array table assigned to ngx.arg[1]: unlike
// ngx.print, only strings, numbers and arrays of them are taken.
func (a *api) chunkTable(L *lua.LState, b []byte, t *lua.LTable, depth int) []byte {
	if depth >= maxTableDepth {
		L.RaiseError("bad argument #3 to '__newindex' (table nested too deeply)")
	}
	n, ok := arrayLen(t)
	if !ok {
		L.RaiseError("bad argument #3 to '__newindex' (non-array table found)")
	}
	for i := 1; i <= n; i++ {
		switch e := t.RawGetInt(i).(type) {
		case lua.LString, lua.LNumber:
			b = a.appendValue(L, 3, b, e, depth+1)
		case *lua.LTable:
			b = a.chunkTable(L, b, e, depth+1)
		default:
			L.RaiseError("bad argument #3 to '__newindex' (bad data type %s found)", e.Type().String())
		}
	}
	return b
}
