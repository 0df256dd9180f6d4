package stdlib

import (
	"strconv"
	"testing"
	"unsafe"

	lua "github.com/yuin/gopher-lua"

	"github.com/goresty/goresty/internal/luavm/glstate"
)

// appendCases: `t[#t + 1] = a .. b` statements, fused or not (appendsite.go),
// with LuaJIT's output.
var appendCases = []observedCase{
	{"local t = {} for i = 1, 3 do t[#t + 1] = \"a\" .. i .. \"b\" end return table.concat(t, \",\"), #t",
		"true a1b,a2b,a3b 3"},
	{"local t = {1, 2} local x, y = \"p\", 2.5 t[#t + 1] = x .. y .. 0.1 return t[3], #t",
		"true p2.50.1 3"},
	{"local t = {} local x t[#t + 1] = \"a\" .. x",
		"false t:1: attempt to concatenate local 'x' (a nil value)"},
	{"local t = {} local x = {} t[#t + 1] = x .. \"a\"",
		"false t:1: attempt to concatenate local 'x' (a table value)"},
	{"local log = {} local t = setmetatable({}, {__newindex = function(t, k, v) log[#log + 1] = k .. \"=\" .. v end}) t[#t + 1] = \"a\" .. 1 return log[1], rawget(t, 1)",
		"true 1=a1 nil"},
	{"local m = setmetatable({}, {__concat = function(a, b) return \"M\" end}) local t = {} t[#t + 1] = \"a\" .. m return t[1]",
		"true M"},
	{"local t = {} local function add(s) t[#t + 1] = s .. \"!\" end add(\"x\") add(\"y\") return table.concat(t)",
		"true x!y!"},
	{"local t = {} for i = 1, 2 do local s = \"v\" t[#t + 1] = s .. i end local f = function() t[#t + 1] = \"u\" .. #t end f() return table.concat(t, \" \")",
		"true v1 v2 u2"},
	{"local t = {} t[#t + 1] = 1 .. 2 t[#t + 1] = \"\" .. \"\" return t[1], type(t[1]), t[2] == \"\", #t",
		"true 12 string true 2"},
	{"local t = {} local k = \"x\" t[#t + 1] = k .. 1e15 .. (0/0) .. 2^53 return t[1]",
		"true x1e+15nan9.007199254741e+15"},
	{"local t = {} t[#t + 1] = \"a\" .. nil",
		"false t:1: attempt to concatenate a nil value"},
	{"local n = 0 local t = setmetatable({}, {__index = function() n = n + 1 end}) t[#t + 1] = \"a\" .. \"b\" return t[1], n",
		"true ab 0"},
	{"local t = {1, 2} t[2] = nil local i = 1 t[#t + 1] = \"a\" .. i return #t, t[1], t[2], t[3]",
		"true 2 1 a1 nil"},
}

func TestAppendStatements(t *testing.T) {
	checkObserved(t, appendCases)
	// errors the VM raises, named as goresty's coroutines name them
	for _, tc := range []observedCase{
		{`local t local x = "a" t[#t + 1] = x .. "b"`, "t:1: attempt to get length of local 't' (a nil value)"},
		{`local t = "str" t[#t + 1] = "a" .. "b"`, "t:1: attempt to index local 't' (a string value)"},
	} {
		if got := vmError(t, tc.code); got != tc.want {
			t.Errorf("%s:\ngot  %q\nwant %q", tc.code, got, tc.want)
		}
	}
}

// TestAppendSameAsUnfused: every case gives what it gives with the
// statement left as written, including where gopher-lua differs from
// LuaJIT (it calls a table's __len, which LuaJIT 2.1 ignores).
func TestAppendSameAsUnfused(t *testing.T) {
	cases := append([]observedCase{
		{`local t = setmetatable({}, {__len = function() return 10 end}) t[#t + 1] = "a" .. 1 return t[1], t[11]`, ""},
		{`local t = {1, nil, 3} t[#t + 1] = "a" .. "b" return t[4], t[2], #t`, ""},
		// templates: literals kept in the site, arguments in between
		{`local t = {} t[#t + 1] = "a" .. "b" .. "c" return t[1], #t`, ""},
		{`local t, x = {}, "m" t[#t + 1] = "" .. x .. "" .. "" return t[1], #t[1]`, ""},
		{`local t, x = {}, "q" t[#t + 1] = "a" .. 1.5 .. x .. "z" .. 7 return t[1]`, ""},
		{`local t, x = {}, {} t[#t + 1] = "pre" .. x .. "post"`, ""},
		{`local t, x = {}, nil t[#t + 1] = "pre" .. x .. "post"`, ""},
		{`local t = {} local a, b, c, d, e, f, g, h, i = 1, 2, 3, 4, 5, 6, 7, 8, 9
		  t[#t + 1] = "<" .. a .. b .. c .. d .. e .. f .. g .. h .. i .. ">" return t[1]`, ""},
		{`local t = {} local a, b, c, d, e, f, g, h = "1", 2, "3", 4, "5", 6, "7", 8.5
		  t[#t + 1] = "<" .. a .. "|" .. b .. c .. d .. e .. f .. g .. h .. ">" return t[1]`, ""},
	}, appendCases...)
	for _, tc := range cases {
		fused := runCase(t, newState(t), tc.code)
		fuseAppends = false
		plain := runCase(t, newState(t), tc.code)
		fuseAppends = true
		if fused != plain {
			t.Errorf("%s:\nfused     %q\nas written %q", tc.code, fused, plain)
		}
	}
}

