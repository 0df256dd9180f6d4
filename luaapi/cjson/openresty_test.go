package cjson

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// TestOpenRestyAdditions covers what OpenResty's fork adds to lua-cjson and
// Debian's upstream build cannot show; expectations follow the fork's README
// and source (openresty/lua-cjson).
func TestOpenRestyAdditions(t *testing.T) {
	tests := []struct {
		name, code, want string
	}{
		{"empty_array", `return cjson.encode({a = cjson.empty_array}) .. cjson.encode(cjson.empty_array)`, `{"a":[]}[]`},
		{"empty_array_type", `return type(cjson.empty_array)`, "userdata"},
		{"empty_table_as_array", `return tostring(cjson.encode_empty_table_as_object(false)) .. cjson.encode({}) .. cjson.encode({a = {}})`, `false[]{"a":[]}`},
		{"empty_table_on", `cjson.encode_empty_table_as_object("off") return tostring(cjson.encode_empty_table_as_object("on")) .. cjson.encode({})`, `true{}`},
		{"empty_table_get", `return tostring(cjson.encode_empty_table_as_object())`, "true"},
		{"array_mt", `return cjson.encode(setmetatable({"hello", "world"}, cjson.array_mt))`, `["hello","world"]`},
		{"array_mt_holes", `local t = {} t[1] = "one" t[2] = "two" t[4] = "three" t.foo = "bar"
			return cjson.encode(setmetatable(t, cjson.array_mt))`, `["one","two",null,"three"]`},
		{"array_mt_empty", `return cjson.encode(setmetatable({}, cjson.array_mt)) .. cjson.encode(setmetatable({foo = 1}, cjson.array_mt))`, `[][]`},
		{"empty_array_mt", `return cjson.encode({some_array = setmetatable({}, cjson.empty_array_mt)})`, `{"some_array":[]}`},
		{"empty_array_mt_nonempty", `return cjson.encode(setmetatable({1, 2}, cjson.empty_array_mt)) .. cjson.encode(setmetatable({a = 1}, cjson.empty_array_mt))`, `[1,2]{"a":1}`},
		{"decode_array_mt_off", `return cjson.encode(cjson.decode('{"my_array":[]}'))`, `{"my_array":{}}`},
		{"decode_array_mt_on", `local on = cjson.decode_array_with_array_mt(true)
			local t = cjson.decode('{"my_array":[],"o":{}}')
			return tostring(on) .. cjson.encode(t.my_array) .. tostring(getmetatable(t.my_array) == cjson.array_mt) .. tostring(getmetatable(t) == nil)`, `true[]truetrue`},
		{"decode_json_null_off", `local off = cjson.decode_json_null(false) local a = cjson.decode('[1,null,3]') local o = cjson.decode('{"a":null,"b":1}')
			return tostring(off) .. a[1] .. tostring(a[2]) .. a[3] .. tostring(o.a) .. o.b`, `false1nil3nil1`},
		{"decode_json_null_get", `return tostring(cjson.decode_json_null())`, "true"},
		{"escape_slash_off", `local v = cjson.encode_escape_forward_slash(false) return tostring(v) .. cjson.encode({["a/b"] = "c/d"})`, `false{"a/b":"c/d"}`},
		{"escape_slash_on", `cjson.encode_escape_forward_slash(false) return tostring(cjson.encode_escape_forward_slash("on")) .. cjson.encode("a/b")`, `true"a\/b"`},
		{"precision_16", `cjson.encode_number_precision(16) return cjson.encode(2^53) .. " " .. cjson.encode(1/3) .. " " .. cjson.encode(0.1)`, `9007199254740992 0.3333333333333333 0.1`},
		{"precision_15", `cjson.encode_number_precision(15) return cjson.encode(0.1 + 0.2)`, `0.3`},
		{"precision_17", `local ok, err = pcall(cjson.encode_number_precision, 17) return err`, `bad argument #1 to '?' (expected integer between 1 and 16)`},
		{"version", `return cjson._NAME .. " " .. cjson._VERSION`, "cjson " + Version},
		{"null_is_sentinel", `return tostring(cjson.null == ngx_null) .. tostring(cjson.decode("null") == ngx_null) .. cjson.encode({ngx_null})`, `truetrue[null]`},
		{"shared_sentinels", `local s = require("cjson.safe") local n = cjson.new()
			return tostring(s.array_mt == cjson.array_mt and n.empty_array_mt == cjson.empty_array_mt and n.empty_array == s.empty_array)`, "true"},
		{"new_settings_default", `cjson.encode_empty_table_as_object(false) return cjson.new().encode({})`, `{}`},
		{"safe_new_is_safe", `local s = require("cjson.safe").new().new() local v, err = s.decode("[") return tostring(v) .. " " .. err`, `nil Expected value but found T_END at character 2`},
		{"keep_buffer_after_error", `pcall(cjson.encode, {1, print}) return cjson.encode({2})`, `[2]`},
		{"keep_buffer_off", `cjson.encode_keep_buffer(false) return cjson.encode({"x"}) .. cjson.encode({"y"})`, `["x"]["y"]`},
		{"insertion_order", `local t = {} t.z = 1 t.a = 2 t.m = 3 return cjson.encode(t)`, `{"z":1,"a":2,"m":3}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			L, null := newState(t)
			L.SetGlobal("ngx_null", null)
			if err := L.DoString(`cjson = require("cjson").new()`); err != nil {
				t.Fatal(err)
			}
			if err := L.DoString(tt.code); err != nil {
				t.Fatal(err)
			}
			if got := L.Get(-1).String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNotSupported(t *testing.T) {
	for _, name := range []string{"encode_skip_unsupported_value_types", "encode_indent"} {
		t.Run(name, func(t *testing.T) {
			L, _ := newState(t)
			err := L.DoString(`require("cjson").` + name + `(true)`)
			if err == nil || !strings.Contains(err.Error(), "cjson."+name+" is not supported by goresty") {
				t.Errorf("got %v, want a not supported error", err)
			}
		})
	}
}

// TestStatesIndependent checks two VMs do not share settings or sentinels.
func TestStatesIndependent(t *testing.T) {
	L1, _ := newState(t)
	L2, _ := newState(t)
	if err := L1.DoString(`require("cjson").encode_max_depth(7)`); err != nil {
		t.Fatal(err)
	}
	if err := L2.DoString(`return require("cjson").encode_max_depth()`); err != nil {
		t.Fatal(err)
	}
	if got := L2.Get(-1); got != lua.LNumber(1000) {
		t.Errorf("other VM's encode_max_depth = %v, want 1000", got)
	}
}
