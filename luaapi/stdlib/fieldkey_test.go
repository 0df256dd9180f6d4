package stdlib

import (
	"fmt"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// TestFieldKeysSameAsGopherLua: field reads and writes through __index
// and __newindex functions (and everything the handlers pass on) give
// what gopher-lua's own handlers give.
func TestFieldKeysSameAsGopherLua(t *testing.T) {
	// a chunk with more than 256 constants: the last keys are in registers
	var many strings.Builder
	many.WriteString("local p = setmetatable({}, {__index = function(t, k) return k .. '!' end}) local s = ''\n")
	for i := range 300 {
		fmt.Fprintf(&many, "s = p.k%d\n", i)
	}
	many.WriteString("return s, p.last")
	cases := []string{
		`local seen = {} local p = setmetatable({a = 1}, {__index = function(t, k) seen[#seen + 1] = type(k) .. ":" .. k return k .. "?" end})
		 return p.a, p.b, p.c, rawget(p, "b"), table.concat(seen, ",")`,
		`local log = {} local p = setmetatable({}, {__newindex = function(t, k, v) log[#log + 1] = k .. "=" .. tostring(v) rawset(t, k, v) end})
		 p.x = 1 p.x = 2 p.y = nil p.z = "s" return p.x, p.z, table.concat(log, ",")`,
		`local p = setmetatable({x = 1}, {__newindex = function() error("no") end}) p.x = nil return p.x, next(p)`,
		`local p = setmetatable({}, {__index = function(t, k) error("bad key " .. k) end}) return p.missing`,
		`local p = setmetatable({}, {__newindex = function(t, k, v) error("bad set " .. k, 2) end}) p.field = 1`,
		`local base = {m = "method"} local o = setmetatable({}, {__index = base}) return o.m, o.none`,
		`local o = setmetatable({}, {__newindex = {}}) o.a = 1 return rawget(o, "a"), getmetatable(o).__newindex.a`,
		`local s = "str" return type(s.len), type(("x").upper)`,
		`local n = 5 return n.field`,
		`local p = setmetatable({}, {__index = function(t, k) return t, k end}) local a, b = p.q return a == p, b`,
		`local p = setmetatable({}, {__index = function(t, k) coroutine.yield(k) return 1 end})
		 local co = coroutine.wrap(function() return p.inco + 1 end) return co(), co()`,
		`local p = setmetatable({}, {__newindex = function(t, k, v) rawset(t, k, v * 2) end}) local k = "dyn" p[k] = 3 p.lit = 4 return p.dyn, p.lit`,
		many.String(),
	}
	for _, code := range cases {
		on := runCase(t, newState(t), code)
		fieldKeys = false
		off := runCase(t, newState(t), code)
		fieldKeys = true
		if on != off {
			t.Errorf("%s:\nhandlers  %q\ngopher-lua %q", code, on, off)
		}
	}
}

// TestFieldKeysAllocate: a field read through an __index function no
// longer makes a value of the key.
func TestFieldKeysAllocate(t *testing.T) {
	L := newState(t)
	L.SetGlobal("p", L.SetFuncs(L.NewTable(), nil))
	mt := L.NewTable()
	mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int { L.Push(lua.LTrue); return 1 }))
	L.GetGlobal("p").(*lua.LTable).Metatable = mt
	fn, err := L.LoadString(`local p = p local n = 0 for i = 1, 100 do if p.field then n = n + 1 end end return n`)
	if err != nil {
		t.Fatal(err)
	}
	run := func() {
		L.Push(fn)
		L.Call(0, 1)
		L.Pop(1)
	}
	on := testing.AllocsPerRun(20, run)
	fieldKeys = false
	off := testing.AllocsPerRun(20, run)
	fieldKeys = true
	if off-on < 90 {
		t.Errorf("100 reads allocate %.0f times with the handler, %.0f without: want ~100 fewer", on, off)
	}
}