// isAppendSite reports whether fn is the function of a fused statement.
func isAppendSite(fn *lua.LFunction) bool {
	return fn.IsG && fn.Env == concatEnv && (*site)(unsafe.Pointer(fn)).isAppend()
}

// countInProtos sums count over p and its nested prototypes.
func countInProtos(p *lua.FunctionProto, count func(*lua.FunctionProto) int) int {
	n := count(p)
	for _, c := range p.FunctionPrototypes {
		n += countInProtos(c, count)
	}
	return n
}

// countAppendSites counts the fused statements compiled into p.
func countAppendSites(p *lua.FunctionProto) int {
	return countInProtos(p, func(p *lua.FunctionProto) int {
		n := 0
		for _, k := range p.Constants {
			if f, ok := k.(*lua.LFunction); ok && isAppendSite(f) {
				n++
			}
		}
		return n
	})
}

// TestAppendFusedOnlyWhenPlain: the statement is fused when the target is
// a local or an upvalue and every operand a literal, a local or an
// upvalue, and left as written otherwise.
func TestAppendFusedOnlyWhenPlain(t *testing.T) {
	for _, tc := range []struct {
		src   string
		fused int
	}{
		{`local t = {} for i = 1, 3 do t[#t + 1] = "a" .. i .. "b" end`, 1},
		{`local t, s = {}, "x" local function f() t[#t + 1] = s .. 1 end`, 1},
		{`local t = {} t[#t + 1] = "a" .. tostring(1)`, 0},       // a call
		{`local t, o = {}, {k = "v"} t[#t + 1] = "a" .. o.k`, 0}, // a field
		{`local t = {} t[#t + 1] = "a" .. g`, 0},                 // a global
		{`t = {} t[#t + 1] = "a" .. "b"`, 0},                     // a global table
		{`local t, u = {}, {} t[#u + 1] = "a" .. "b"`, 0},        // another table's length
		{`local t = {} t[#t + 2] = "a" .. "b"`, 0},
		{`local t = {} t[#t + 1] = "a"`, 0}, // no chain: nothing to gain
		{`local t = {} t[#t + 1], t[#t + 2] = "a" .. "b", "c" .. "d"`, 0},
	} {
		p, err := Compile([]byte(tc.src), "=t")
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		if got := countAppendSites(p); got != tc.fused {
			t.Errorf("%s: %d fused statements, want %d", tc.src, got, tc.fused)
		}
	}
}

// directCases depend on where a site call leaves its result and the stack
// top: a call's last argument, a table constructor's last item, a return,
// the values an assignment pads with nil.
var directCases = []observedCase{
	{`return select('#', "a" .. 1)`, "true 1"},
	{`local function f() return "x" .. 1 end return select('#', f()), f()`, "true 1 x1"},
	{`local a, b = "x" .. 1 return a, b`, "true x1 nil"},
	{`local s = "v" local t = {s .. 1, s .. 2, "w" .. s} return #t, t[1], t[3]`, "true 3 v1 wv"},
	{`local x = 1 return (function(...) return select('#', ...) end)("a" .. x, "b" .. x)`, "true 2"},
	{`return ("a" .. 1), ("b" .. 2), select('#', ("c" .. 3))`, "true a1 b2 1"},
	{`local t = {} for i = 1, 100 do t[#t + 1] = "k" .. i .. "=" .. i * 2 end return #t, t[100], t[1]`,
		"true 100 k100=200 k1=2"},
	{`local m = setmetatable({}, {__concat = function(a, b) return "M" end}) return select('#', "a" .. m), "a" .. m .. "b"`,
		"true 1 aM"},
	{`local x return select('#', "a" .. x)`, "false t:1: attempt to concatenate local 'x' (a nil value)"},
}

// TestDirectCallsSameAsCalled: the sites run on their argument registers
// give what they give through gopher-lua's CALL (sitecall.go).
func TestDirectCallsSameAsCalled(t *testing.T) {
	checkObserved(t, directCases)
	for _, tc := range append(append(append([]observedCase{}, directCases...), appendCases...), concatCases...) {
		direct := runCase(t, newState(t), tc.code)
		fuseCalls = false
		unfused := runCase(t, newState(t), tc.code)
		directCalls = false
		called := runCase(t, newState(t), tc.code)
		directCalls, fuseCalls = true, true
		if direct != called || unfused != called {
			t.Errorf("%s:\nfused %q\ndirect %q\ncalled %q", tc.code, direct, unfused, called)
		}
	}
}

