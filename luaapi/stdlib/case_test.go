package stdlib

import (
	"strings"
	"testing"
)

// caseCases were observed on LuaJIT 2.1 with the harness of stdlib_test.go:
// upper and lower touch ASCII letters only; "%%f" and "[%f]" are not
// frontier items.
var caseCases = []observedCase{
	{"return string.upper(\"héllo wörld\"), string.lower(\"ÀBÇ\"), (\"MiXeD\\0\\255\"):lower() == \"mixed\\0\\255\"",
		"true HéLLO WöRLD ÀbÇ true"},
	{"return string.gsub(\"100%f\", \"%%f\", \"F\"), string.find(\"af\", \"[%f]\")",
		"true 100F 2 2"},
}

func TestCaseAgainstLuaJIT(t *testing.T) { checkObserved(t, caseCases) }

// TestFrontierRefused: a %f item, which gopher-lua's matcher would read as
// something else, is refused by every pattern function with a clear error.
func TestFrontierRefused(t *testing.T) {
	for _, fn := range []string{"find", "match", "gmatch", "gsub"} {
		got := runCase(t, newState(t), `local r = string.`+fn+`("THE (quick) fox", "%f[%a]%a+", "W") return r`)
		want := "false t:1: bad argument #2 to '" + fn + "' (the %f frontier pattern is not supported by goresty)"
		if got != want {
			t.Errorf("%s: got %q, want %q", fn, got, want)
		}
	}
	for p, want := range map[string]bool{"%f[%a]": true, "x%f[%s]": true, "%%f": false, "[%f]": false, "[]%f]": false, "[^]]%f[a]": true, "%": false} {
		if got := hasFrontier(p); got != want {
			t.Errorf("hasFrontier(%q) = %v, want %v", p, got, want)
		}
	}
	if s := runCase(t, newState(t), `return ("%f"):rep(2)`); !strings.HasPrefix(s, "true %f%f") {
		t.Errorf("a %%f in a subject is just text: %q", s)
	}
}
