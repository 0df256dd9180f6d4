package nginxconf

import "testing"

// luaCases are http blocks holding one Lua block directive, with the raw
// body nginx hands to Lua and what follows it.
var luaCases = []struct {
	name string
	src  string
	want string
}{
	{"empty", "http { init_by_lua_block {} }", `http { init_by_lua_block lua"" }`},
	{"brace in double quotes", `http { init_by_lua_block { s = "}\"}" } }`,
		`http { init_by_lua_block lua" s = \"}\\\"}\" " }`},
	{"brace in single quotes", `http { init_by_lua_block { s = '}\'}' } }`,
		`http { init_by_lua_block lua" s = '}\\'}' " }`},
	{"escaped backslash ends string", `http { init_by_lua_block { s = "\\" } }`,
		`http { init_by_lua_block lua" s = \"\\\\\" " }`},
	{"nested tables", "http { init_by_lua_block { t = {a = {}, b = {{}}} } }",
		`http { init_by_lua_block lua" t = {a = {}, b = {{}}} " }`},
	{"long string", "http { init_by_lua_block { s = [[ } { ]] } }",
		`http { init_by_lua_block lua" s = [[ } { ]] " }`},
	{"long string with level", "http { init_by_lua_block { s = [==[ ]] ]=] } ]==] } }",
		`http { init_by_lua_block lua" s = [==[ ]] ]=] } ]==] " }`},
	{"quotes inside long string", "http { init_by_lua_block { s = [[ \" ' ]] } }",
		`http { init_by_lua_block lua" s = [[ \" ' ]] " }`},
	{"long bracket inside string", `http { init_by_lua_block { s = "[[" } }`,
		`http { init_by_lua_block lua" s = \"[[\" " }`},
	{"line comment", "http { init_by_lua_block { -- } don't\n} }",
		`http { init_by_lua_block lua" -- } don't\n" }`},
	{"long comment", "http { init_by_lua_block { --[[ }\n ]] --[=[ ]] } ]=] } }",
		`http { init_by_lua_block lua" --[[ }\n ]] --[=[ ]] } ]=] " }`},
	{"broken long comment opener is a line comment", "http { init_by_lua_block { --[=x }\n} }",
		`http { init_by_lua_block lua" --[=x }\n" }`},
	{"spaced long bracket is no bracket", "http { init_by_lua_block { x = [ [ } }",
		`http { init_by_lua_block lua" x = [ [ " }`},
	{"length operator is not a comment", "http { init_by_lua_block { n = #t } }",
		`http { init_by_lua_block lua" n = #t " }`},
	{"minus is not a comment", "http { init_by_lua_block { n = 1 - -1 } }",
		`http { init_by_lua_block lua" n = 1 - -1 " }`},
	{"quote unclosed on its line is a plain byte", "http { init_by_lua_block { s = \"abc\n } }",
		`http { init_by_lua_block lua" s = \"abc\n " }`},
	{"args before the block", "http { server { location / { set_by_lua_block $res { return 1 } } } }",
		`http { server { location "/" { set_by_lua_block "$res" lua" return 1 " } } }`},
	{"directives after the block on its line", "http { init_by_lua_block { } init_worker_by_lua_block {x()} }",
		`http { init_by_lua_block lua" " init_worker_by_lua_block lua"x()" }`},
	{"block on the next line", "http { init_by_lua_block\n# {\n{ x() } }",
		`http { init_by_lua_block lua" x() " }`},
}

func TestLuaBlocks(t *testing.T) {
	for _, tc := range luaCases {
		t.Run(tc.name, func(t *testing.T) {
			ds, err := ParseBytes("/c/nginx.conf", []byte(tc.src), "/c/")
			if err != nil {
				t.Fatalf("ParseBytes(%q): %v", tc.src, err)
			}
			if got := dump(ds); got != tc.want {
				t.Errorf("ParseBytes(%q)\n got %s\nwant %s", tc.src, got, tc.want)
			}
		})
	}
}

func TestLuaLines(t *testing.T) {
	src := "http {\n" + // 1
		"  init_by_lua_block {\n" + // 2
		"    s = [[\n" + // 3
		"    ]] --[[\n" + // 4
		"    ]] t = {\n" + // 5
		"    }\n" + // 6
		"  }\n" + // 7
		"  x 1;\n" + // 8
		"}\n"
	ds, err := ParseBytes("/c/nginx.conf", []byte(src), "/c/")
	if err != nil {
		t.Fatal(err)
	}
	lua, x := ds[0].Block[0], ds[0].Block[1]
	if lua.LuaLine != 2 || lua.Line != 2 {
		t.Errorf("lua block Line %d LuaLine %d, want 2 2", lua.Line, lua.LuaLine)
	}
	if x.Line != 8 {
		t.Errorf("directive after a multi-line Lua block at line %d, want 8", x.Line)
	}
}
