package nginxconf

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// parseCases are configurations nginx accepts, with their dump.
var parseCases = []struct {
	name string
	src  string
	want string
}{
	{"empty", "", ""},
	{"only comments", "# a { ; }\n  # b\n", ""},
	{"simple", "worker_processes 1;", `worker_processes "1";`},
	{"several per line", "a 1; b 2;c;", `a "1"; b "2"; c;`},
	{"block", "http { server { listen 80; } }", `http { server { listen "80"; } }`},
	{"empty block", "events {}", `events { }`},
	{"block without space", "events{}a;", `events { } a;`},
	{"comment after directive", "a 1; # x ; {\nb;", `a "1"; b;`},
	{"multi-line head", "a\n  b\n\tc\n;", `a "b" "c";`},
	{"crlf", "a 1;\r\nb 2;\r\n", `a "1"; b "2";`},
	{"quotes", `a "x y" 'z';`, `a q"x y" q"z";`},
	{"empty quotes", `a "" '';`, `a q"" q"";`},
	{"quoted name", `"a" b;`, `a "b";`},
	{"double quote escapes", `a "q\"q" "b\\s" "t\tn\nr\r" "k\x" "s\'";`,
		`a q"q\"q" q"b\\s" q"t\tn\nr\r" q"k\\x" q"s'";`},
	{"single quote escapes", `a 'it\'s' '\"' '\$';`, `a q"it's" q"\"" q"\\$";`},
	{"unquoted escapes", `a b\ c d\;e f\\g h\"i;`, `a "b\\ c" "d\\;e" "f\\g" "h\"i";`},
	{"newline inside quotes", "a \"x\ny\";", `a q"x\ny";`},
	{"variables verbatim", `set $a ${b}c "${d}" x$e;`, `set "$a" "${b}c" q"${d}" "x$e";`},
	{"variable then brace opens block", `a $x{ }`, `a "$x" { }`},
	{"quote inside word", `a b"c"d e'f;`, `a "b\"c\"d" "e'f";`},
	{"brace and sharp inside word", `a b}c d#e;`, `a "b}c" "d#e";`},
	{"if with quoted operand", `if ($a = "b") { return 404; }`,
		`if "($a" "=" q"b" ")" { return "404"; }`},
	{"paren glued after quote", `a "b")c;`, `a q"b" ")c";`},
	{"quoted then block", `location "/x"{}`, `location q"/x" { }`},
	{"control bytes are word bytes", "a b\x0bc;", `a "b\vc";`},
}

func TestParseBytes(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			ds, err := ParseBytes("/conf/nginx.conf", []byte(tc.src), "/conf/")
			if err != nil {
				t.Fatalf("ParseBytes(%q): %v", tc.src, err)
			}
			if got := dump(ds); got != tc.want {
				t.Errorf("ParseBytes(%q)\n got %s\nwant %s", tc.src, got, tc.want)
			}
		})
	}
}

