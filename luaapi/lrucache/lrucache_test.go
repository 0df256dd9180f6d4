package lrucache

import (
	"os"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// TestCases runs testdata/cases.lua (both modules) and compares with the
// output observed on nginx + lua-resty-lrucache.
func TestCases(t *testing.T) {
	prelude, err := os.ReadFile("testdata/prelude.lua")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("testdata/cases.lua")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/cases.out")
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	L := lua.NewState()
	defer L.Close()
	now := time.Unix(1700000000, 0)
	PreloadClock(L, func() time.Time { return now })
	ngx := L.NewTable()
	ngx.RawSetString("say", L.NewFunction(func(L *lua.LState) int {
		out.WriteString(L.ToStringMeta(L.Get(1)).String() + "\n")
		return 0
	}))
	ngx.RawSetString("sleep", L.NewFunction(func(L *lua.LState) int {
		now = now.Add(time.Duration(float64(L.CheckNumber(1)) * float64(time.Second)))
		return 0
	}))
	L.SetGlobal("ngx", ngx)
	if err := L.DoString(string(prelude) + string(src)); err != nil {
		t.Fatalf("lua: %v\n%s", err, out.String())
	}
	got, wantLines := strings.Split(out.String(), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(got), len(wantLines)) {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(wantLines) {
			w = wantLines[i]
		}
		if g != w {
			t.Errorf("line %d:\n got: %s\nwant: %s", i+1, g, w)
		}
	}
}

func BenchmarkGetSet(b *testing.B) {
	L := lua.NewState()
	defer L.Close()
	Preload(L)
	if err := L.DoString(`c = require("resty.lrucache").new(1000)`); err != nil {
		b.Fatal(err)
	}
	fn, err := L.LoadString(`for i = 1, 100 do c:set(i, i) local v = c:get(i) end`)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		L.Push(fn)
		L.Call(0, 0)
	}
}
