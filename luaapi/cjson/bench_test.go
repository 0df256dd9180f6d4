package cjson

import (
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// benchDoc is a ~1 KB JSON object of the usual API-response shape.
const benchDoc = `{"id":123456,"name":"goresty benchmark document","active":true,"score":98.6,` +
	`"tags":["alpha","beta","gamma","delta","epsilon"],"owner":{"id":42,"login":"octo",` +
	`"url":"https://example.com/users/octo","admin":false,"email":null},` +
	`"items":[{"sku":"A-1","qty":2,"price":9.99},{"sku":"B-22","qty":1,"price":24.5},` +
	`{"sku":"C-333","qty":10,"price":0.35},{"sku":"D-4444","qty":3,"price":120}],` +
	`"description":"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor ` +
	`incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation.",` +
	`"meta":{"created":"2024-01-02T03:04:05Z","updated":"2024-06-07T08:09:10Z","version":7,` +
	`"flags":[true,false,true],"ratio":0.3333333333333333,"path":"/a/b/c","unicode":"caf\u00e9 \u20ac"},` +
	`"matrix":[[1,2,3],[4,5,6],[7,8,9]],"empty_obj":{},"count":-17,"big":12345678901234}`

func benchSetup(b *testing.B) (*lua.LState, *lua.LTable) {
	b.Helper()
	L := lua.NewState()
	b.Cleanup(L.Close)
	Preload(L, L.NewUserData())
	if err := L.DoString(`return require("cjson")`); err != nil {
		b.Fatal(err)
	}
	return L, L.Get(-1).(*lua.LTable)
}

func BenchmarkEncode1K(b *testing.B) {
	L, m := benchSetup(b)
	fn := m.RawGetString("encode")
	if err := L.CallByParam(lua.P{Fn: m.RawGetString("decode"), NRet: 1, Protect: true}, lua.LString(benchDoc)); err != nil {
		b.Fatal(err)
	}
	doc := L.Get(-1)
	L.Pop(1)
	b.SetBytes(int64(len(benchDoc)))
	b.ReportAllocs()
	for b.Loop() {
		if err := L.CallByParam(lua.P{Fn: fn, NRet: 1, Protect: true}, doc); err != nil {
			b.Fatal(err)
		}
		L.Pop(1)
	}
}

func BenchmarkDecode1K(b *testing.B) {
	L, m := benchSetup(b)
	fn := m.RawGetString("decode")
	s := lua.LString(benchDoc)
	b.SetBytes(int64(len(benchDoc)))
	b.ReportAllocs()
	for b.Loop() {
		if err := L.CallByParam(lua.P{Fn: fn, NRet: 1, Protect: true}, s); err != nil {
			b.Fatal(err)
		}
		L.Pop(1)
	}
}
