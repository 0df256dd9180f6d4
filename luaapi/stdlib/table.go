package stdlib

import (
	"math"

	lua "github.com/yuin/gopher-lua"
)

// maxPrealloc caps table.new's preallocation so a bogus size cannot
// exhaust memory; the table still grows on demand.
const maxPrealloc = 1 << 16

// tableExtensions are OpenResty LuaJIT's table.* additions, each loadable
// with require "table.<name>".
var tableExtensions = map[string]lua.LGFunction{
	"new":     tableNew,
	"clear":   tableClear,
	"nkeys":   tableNkeys,
	"isempty": tableIsEmpty,
	"isarray": tableIsArray,
	"clone":   tableClone,
}

// tableLoader returns a package.preload loader that stores fn as table.name
// and returns it, as LuaJIT's table.new and table.clear modules do.
func tableLoader(name string, fn lua.LGFunction) lua.LGFunction {
	return func(L *lua.LState) int {
		f := L.NewFunction(fn)
		if tbl, ok := L.GetGlobal("table").(*lua.LTable); ok {
			tbl.RawSetString(name, f)
		}
		L.Push(f)
		return 1
	}
}

func tableNew(L *lua.LState) int {
	narr := int(math.Min(math.Max(checkNumber(L, 1), 0), maxPrealloc))
	nrec := int(math.Min(math.Max(checkNumber(L, 2), 0), maxPrealloc))
	L.Push(L.CreateTable(narr, nrec))
	return 1
}

func tableClear(L *lua.LState) int {
	ClearTable(checkTable(L, 1))
	return 0
}

// ClearTable removes every key of t (table.clear).
func ClearTable(t *lua.LTable) {
	var keys []lua.LValue
	t.ForEach(func(k, _ lua.LValue) { keys = append(keys, k) })
	for _, k := range keys {
		t.RawSet(k, lua.LNil)
	}
}

func tableNkeys(L *lua.LState) int {
	t := checkTable(L, 1)
	n := 0
	t.ForEach(func(_, _ lua.LValue) { n++ })
	L.Push(lua.LNumber(n))
	return 1
}

func tableIsEmpty(L *lua.LState) int {
	k, _ := checkTable(L, 1).Next(lua.LNil)
	L.Push(lua.LBool(k == lua.LNil))
	return 1
}

// tableIsArray reports whether every key is an integer number.
func tableIsArray(L *lua.LState) int {
	t := checkTable(L, 1)
	ok := true
	t.ForEach(func(k, _ lua.LValue) {
		n, isNum := k.(lua.LNumber)
		if !isNum || float64(n) != math.Trunc(float64(n)) {
			ok = false
		}
	})
	L.Push(lua.LBool(ok))
	return 1
}

// tableClone is a shallow copy without the metatable.
func tableClone(L *lua.LState) int {
	t := checkTable(L, 1)
	c := L.CreateTable(t.Len(), 0)
	t.ForEach(func(k, v lua.LValue) { c.RawSet(k, v) })
	L.Push(c)
	return 1
}
