package stdlib

import (
	"math"
	"math/rand/v2"

	lua "github.com/yuin/gopher-lua"
)

// Library functions whose gopher-lua versions differ from LuaJIT's in ways
// OpenResty code can see (results, errors, Go panic messages).

// openLibFixes installs them into L's string, table and math tables.
func openLibFixes(L *lua.LState) {
	if str, ok := L.GetGlobal("string").(*lua.LTable); ok {
		str.RawSetString("char", L.NewFunction(strChar))
		str.RawSetString("sub", L.NewFunction(strSub))
		str.RawSetString("upper", L.NewFunction(strUpper))
		str.RawSetString("lower", L.NewFunction(strLower))
		if m, ok := str.RawGetString("match").(*lua.LFunction); ok && m.IsG {
			str.RawSetString("match", L.NewFunction(strMatch(m.GFunction)))
		}
		if f, ok := str.RawGetString("find").(*lua.LFunction); ok && f.IsG {
			str.RawSetString("find", L.NewFunction(strFind(f.GFunction)))
		}
	}
	if tbl, ok := L.GetGlobal("table").(*lua.LTable); ok {
		tbl.RawSetString("insert", L.NewFunction(tableInsert))
		tbl.RawSetString("remove", L.NewFunction(tableRemove))
	}
	if m, ok := L.GetGlobal("math").(*lua.LTable); ok {
		src := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
		m.RawSetString("random", L.NewFunction(func(L *lua.LState) int { return mathRandom(L, src) }))
		m.RawSetString("randomseed", L.NewFunction(func(L *lua.LState) int {
			s := math.Float64bits(checkNumber(L, 1))
			*src = *rand.New(rand.NewPCG(s, s^0x9e3779b97f4a7c15))
			return 0
		}))
		m.RawSetString("max", L.NewFunction(func(L *lua.LState) int { return mathPick(L, func(r, x float64) bool { return r >= x }) }))
		m.RawSetString("min", L.NewFunction(func(L *lua.LState) int { return mathPick(L, func(r, x float64) bool { return r <= x }) }))
	}
}

// strChar is string.char: every code must be 0..255 ("invalid value");
// gopher-lua's wraps it.
func strChar(L *lua.LState) int {
	n := L.GetTop()
	b := make([]byte, n)
	for i := 1; i <= n; i++ {
		c := checkNumber(L, i)
		if c < 0 || c > 255 {
			argError(L, i, "invalid value")
		}
		b[i-1] = byte(c)
	}
	L.Push(bytesString(b))
	return 1
}

// strMatch is string.match returning nil, one value, when nothing matches
// (gopher-lua's returns none: ngx.say(s:match(p)) printed "" for "nil").
func strMatch(orig lua.LGFunction) lua.LGFunction {
	return func(L *lua.LState) int {
		if n := orig(L); n > 0 {
			return n
		}
		L.Push(lua.LNil)
		return 1
	}
}

// strFind is string.find with LuaJIT's start past the end (moved to just
// after the last byte: find("abc", "b", 10) is nil, find("abc", "", 10) is
// 4, 3) and an empty pattern found at the start position (gopher-lua's
// always answered 1, 0).
func strFind(orig lua.LGFunction) lua.LGFunction {
	return func(L *lua.LState) int {
		s, ok := L.Get(1).(lua.LString)
		if !ok {
			return orig(L)
		}
		init := 1
		if n, ok := L.Get(3).(lua.LNumber); ok {
			init = int(n)
			switch {
			case init < 0:
				init = max(len(s)+init+1, 1)
			case init == 0:
				init = 1
			case init > len(s)+1:
				init = len(s) + 1
				L.Replace(3, lua.LNumber(init))
			}
		}
		if p, ok := L.Get(2).(lua.LString); ok && p == "" {
			L.Push(lua.LNumber(init))
			L.Push(lua.LNumber(init - 1))
			return 2
		}
		return orig(L)
	}
}

// tableInsert is table.insert: two arguments append, three insert at a
// position (a position past the end just sets it), anything else is
// "wrong number of arguments to 'insert'".
func tableInsert(L *lua.LState) int {
	t := checkTable(L, 1)
	e := t.Len() + 1
	var pos int
	switch L.GetTop() {
	case 2:
		pos = e
	case 3:
		pos = int(toInt64(checkNumber(L, 2)))
		if pos > e {
			e = pos
		}
		for i := e; i > pos; i-- {
			t.RawSetInt(i, t.RawGetInt(i-1))
		}
	default:
		raise(L, "wrong number of arguments to 'insert'")
	}
	t.RawSetInt(pos, L.Get(L.GetTop()))
	return 0
}