// errorCases are configurations nginx refuses while reading them, with
// nginx 1.22's message; DIR stands for the directory of nginx.conf. Every
// case was checked with `nginx -t` (see TestNginxOracle).
var errorCases = []struct {
	name string
	src  string
	want string
}{
	{"eof in block", "http {", `unexpected end of file, expecting "}" in DIR/nginx.conf:1`},
	{"eof in block after newline", "events {}\nhttp {\n", `unexpected end of file, expecting "}" in DIR/nginx.conf:3`},
	{"eof in nested block", "events {}\nhttp { server { }", `unexpected end of file, expecting "}" in DIR/nginx.conf:2`},
	{"stray close", "events {}\n}", `unexpected "}" in DIR/nginx.conf:2`},
	{"extra close", "events {}\nhttp { } }", `unexpected "}" in DIR/nginx.conf:2`},
	{"close after args", "events {}\nworker_processes 1 }", `unexpected "}" in DIR/nginx.conf:2`},
	{"eof after args", "events {}\nworker_processes 1", `unexpected end of file, expecting ";" or "}" in DIR/nginx.conf:2`},
	{"eof after args and newline", "events {}\nworker_processes 1\n", `unexpected end of file, expecting ";" or "}" in DIR/nginx.conf:3`},
	{"lone semicolon", "events {}\n;", `unexpected ";" in DIR/nginx.conf:2`},
	{"lone brace", "events {}\n\n{", `unexpected "{" in DIR/nginx.conf:3`},
	{"text after double quote", `worker_processes "1"x;`, `unexpected "x" in DIR/nginx.conf:1`},
	{"text after single quote", `worker_processes '1'x;`, `unexpected "x" in DIR/nginx.conf:1`},
	{"close after quote", `worker_processes "1"}`, `unexpected "}" in DIR/nginx.conf:1`},
	{"sharp after quote", `worker_processes "1"#`, `unexpected "#" in DIR/nginx.conf:1`},
	{"quote after quote", `worker_processes "1""2";`, `unexpected """ in DIR/nginx.conf:1`},
	{"paren after quote", `if "a"(b) {}`, `unexpected "(" in DIR/nginx.conf:1`},
	{"unterminated quote", `worker_processes "1`, `unexpected end of file, expecting ";" or "}" in DIR/nginx.conf:1`},
	{"unterminated quote over lines", "worker_processes \"1\n\n", `unexpected end of file, expecting ";" or "}" in DIR/nginx.conf:3`},
	{"trailing backslash", `worker_processes \`, `unexpected end of file, expecting ";" or "}" in DIR/nginx.conf:1`},
	{"too long double quoted", "worker_processes\n\"" + strings.Repeat("x", 4096) + "\";",
		`too long parameter, probably missing terminating """ character in DIR/nginx.conf:2`},
	{"too long single quoted", "worker_processes\n'" + strings.Repeat("x", 4096) + "';",
		`too long parameter, probably missing terminating "'" character in DIR/nginx.conf:2`},
	{"quoted 4095 overflows after its quote", "worker_processes\n\"" + strings.Repeat("x", 4095) + "\";",
		`too long parameter "xxxxxxxxxx..." started in DIR/nginx.conf:2`},
	{"too long word", "worker_processes\n" + strings.Repeat("x", 4096) + ";",
		`too long parameter "xxxxxxxxxx..." started in DIR/nginx.conf:2`},
	{"too long comment", "events {}\n#" + strings.Repeat("x", 5000) + "\n",
		`too long parameter "#xxxxxxxxx..." started in DIR/nginx.conf:2`},
	{"include without args", "include;", `invalid number of arguments in "include" directive in DIR/nginx.conf:1`},
	{"include two args", "include a b;", `invalid number of arguments in "include" directive in DIR/nginx.conf:1`},
	{"include with block", "include a {}", `directive "include" is not terminated by ";" in DIR/nginx.conf:1`},
	{"include missing file", "events {}\ninclude nope.conf;",
		`open() "DIR/nope.conf" failed (2: No such file or directory) in DIR/nginx.conf:2`},
	{"include missing absolute", "include /nonexistent/nope.conf;",
		`open() "/nonexistent/nope.conf" failed (2: No such file or directory) in DIR/nginx.conf:1`},
	{"lua eof", "http {\ninit_by_lua_block {\n  a()\n  b()\n",
		`unexpected end of file, expecting terminating characters for lua code block in DIR/nginx.conf:2`},
	{"lua eof at brace", "http {\ninit_by_lua_block\n\n{",
		`unexpected end of file, expecting terminating characters for lua code block in DIR/nginx.conf:4`},
	{"lua eof reported at last open brace", "http {\ninit_by_lua_block {\n local t = {\n }\n x\n",
		`unexpected end of file, expecting terminating characters for lua code block in DIR/nginx.conf:3`},
	{"lua eof with unclosed string", "http {\ninit_by_lua_block {\n local s = \"abc\\\"\n",
		`unexpected end of file, expecting terminating characters for lua code block in DIR/nginx.conf:2`},
	{"lua eof in line comment", "http {\ninit_by_lua_block { x = --",
		`unexpected end of file, expecting terminating characters for lua code block in DIR/nginx.conf:2`},
	{"lua unclosed long string", "http {\ninit_by_lua_block {\n a()\n local s = [=[\n }\n}\n",
		`Lua code block missing the closing long bracket "]=]", the inlined Lua code may be too long in DIR/nginx.conf:4`},
	{"lua unclosed long comment", "http {\ninit_by_lua_block {\n --[==[ ]] ]=]\n }\n}\n",
		`Lua code block missing the closing long bracket "]==]", the inlined Lua code may be too long in DIR/nginx.conf:3`},
	{"lua unclosed level 0", "http {\ninit_by_lua_block { x = [[abc }",
		`Lua code block missing the closing long bracket "]]", the inlined Lua code may be too long in DIR/nginx.conf:2`},
	{"lua block then eof of http", "http {\ninit_by_lua_block { }\n",
		`unexpected end of file, expecting "}" in DIR/nginx.conf:3`},
	{"lua quote ends at newline", "http {\ninit_by_lua_block { \"abc }\n",
		`unexpected end of file, expecting "}" in DIR/nginx.conf:3`},
	{"lua no backslash newline in strings", "http {\ninit_by_lua_block { local s = \"abc\\\n}\" }\n}",
		`unexpected end of file, expecting ";" or "}" in DIR/nginx.conf:4`},
	{"word glued to lua block end", "http {\ninit_by_lua_block { }x }",
		`unexpected "}" in DIR/nginx.conf:2`},
	{"semicolon after lua block", "http {\ninit_by_lua_block { };}",
		`unexpected ";" in DIR/nginx.conf:2`},
}

func TestParseErrors(t *testing.T) {
	for _, tc := range errorCases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "nginx.conf")
			if err := os.WriteFile(path, []byte(tc.src), 0o644); err != nil {
				t.Fatal(err)
			}
			ds, err := ParseFile(path)
			if err == nil {
				t.Fatalf("ParseFile(%q) = %s, want error %q", tc.src, dump(ds), tc.want)
			}
			var perr *Error
			if !errors.As(err, &perr) {
				t.Fatalf("error %v is %T, want *Error", err, err)
			}
			want := strings.ReplaceAll(tc.want, "DIR", dir)
			if got := err.Error(); got != want {
				t.Errorf("ParseFile(%q) error\n got %s\nwant %s", tc.src, got, want)
			}
		})
	}
}

func TestParseFileMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nginx.conf")
	_, err := ParseFile(path)
	want := `open() "` + path + `" failed (2: No such file or directory)`
	if err == nil || err.Error() != want {
		t.Fatalf("ParseFile(missing) error = %v, want %q", err, want)
	}
}

func TestPositions(t *testing.T) {
	src := "events {}\n" + // 1
		"http {\n" + // 2
		"  server\n" + // 3
		"  {\n" + // 4
		"    listen\n" + // 5
		"      80;  set $a\n" + // 6
		"  1;\n" + // 7
		"    content_by_lua_block\n" + // 8
		"    { ngx.say(1)\n" + // 9
		"    }\n" + // 10
		"  }\n" + // 11
		"}\n"
	ds, err := ParseBytes("/c/nginx.conf", []byte(src), "/c/")
	if err != nil {
		t.Fatal(err)
	}
	server := ds[1].Block[0]
	tests := []struct {
		name          string
		d             *Directive
		line, endLine int
		pos           string
	}{
		{"events", ds[0], 1, 1, "/c/nginx.conf:1"},
		{"http", ds[1], 2, 2, "/c/nginx.conf:2"},
		{"server", server, 3, 4, "/c/nginx.conf:4"},
		{"listen", server.Block[0], 5, 6, "/c/nginx.conf:6"},
		{"set", server.Block[1], 6, 7, "/c/nginx.conf:7"},
		{"lua", server.Block[2], 8, 9, "/c/nginx.conf:9"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.d.Line != tc.line || tc.d.EndLine != tc.endLine || tc.d.Pos() != tc.pos {
				t.Errorf("%s: Line %d EndLine %d Pos %s, want %d %d %s",
					tc.d.Name, tc.d.Line, tc.d.EndLine, tc.d.Pos(), tc.line, tc.endLine, tc.pos)
			}
		})
	}
	lua := server.Block[2]
	if lua.LuaLine != 9 || lua.Lua == nil || *lua.Lua != " ngx.say(1)\n    " {
		t.Errorf("lua block: LuaLine %d body %q", lua.LuaLine, deref(lua.Lua))
	}
	if !lua.IsBlock() || server.Block[0].IsBlock() {
		t.Error("IsBlock wrong for lua block or simple directive")
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

func TestErrorWithoutFile(t *testing.T) {
	e := &Error{Msg: "boom"}
	if e.Error() != "boom" {
		t.Errorf("Error() = %q, want %q", e.Error(), "boom")
	}
}