// countFused counts the fused site calls in p and its nested prototypes.
func countFused(p *lua.FunctionProto) int {
	return countInProtos(p, func(p *lua.FunctionProto) int {
		n := 0
		for _, inst := range p.Code {
			if op(inst) == lua.OP_NOP && int(inst>>18)&0xff == fusedMark {
				n++
			}
		}
		return n
	})
}

// TestFusedSites: which site calls are fused, and what they give.
func TestFusedSites(t *testing.T) {
	for _, tc := range []struct {
		code  string
		fused int
		want  string
	}{
		// the append and the `..` of its fallback statement
		{`local t = {} for i = 1, 3 do t[#t + 1] = "<" .. i .. ">" end return table.concat(t)`, 2, "true <1><2><3>"},
		{`local t, u = {}, "up" local function f(x) t[#t + 1] = x .. u .. 1 end f("a") f("b") return table.concat(t, ",")`, 2,
			"true aup1,bup1"},
		{`local a, b = "x", 2 local s = a .. b return s`, 1, "true x2"},
		// four locals: one MOVEN that runs three MOVEs
		{`local a, b, c, d = "w", "x", 1, 2.5 local s = a .. b .. c .. d return s, #s`, 1, "true wx12.5 6"},
		// inside a coroutine and a function a Go function calls
		{`local t = {} local co = coroutine.wrap(function(x) for i = 1, 2 do t[#t + 1] = x .. i coroutine.yield() end end)
		  co("c") co() local u = {3, 1, 2} table.sort(u, function(p, q) local k = p .. "" return k < q .. "" end)
		  return table.concat(t, ","), table.concat(u)`, 4, "true c1,c2 123"},
		{`local a = "x" return a .. "y"`, 1, "true xy"}, // one value: a call, not a tail call
		{`local a = "x" return #(a .. "yz"), (a .. "q")`, 2, "true 3 xq"},
		{`local m = setmetatable({}, {__concat = function() return "M" end}) local s = "a" .. m return s`, 1, "true M"},
		{`local t = setmetatable({}, {__newindex = function(t, k, v) rawset(t, k, v .. "!") end}) local x = "v"
		  t[#t + 1] = x .. 1 return t[1]`, 3, "true v1!"},
		{`local t, x = {}, nil t[#t + 1] = "a" .. x`, 2, "false t:1: attempt to concatenate local 'x' (a nil value)"},
	} {
		p, err := Compile([]byte(tc.code), "t")
		if err != nil {
			t.Fatal(err)
		}
		if n := countFused(p); n != tc.fused {
			t.Errorf("%s: %d fused calls, want %d", tc.code, n, tc.fused)
		}
		if got := runCase(t, newState(t), tc.code); got != tc.want {
			t.Errorf("%s:\ngot  %q\nwant %q", tc.code, got, tc.want)
		}
	}
}

// TestAppendSizing: a fused append site grows a full array part at once
// to the length the table it filled before reached, and only that table
// counts.
func TestAppendSizing(t *testing.T) {
	p, err := Compile([]byte(`return function(n)
		local t = {"a"}
		for i = 1, n do t[#t + 1] = "x" .. i end
		return t
	end`), "t")
	if err != nil {
		t.Fatal(err)
	}
	if countFused(p) == 0 {
		t.Fatal("the append is not fused")
	}
	L := newState(t)
	L.Push(L.NewFunctionFromProto(p))
	L.Call(0, 1)
	fill := L.Get(-1)
	L.Pop(1)
	run := func(n int) []lua.LValue {
		t.Helper()
		if err := L.CallByParam(lua.P{Fn: fill, NRet: 1, Protect: true}, lua.LNumber(n)); err != nil {
			t.Fatal(err)
		}
		tb := L.Get(-1).(*lua.LTable)
		L.Pop(1)
		if tb.Len() != n+1 || tb.RawGetInt(1) != lua.LString("a") {
			t.Fatalf("fill(%d): length %d, first %v", n, tb.Len(), tb.RawGetInt(1))
		}
		for i := 1; i <= n; i++ {
			if got, want := tb.RawGetInt(i+1), lua.LString("x"+strconv.Itoa(i)); got != want {
				t.Fatalf("fill(%d)[%d] = %v, want %v", n, i+1, got, want)
			}
		}
		arr, ok := glstate.ArrayPart(tb)
		if !ok {
			t.Skip("gopher-lua's table layout is not the known one")
		}
		return arr
	}
	// doubling from one element would end at 64
	run(40)
	if arr := run(40); cap(arr) < 41 || cap(arr) >= 64 {
		t.Errorf("after a table of 41, the next one's capacity is %d, want 41..63", cap(arr))
	}
	run(1000)
	if arr := run(3); cap(arr) < 1000 {
		t.Errorf("after a table of 1001, the next one's capacity is %d, want the same room", cap(arr))
	}
	if arr := run(3); cap(arr) > 8 {
		t.Errorf("after a table of 4, the next one's capacity is %d, want a small one", cap(arr))
	}
	if arr := run(0); cap(arr) != 1 {
		t.Errorf("a table with no appends has capacity %d, want its constructor's 1", cap(arr))
	}
}
