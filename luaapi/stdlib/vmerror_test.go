package stdlib

import (
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// vmError runs code with a Panic handler that translates, as goresty's
// coroutines do, and returns the error message.
func vmError(t *testing.T, code string) string {
	t.Helper()
	p, err := Compile([]byte(code), "=t")
	if err != nil {
		t.Fatal(err)
	}
	_, msg := runTranslated(t, p)
	return msg
}

// runTranslated calls p with args in a fresh state whose Panic handler
// translates VM errors as goresty's coroutines do; it returns the results
// (as strings) or the error message.
func runTranslated(t *testing.T, p *lua.FunctionProto, args ...lua.LValue) (results []string, msg string) {
	L := newState(t)
	L.Panic = func(L *lua.LState) {
		TranslateVMError(L)
		msg = L.Get(-1).String()
		panic(&lua.ApiError{Type: lua.ApiErrorRun, Object: L.Get(-1)})
	}
	func() {
		defer func() { recover() }()
		L.Push(L.NewFunctionFromProto(p))
		for _, a := range args {
			L.Push(a)
		}
		L.Call(len(args), lua.MultRet)
		for i := 1; i <= L.GetTop(); i++ {
			results = append(results, L.Get(i).String())
		}
	}()
	return results, msg
}

// TestTranslateVMError covers what the conformance cases (checked on nginx)
// do not: the reflection on gopher-lua's call frame works with the version
// in go.mod (a layout change fails here, not silently), registers named
// through MOVE and across straight-line code, and values left alone.
func TestTranslateVMError(t *testing.T) {
	for _, tc := range []struct{ code, want string }{
		{`local a = {} local b = a.cfg return b.port`, "t:1: attempt to index local 'b' (a nil value)"},
		{`local t = {} t.x.y = 1`, "t:1: attempt to index field 'x' (a nil value)"},
		{`local t = {} return t.a + t.b`, "t:1: attempt to perform arithmetic on field 'a' (a nil value)"},
		{`local t = {a = 1} return t.a + t.b`, "t:1: attempt to perform arithmetic on field 'b' (a nil value)"},
		{`local n = "x" return n * 2`, "t:1: attempt to perform arithmetic on local 'n' (a string value)"},
		{"local t = {}\nlocal f = t.f\nf()", "t:3: attempt to call local 'f' (a nil value)"},
		{`local t = {} local k = "x" return t[k].y`, "t:1: attempt to index a nil value"},
		{`local t = {} return (t.a or t.b).c`, "t:1: attempt to index a nil value"},
		{`error("attempt to call a non-function object")`, "t:1: attempt to call a non-function object"},
		{`error({})`, "table"},
	} {
		got := vmError(t, tc.code)
		if tc.want == "table" {
			if len(got) < 6 || got[:6] != "table:" {
				t.Errorf("%s: got %q, want the table left alone", tc.code, got)
			}
			continue
		}
		if got != tc.want {
			t.Errorf("%s:\n got  %q\n want %q", tc.code, got, tc.want)
		}
	}
}

func TestCurrentFrameLayout(t *testing.T) {
	L := newState(t)
	var ok bool
	var fn *lua.LFunction
	L.SetGlobal("probe", L.NewFunction(func(L *lua.LState) int {
		fn, _, ok = currentFrame(L)
		return 0
	}))
	if err := L.DoString(`probe()`); err != nil {
		t.Fatal(err)
	}
	if !ok || fn == nil || !fn.IsG {
		t.Fatalf("currentFrame: ok %v, fn %v: gopher-lua's call frame layout changed", ok, fn)
	}
}
