package re

import (
	"os"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// newState returns a VM with ngx.say writing to out and ngx.re registered.
func newState(t testing.TB, cfg Config, out *strings.Builder, logs *[]string) *lua.LState {
	t.Helper()
	L := lua.NewState()
	t.Cleanup(L.Close)
	ngx := L.NewTable()
	ngx.RawSetString("say", L.NewFunction(func(L *lua.LState) int {
		for i := 1; i <= L.GetTop(); i++ {
			out.WriteString(L.ToStringMeta(L.Get(i)).String())
		}
		out.WriteString("\n")
		return 0
	}))
	L.SetGlobal("ngx", ngx)
	if logs != nil {
		cfg.LogError = func(msg string) { *logs = append(*logs, msg) }
	}
	Register(L, ngx, cfg)
	return L
}

// TestProbe runs testdata/probe.lua and compares with real nginx's output.
func TestProbe(t *testing.T) {
	want, err := os.ReadFile("testdata/probe.expected")
	if err != nil {
		t.Fatal(err)
	}
	wantLog, err := os.ReadFile("testdata/probe.errorlog")
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	var logs []string
	cfg := DefaultConfig()
	cfg.MatchLimit = 100000
	L := newState(t, cfg, &out, &logs)
	if err := L.DoFile("testdata/probe.lua"); err != nil {
		t.Fatal(err)
	}
	got := strings.Split(out.String(), "\n")
	exp := strings.Split(string(want), "\n")
	for i := 0; i < len(exp) || i < len(got); i++ {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(exp) {
			w = exp[i]
		}
		label, _, _ := strings.Cut(w, " ")
		t.Run(label, func(t *testing.T) {
			if g != w {
				t.Errorf("line %d\n got: %s\nwant: %s", i+1, g, w)
			}
		})
	}
	if g, w := strings.Join(logs, "\n")+"\n", string(wantLog); g != w {
		t.Errorf("error log\n got: %s\nwant: %s", g, w)
	}
}

func TestCacheConfig(t *testing.T) {
	tests := []struct {
		name string
		max  int
		code string
		want string
	}{
		{"cache disabled still matches", 0, `ngx.say(ngx.re.match("a1", "a(1)", "o")[1])`, "1\n"},
		{"full cache still matches", 1, `for i = 1, 3 do ngx.say(ngx.re.match("a"..i, "a"..i, "jo")[0]) end`, "a1\na2\na3\n"},
		{"opt unsupported", 10, `ngx.say(pcall(require("ngx.re").opt, "jit_stack_size", 1))`,
			"false" + `<string>:1: ngx.re.opt("jit_stack_size") is not supported by goresty` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			L := newState(t, Config{CacheMaxEntries: tt.max}, &out, nil)
			if err := L.DoString(tt.code); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Errorf("got %q, want %q", out.String(), tt.want)
			}
		})
	}
}

// BenchmarkMatchJO is ngx.re.match(uri, [[^/api/v(\d+)/users/(\d+)$]], "jo")
// through the Lua binding, with the cached compile.
func BenchmarkMatchJO(b *testing.B) {
	var out strings.Builder
	L := newState(b, DefaultConfig(), &out, nil)
	if err := L.DoString(`
		local match = ngx.re.match
		function bench(n)
			local uri = "/api/v1/users/12345"
			for i = 1, n do
				local m = match(uri, [[^/api/v(\d+)/users/(\d+)$]], "jo")
				if not m then error("no match") end
			end
		end`); err != nil {
		b.Fatal(err)
	}
	fn := L.GetGlobal("bench")
	b.ReportAllocs()
	b.ResetTimer()
	if err := L.CallByParam(lua.P{Fn: fn}, lua.LNumber(b.N)); err != nil {
		b.Fatal(err)
	}
}

// TestNginxEdges checks results observed on nginx + lua-resty-core 0.1.25
// (testdata/cases/lua/re.txt has them all, run on both servers).
func TestNginxEdges(t *testing.T) {
	tests := []struct{ name, code, want string }{
		{"split inserts the first capture only", `local t = require("ngx.re").split("a1b22c", "(\\d)(\\d)?") ngx.say(table.concat(t, "|"))`, "a|1|b|2|c\n"},
		{"split keeps fields from the last empty match", `local t = require("ngx.re").split("a b  c", " *") ngx.say(table.concat(t, "|"))`, "a|a |b|b  |c\n"},
		{"split leaves ctx.pos at the stop offset", `local c = {pos = 3} require("ngx.re").split("a,b,c", ",", nil, c) ngx.say(c.pos)`, "4\n"},
		{"split clears one slot of a reused res", `local t = require("ngx.re").split("a,b", ",", nil, nil, nil, {1, 2, 3, 4}) ngx.say(t[2], t[3], t[4])`, "bnil4\n"},
		{"split with a fractional max", `ngx.say(#require("ngx.re").split("a,b,c", ",", nil, nil, 2.5))`, "3\n"},
		{"find with a negative nth", `ngx.say(ngx.re.find("x12", "(\\d)(\\d)", "", nil, -1))`, "23\n"},
		{"find with a fractional nth", `ngx.say(ngx.re.find("x12", "(\\d)(\\d)", "", nil, 1.5))`, "32\n"},
		{"pos past the end", `ngx.say(ngx.re.match("ab", "b", "", {pos = 4}))`, "nilpcre_exec() failed: -24\n"},
		{"pos at the end", `ngx.say(ngx.re.match("ab", "$", "", {pos = 3})[0] == "")`, "true\n"},
		{"number subject", `ngx.say(ngx.re.sub(2^53, "e", "E"))`, "9.007199254741E+151\n"},
		{"replacement function without result", `local ok, err = pcall(ngx.re.gsub, "a", "a", function() end) ngx.say(ok, (err:gsub("^.-:%d+: ", "")))`,
			"falsebad argument #1 to 'tostring' (value expected)\n"},
		{"empty opts table", `ngx.say(ngx.re.match("A", "A", {})[0])`, "A\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			L := newState(t, DefaultConfig(), &out, nil)
			if err := L.DoString(tt.code); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Errorf("got %q, want %q", out.String(), tt.want)
			}
		})
	}
}
