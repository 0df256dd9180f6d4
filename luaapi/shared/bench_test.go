package shared

import (
	"strings"
	"testing"
)

func BenchmarkLuaSetGet(b *testing.B) {
	var out strings.Builder
	L := newTestVM(&testing.T{}, &out)
	defer L.Close()
	fn, err := L.LoadString(`local d = ngx.shared.dogs
for i = 1, 100 do d:set("key", "value") local v = d:get("key") end`)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		L.Push(fn)
		L.Call(0, 0)
	}
}

func BenchmarkLuaIncr(b *testing.B) {
	var out strings.Builder
	L := newTestVM(&testing.T{}, &out)
	defer L.Close()
	fn, err := L.LoadString(`for i = 1, 100 do local n = ngx.shared.dogs:incr("k", 1, 0) end`)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		L.Push(fn)
		L.Call(0, 0)
	}
}
