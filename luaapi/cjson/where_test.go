package cjson

import (
	"strings"
	"testing"
)

// TestCallSite checks the names and positions argument errors get from
// their call site, as LuaJIT reports them (the rules were observed on
// nginx + lua: see the pos_* cases of testdata/cases.lua).
func TestCallSite(t *testing.T) {
	tests := []struct {
		name, code, want string
	}{
		{"plain", `local v = cjson.decode(nil) return v`, "x:1: bad argument #1 to 'decode' (string expected, got nil)"},
		{"after method", `local n = cjson:new() local v = n.decode(nil) return v`, "x:1: bad argument #1 to 'decode' (string expected, got nil)"},
		{"after compare", `local a = 1 == 2 local b = a == true local v = cjson.decode(nil) return v`, "x:1: bad argument #1 to 'decode' (string expected, got nil)"},
		{"method in args", `local v = cjson.decode(cjson:new()) return v`, "x:1: bad argument #1 to 'decode' (string expected, got table)"},
		{"method", `local v = cjson:decode() return v`, "x:1: calling 'decode' on bad self (string expected, got table)"},
		{"method arg 2", `local v = cjson:encode_sparse_array(true, "x") return v`, "x:1: calling 'encode_sparse_array' on bad self (string expected, got table)"},
		{"method with args", `local v = cjson:decode(1 == 2 and "a" or "b") return v`, "x:1: calling 'decode' on bad self (expected 1 argument)"},
		{"tail", `return cjson.decode(nil)`, "bad argument #1 to '?' (string expected, got nil)"},
		{"tail through local", "local function f(s)\nreturn cjson.decode(s)\nend\nlocal v = f(nil) return v", "x:4: bad argument #1 to 'f' (string expected, got nil)"},
		{"error position", "\nlocal v = cjson.decode('[')\nreturn v", "x:2: Expected value but found T_END at character 2"},
		{"error tail", "return cjson.decode('[')", "Expected value but found T_END at character 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			L, _ := newState(t)
			if err := L.DoString(`cjson = require("cjson")`); err != nil {
				t.Fatal(err)
			}
			fn, err := L.Load(strings.NewReader(tt.code), "x")
			if err != nil {
				t.Fatal(err)
			}
			L.Push(L.GetGlobal("pcall"))
			L.Push(fn)
			L.Call(1, 2)
			if ok := L.Get(-2); ok.String() != "false" {
				t.Fatalf("no error: %v", L.Get(-1))
			}
			if got := L.Get(-1).String(); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}