// tableRemove is table.remove: nothing (no value at all) when the table is
// empty or the position is outside 1..#t.
func tableRemove(L *lua.LState) int {
	t := checkTable(L, 1)
	e := t.Len()
	pos := e
	if L.Get(2) != lua.LNil {
		pos = int(toInt64(checkNumber(L, 2)))
	}
	if e == 0 || pos < 1 || pos > e {
		return 0
	}
	v := t.RawGetInt(pos)
	for i := pos; i < e; i++ {
		t.RawSetInt(i, t.RawGetInt(i+1))
	}
	t.RawSetInt(e, lua.LNil)
	L.Push(v)
	return 1
}

// mathRandom is LuaJIT's math.random: no argument, a float in [0, 1);
// with m, or m and n, floor(r*(n-m+1))+m with m = 1 by default, without
// range checks (gopher-lua's panicked in Go's rand.Intn for math.random(0)).
func mathRandom(L *lua.LState, src *rand.Rand) int {
	r := src.Float64()
	switch L.GetTop() {
	case 0:
		L.Push(lua.LNumber(r))
		return 1
	case 1:
		n := checkNumber(L, 1)
		L.Push(lua.LNumber(math.Floor(r*n) + 1))
	default:
		m, n := checkNumber(L, 1), checkNumber(L, 2)
		L.Push(lua.LNumber(math.Floor(r*(n-m+1)) + m))
	}
	return 1
}

// mathPick is math.max (keep r while keep(r, x)) and math.min: at least one
// number, numeric strings read as numbers, NaN handled as LuaJIT does.
func mathPick(L *lua.LState, keep func(r, x float64) bool) int {
	r := checkNumber(L, 1)
	for i := 2; i <= L.GetTop(); i++ {
		if x := checkNumber(L, i); !keep(r, x) {
			r = x
		}
	}
	L.Push(lua.LNumber(r))
	return 1
}

// strSub is string.sub reading its positions as numbers or numeric strings
// (LuaJIT's luaL_checkinteger; gopher-lua's wanted numbers).
func strSub(L *lua.LState) int {
	s := checkString(L, 1)
	i := toInt64(checkNumber(L, 2))
	j := int64(-1)
	if L.Get(3) != lua.LNil {
		j = toInt64(checkNumber(L, 3))
	}
	L.Push(lua.LString(Sub(s, i, j)))
	return 1
}

// Sub is Lua's string.sub(s, i, j): 1-based, negative positions count
// from the end, out-of-range ones are clamped.
func Sub(s string, i, j int64) string {
	n := int64(len(s))
	if i < 0 {
		i = max(n+i+1, 1)
	} else if i == 0 {
		i = 1
	}
	if j < 0 {
		j = n + j + 1
	} else if j > n {
		j = n
	}
	if i > j {
		return ""
	}
	return s[i-1 : j]
}

// strUpper and strLower change ASCII letters only, as C's toupper/tolower
// in the C locale do; gopher-lua's used Go's Unicode case mapping, which
// rewrote UTF-8 text and broke binary strings.
func strUpper(L *lua.LState) int { return mapBytes(L, 'a', 'z', 'A'-'a') }
func strLower(L *lua.LState) int { return mapBytes(L, 'A', 'Z', 'a'-'A') }

func mapBytes(L *lua.LState, lo, hi byte, delta int) int {
	s := checkString(L, 1)
	b := []byte(s)
	for i, c := range b {
		if c >= lo && c <= hi {
			b[i] = byte(int(c) + delta)
		}
	}
	L.Push(bytesString(b))
	return 1
}

// noFrontier wraps a pattern function: gopher-lua's matcher has no %f
// (frontier) item and read it as something else, so a pattern with one is
// refused with a clear error instead of matching wrongly.
func noFrontier(orig lua.LGFunction, name string) lua.LGFunction {
	return func(L *lua.LState) int {
		if p, ok := L.Get(2).(lua.LString); ok && hasFrontier(string(p)) {
			raise(L, "bad argument #2 to '%s' (the %%f frontier pattern is not supported by goresty)", name)
		}
		return orig(L)
	}
}

// hasFrontier reports whether pattern p has a %f item outside a set.
func hasFrontier(p string) bool {
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '%':
			if i+1 < len(p) && p[i+1] == 'f' {
				return true
			}
			i++
		case '[':
			// skip the set: a ']' right after '[' or '[^' belongs to it
			i++
			if i < len(p) && p[i] == '^' {
				i++
			}
			if i < len(p) && p[i] == ']' {
				i++
			}
			for i < len(p) && p[i] != ']' {
				if p[i] == '%' {
					i++
				}
				i++
			}
		}
	}
	return false
}
