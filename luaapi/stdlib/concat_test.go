package stdlib

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// observedCase is a chunk run with the harness of stdlib_test.go on LuaJIT
// 2.1 (Debian's luajit, /usr/bin/luajit) and the output observed there.
type observedCase struct{ code, want string }

// checkObserved runs each case here and compares with LuaJIT's output.
func checkObserved(t *testing.T, cases []observedCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.code, func(t *testing.T) {
			if got := runCase(t, newState(t), tc.code); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

// concatCases: `..` on numbers, bad operands, metamethods.
var concatCases = []observedCase{
	{"return 1 .. 2, (0.1+0.2) .. \"\", 1e15 .. \"\", -0.0 .. \"\", (0/0) .. \"\", 1/0 .. \"\", 2^53 .. \"\"",
		"true 12 0.3 1e+15 -0 nan inf 9.007199254741e+15"},
	{"local x; return \"a\" .. x",
		"false t:1: attempt to concatenate local 'x' (a nil value)"},
	{"return \"a\" .. gx",
		"false t:1: attempt to concatenate global 'gx' (a nil value)"},
	{"local t = {}; return \"a\" .. t.k",
		"false t:1: attempt to concatenate field 'k' (a nil value)"},
	{"local t = {k = {}}; return t.k .. \"a\"",
		"false t:1: attempt to concatenate field 'k' (a table value)"},
	{"local u; return (function() return \"a\" .. u end)()",
		"false t:1: attempt to concatenate upvalue 'u' (a nil value)"},
	{"local function f(...) return \"a\" .. ... end return f()",
		"false t:1: attempt to concatenate a nil value"},
	{"return \"a\" .. (function() end)()",
		"false t:1: attempt to concatenate a nil value"},
	{"local t = setmetatable({}, {__concat = function(a, b) return \"M\" end}) return \"a\" .. t .. \"b\", \"a\" .. \"b\" .. t, (t .. \"x\") .. \"y\"",
		"true aM aM My"},
	{"local o = {} function o:m(p) return p .. self end return o:m(\"x\")",
		"false t:1: attempt to concatenate local 'self' (a table value)"},
	{"for i = 1, 2 do local s = i .. \"\" if i == 2 then return s .. nil end end",
		"false t:1: attempt to concatenate a nil value"},
	{"local a = \"x\" local a = a .. a return a",
		"true xx"},
	{"repeat local r = \"z\" until (\"q\" .. r) == \"qz\" return \"ok\"",
		"true ok"},
	{"return (\"x\"):rep(3) .. 1, #(\"a\" .. \"bc\") .. \"\"",
		"true xxx1 3"},
	{"local t = {\"a\" .. 1, k = \"b\" .. 2} return t[1] .. t.k",
		"true a1b2"},
	{"return \"a\" .. {}",
		"false t:1: attempt to concatenate a table value"},
	{"return select('#', \"a\" .. \"b\")",
		"true 1"},
	{"local a, b = 1, 2 local function g() return a .. b .. c end return g()",
		"false t:1: attempt to concatenate global 'c' (a nil value)"},
	{"local s = \"\" for i = 1, 3 do s = s .. i .. \",\" end return s",
		"true 1,2,3,"},
}

func TestConcatAgainstLuaJIT(t *testing.T) { checkObserved(t, concatCases) }

// TestConcatLongChain joins more operands than a register window of
// gopher-lua's own operator would hold comfortably, with numbers and
// strings mixed, and checks the result is built as one string.
func TestConcatLongChain(t *testing.T) {
	L := newState(t)
	parts := make([]string, 150)
	want := ""
	for i := range parts {
		if i%2 == 0 {
			parts[i] = "'s'"
			want += "s"
		} else {
			parts[i] = "0.5"
			want += "0.5"
		}
	}
	got := runCase(t, L, "return "+strings.Join(parts, " .. "))
	if got != "true "+want {
		t.Errorf("got %q", got)
	}
}

// TestConcatMarkerInSource: a string in the source that looks like a site
// marker stays a string.
func TestConcatMarkerInSource(t *testing.T) {
	L := newState(t)
	fake := lua.LString(concatMark + "0")
	L.SetGlobal("fake", fake)
	p, err := Compile([]byte(`local s = "a" .. "b" return s, fake == ...`), "=t")
	if err != nil {
		t.Fatal(err)
	}
	L.Push(L.NewFunctionFromProto(p))
	L.Push(fake)
	L.Call(1, 2)
	if got := L.Get(-2).String() + " " + L.Get(-1).String(); got != "ab true" {
		t.Errorf("got %q", got)
	}
	for _, k := range p.Constants {
		if s, ok := k.(lua.LString); ok && strings.HasPrefix(string(s), concatMark) {
			t.Errorf("marker constant %q left in the prototype", s)
		}
	}
}

// TestConcatFrameHidden: the site function is recognised (tracebacks skip
// it), other Go functions are not.
func TestConcatFrameHidden(t *testing.T) {
	L := newState(t)
	p, err := Compile([]byte(`return function(a) return a .. "x" end`), "=t")
	if err != nil {
		t.Fatal(err)
	}
	var site *lua.LFunction
	var walk func(*lua.FunctionProto)
	walk = func(p *lua.FunctionProto) {
		for _, k := range p.Constants {
			if f, ok := k.(*lua.LFunction); ok {
				site = f
			}
		}
		for _, c := range p.FunctionPrototypes {
			walk(c)
		}
	}
	walk(p)
	if !IsConcat(site) {
		t.Fatal("no site function in the compiled chunk")
	}
	if IsConcat(L.NewFunction(func(*lua.LState) int { return 0 })) || IsConcat(nil) {
		t.Error("IsConcat is true for another function")
	}
}

// BenchmarkConcat compares a `..` site with gopher-lua's own operator on
// the W3 body loop (numbers and strings) and on strings only.
func BenchmarkConcat(b *testing.B) {
	const w3 = `local parts = {}
for i = 1, 40 do parts[#parts + 1] = '{"id":' .. i .. ',"v":"xxxxxxxxxx"},' end
return table.concat(parts)`
	const strs = `local a, b, c = "abc", "defgh", "ij" local s
for i = 1, 40 do s = a .. b .. c end
return s`
	for _, bc := range []struct{ name, src string }{{"w3", w3}, {"strings", strs}} {
		for _, own := range []bool{true, false} {
			name := bc.name + "/goresty"
			if !own {
				name = bc.name + "/gopher-lua"
			}
			b.Run(name, func(b *testing.B) {
				L := newState(b)
				var fn *lua.LFunction
				if own {
					p, err := Compile([]byte(bc.src), "=b")
					if err != nil {
						b.Fatal(err)
					}
					fn = L.NewFunctionFromProto(p)
				} else {
					var err error
					if fn, err = L.LoadString(bc.src); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					L.Push(fn)
					L.Call(0, 1)
					L.Pop(1)
				}
			})
		}
	}
}
