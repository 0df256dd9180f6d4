package stdlib

import (
	"fmt"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// TestEntryMarkKeepsBehaviour compiles chunks with and without the entry
// mark: the marked one starts with the mark and runs the hook, and both
// give the same results and the same error messages, which read local and
// function names from the debug information the mark shifts.
func TestEntryMarkKeepsBehaviour(t *testing.T) {
	codes := []string{
		`local a = {} local b = a.cfg return b.port`,
		"local t = {}\nlocal function f() return t.x.y end\nreturn f()",
		`local n = 0 for i = 1, 10 do if i % 3 == 0 then n = n + i end end return n`,
		`local s = "" for _, v in ipairs({"a", "b"}) do s = s .. v .. "-" end return s`,
		"local x\nwhile true do\n x = (x or 0) + 1\n if x > 4 then break end\nend\nreturn x, ...",
		`local up = 1 local function g() up = up + 1 return up end g() return g()`,
		`local cfg = nil return cfg:get()`,
	}
	hooked := 0
	EntryHook = func(*lua.LState) { hooked++ }
	defer func() { EntryHook = nil }()
	for _, code := range codes {
		run := func(p *lua.FunctionProto) string {
			res, msg := runTranslated(t, p, lua.LString("arg"))
			return fmt.Sprint(res, msg)
		}
		plain, err := Compile([]byte(code), "=t")
		if err != nil {
			t.Fatal(err)
		}
		marked, err := CompileEntry([]byte(code), "=t")
		if err != nil {
			t.Fatal(err)
		}
		if IsEntry(plain) || !IsEntry(marked) || len(marked.Code) != len(plain.Code)+1 {
			t.Fatalf("%q: entry marks %v %v, %d and %d instructions", code, IsEntry(plain), IsEntry(marked), len(plain.Code), len(marked.Code))
		}
		before := hooked
		want, got := run(plain), run(marked)
		if got != want {
			t.Errorf("%q: marked %q, plain %q", code, got, want)
		}
		if hooked != before+1 {
			t.Errorf("%q: the hook ran %d times, want once", code, hooked-before)
		}
		t.Logf("%q: %s", code, got)
	}
}
