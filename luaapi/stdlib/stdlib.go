package stdlib

import (
	"fmt"
	"math"

	lua "github.com/yuin/gopher-lua"
)

// Open patches the standard library of L (opened with the usual
// lua.NewState) to behave like LuaJIT. Call it once per state, before any
// user code runs.
func Open(L *lua.LState) {
	g := L.G.Global
	origToString := L.GetGlobal("tostring")
	ts := L.NewFunction(func(L *lua.LState) int { return baseToString(L, origToString) })
	g.RawSetString("tostring", ts)
	g.RawSetString("print", L.NewFunction(basePrint))
	g.RawSetString("unpack", L.NewFunction(baseUnpack))
	ld := L.NewFunction(baseLoad)
	g.RawSetString("load", ld)
	g.RawSetString("loadstring", ld)
	g.RawSetString("collectgarbage", L.NewFunction(newCollectGarbage()))
	g.RawSetString("gcinfo", L.NewFunction(baseGcinfo))
	g.RawSetString("xpcall", L.NewFunction(baseXpcall))
	g.RawSetString("select", L.NewFunction(baseSelect))
	g.RawSetString("setmetatable", L.NewFunction(baseSetMetatable))
	g.RawSetString("tonumber", L.NewFunction(baseToNumber))
	g.RawSetString("module", L.NewFunction(baseModule))

	if str, ok := L.GetGlobal("string").(*lua.LTable); ok {
		str.RawSetString("format", L.NewFunction(strFormat))
		str.RawSetString("rep", L.NewFunction(strRep))
		str.RawSetString("dump", L.NewFunction(strDump))
		str.RawSetString("gmatch", L.NewFunction(strGmatch))
		str.RawSetString("gfind", lua.LNil) // LuaJIT 2.1 dropped it
	}
	if tbl, ok := L.GetGlobal("table").(*lua.LTable); ok {
		tbl.RawSetString("concat", L.NewFunction(tableConcat))
		tbl.RawSetString("foreach", L.NewFunction(tableForeach))
		tbl.RawSetString("foreachi", L.NewFunction(tableForeachi))
	}
	openLibFixes(L)
	openOS(L)
	openOSLib(L)
	openIO(L)
	openRequire(L)
	if str, ok := L.GetGlobal("string").(*lua.LTable); ok {
		// last: find, match and gmatch are the fixed versions by now
		for _, name := range []string{"find", "match", "gmatch", "gsub"} {
			if f, ok := str.RawGetString(name).(*lua.LFunction); ok && f.IsG {
				str.RawSetString(name, L.NewFunction(noFrontier(f.GFunction, name)))
			}
		}
	}
	if m, ok := L.GetGlobal("math").(*lua.LTable); ok {
		m.RawSetString("log", L.NewFunction(mathLog))
		m.RawSetString("fmod", L.NewFunction(mathFmod))
		m.RawSetString("mod", lua.LNil) // LuaJIT 2.1 has no math.mod
		m.RawSetString("huge", lua.LNumber(math.Inf(1)))
	}
}

// Preload registers the LuaJIT and OpenResty built-in modules in
// package.preload: "bit", "ffi" and "table.new", "table.clear",
// "table.nkeys", "table.isempty", "table.isarray", "table.clone". As in
// LuaJIT, requiring "table.X" also stores the function as table.X.
func Preload(L *lua.LState) {
	L.PreloadModule("bit", openBit)
	L.PreloadModule("ffi", openFFI)
	for name, fn := range tableExtensions {
		L.PreloadModule("table."+name, tableLoader(name, fn))
	}
	// LuaJIT has bit loaded as a global from the start.
	L.SetGlobal("bit", requireValue(L, "bit"))
}

// requireValue calls require(name) and returns its result.
func requireValue(L *lua.LState, name string) lua.LValue {
	L.Push(L.GetGlobal("require"))
	L.Push(lua.LString(name))
	L.Call(1, 1)
	v := L.Get(-1)
	L.Pop(1)
	return v
}

// typeName is the Lua type name LuaJIT prints in "got X", with "no value"
// for a missing argument.
func typeName(L *lua.LState, n int) string {
	if n > L.GetTop() {
		return "no value"
	}
	return L.Get(n).Type().String()
}

// argExpected raises LuaJIT's "bad argument #n to 'f' (T expected, got U)".
func argExpected(L *lua.LState, n int, want string) {
	argError(L, n, want+" expected, got "+typeName(L, n))
}

// argError raises "bad argument #n to 'name' (msg)" with the function name
// as the caller sees it, quoted like LuaJIT ('?' when unknown).
func argError(L *lua.LState, n int, msg string) {
	name := "?"
	if dbg, ok := L.GetStack(0); ok {
		if _, err := L.GetInfo("n", dbg, lua.LNil); err == nil && dbg.Name != "" && dbg.Name != "(anonymous)" {
			name = dbg.Name
		}
	}
	// called by pcall's own Lua layer (pcall(tonumber, ...)): LuaJIT has
	// no name for it either
	if caller, ok := L.GetStack(1); ok {
		if _, err := L.GetInfo("S", caller, lua.LNil); err == nil && caller.Source == "[goresty]" {
			name = "?"
		}
	}
	raise(L, "bad argument #%d to '%s' (%s)", n, name, msg)
}

// raise is luaL_error: the message gets the position of the calling Lua
// function, and none when the caller is a Go function (pcall(f, ...)).
func raise(L *lua.LState, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if dbg, ok := L.GetStack(1); ok {
		if _, err := L.GetInfo("Sl", dbg, lua.LNil); err == nil && dbg.What != "G" && dbg.CurrentLine > 0 {
			msg = fmt.Sprintf("%s:%d: %s", dbg.Source, dbg.CurrentLine, msg)
		}
	}
	L.Error(lua.LString(msg), 0)
}

// checkNumber is luaL_checknumber: numbers and numeric strings.
func checkNumber(L *lua.LState, n int) float64 {
	switch v := L.Get(n).(type) {
	case lua.LNumber:
		return float64(v)
	case lua.LString:
		if f, ok := parseNumber(string(v)); ok {
			return f
		}
	}
	argExpected(L, n, "number")
	return 0
}

// optNumber is luaL_optnumber.
func optNumber(L *lua.LState, n int, def float64) float64 {
	if L.Get(n) == lua.LNil {
		return def
	}
	return checkNumber(L, n)
}

// checkTable is luaL_checktype(L, n, LUA_TTABLE).
func checkTable(L *lua.LState, n int) *lua.LTable {
	if t, ok := L.Get(n).(*lua.LTable); ok {
		return t
	}
	argExpected(L, n, "table")
	return nil
}

// checkString is luaL_checklstring: strings and numbers (as LuaJIT formats
// them).
func checkString(L *lua.LState, n int) string {
	switch v := L.Get(n).(type) {
	case lua.LString:
		return string(v)
	case lua.LNumber:
		return FormatNumber(float64(v))
	}
	argExpected(L, n, "string")
	return ""
}
