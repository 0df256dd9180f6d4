package shared

import (
	"strings"
	"testing"
)

// benchLua runs src once per iteration in a VM with the test zones.
func benchLua(b *testing.B, src string) {
	var out strings.Builder
	L := newTestVM(&testing.T{}, &out)
	defer L.Close()
	fn, err := L.LoadString(src)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		L.Push(fn)
		L.Call(0, 0)
	}
}

func BenchmarkLuaSetGet(b *testing.B) {
	benchLua(b, `local d = ngx.shared.dogs
for i = 1, 100 do d:set("key", "value") local v = d:get("key") end`)
}

// BenchmarkLuaIncr is W2's operation through Lua, 100 times.
func BenchmarkLuaIncr(b *testing.B) {
	benchLua(b, `for i = 1, 100 do local n = ngx.shared.dogs:incr("k", 1, 0) end`)
}
