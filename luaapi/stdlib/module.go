package stdlib

import (
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// baseModule is module(name [, ...]) as Lua 5.1 has it: the module table
// is package.loaded[name], else found or made along the dotted name in
// the globals. Tables it makes are stored with an ordinary assignment,
// as luaL_findtable does, so the globals' __newindex sees a new global
// (OpenResty's write guard warns about module("resty.x")); gopher-lua's
// own module stores them raw.
func baseModule(L *lua.LState) int {
	name := L.CheckString(1)
	loaded, _ := L.GetField(L.Get(lua.RegistryIndex), "_LOADED").(*lua.LTable)
	if loaded == nil {
		L.RaiseError("module: package.loaded missing")
	}
	mod, ok := loaded.RawGetString(name).(*lua.LTable)
	if !ok {
		mod = findTable(L, L.G.Global, name)
		if mod == nil {
			L.RaiseError("name conflict for module '%s'", name)
		}
		loaded.RawSetString(name, mod)
	}
	if mod.RawGetString("_NAME") == lua.LNil {
		mod.RawSetString("_M", mod)
		mod.RawSetString("_NAME", lua.LString(name))
		pkg := ""
		if i := strings.LastIndexByte(name, '.'); i >= 0 {
			pkg = name[:i+1]
		}
		mod.RawSetString("_PACKAGE", lua.LString(pkg))
	}
	// the calling function runs with the module as its environment
	dbg, ok := L.GetStack(1)
	if !ok {
		L.RaiseError("module: no calling function")
	}
	f, err := L.GetInfo("f", dbg, lua.LNil)
	fn, isFn := f.(*lua.LFunction)
	if err != nil || !isFn || fn.IsG {
		L.RaiseError("module: 'module' not called from a Lua function")
	}
	fn.Env = mod
	for i := 2; i <= L.GetTop(); i++ {
		L.Push(L.Get(i))
		L.Push(mod)
		L.Call(1, 0)
	}
	L.Push(mod)
	return 1
}

// findTable walks the dotted name from t, making the missing tables; nil
// when a part holds something else than a table.
func findTable(L *lua.LState, t *lua.LTable, name string) *lua.LTable {
	for _, part := range strings.Split(name, ".") {
		switch v := L.RawGet(t, lua.LString(part)).(type) {
		case *lua.LTable:
			t = v
		case *lua.LNilType:
			nt := L.NewTable()
			L.SetField(t, part, nt)
			t = nt
		default:
			return nil
		}
	}
	return t
}
