package luasrc

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestRewrite(t *testing.T) {
	tests := []struct {
		name, input, want string
	}{
		{"no escapes", `local s = "abc" .. 'd'`, `local s = "abc" .. 'd'`},
		{"hex escape", `x = "\x41\x4a\xfF"`, `x = "\065\074\255"`},
		{"hex escape single quote", `x = 'a\x00b'`, `x = 'a\000b'`},
		{"utf8 escape", `x = "\u{48}\u{20AC}\u{10FFFF}"`, `x = "\072\226\130\172\244\143\191\191"`},
		{"utf8 leading zeros", `x = "\u{0000000041}"`, `x = "\065"`},
		{"z same line", `x = "a\z    b"`, `x = "ab"`},
		{"z moves newlines after quote", "x = \"a\\z\n\n   b\" .. y\nz = 1", "x = \"ab\"\n\n .. y\nz = 1"},
		{"z at end", `x = "a\z"`, `x = "a"`},
		{"standard escapes kept", `x = "\a\b\f\n\r\t\v\\\"\'\0\65\255"`, `x = "\a\b\f\n\r\t\v\\\"\'\0\65\255"`},
		{"escaped newline kept", "x = \"a\\\nb\\x41\"", "x = \"a\\\nb\\065\""},
		{"escaped quote then hex", `x = "\"\x41"`, `x = "\"\065"`},
		{"long string untouched", `x = [[\x41]] .. [==[\x41]]\u{41}]==]`, `x = [[\x41]] .. [==[\x41]]\u{41}]==]`},
		{"comment untouched", "-- \"\\x41\" \\q\nx = '\\x41'", "-- \"\\x41\" \\q\nx = '\\065'"},
		{"long comment untouched", "--[[ '\\x41\n' ]] x = '\\x42'", "--[[ '\\x41\n' ]] x = '\\066'"},
		{"quote inside other quote", `x = "'\x41'" .. '"\x42"'`, `x = "'\065'" .. '"\066"'`},
		{"index bracket is no long string", `t[1] = "\x41"`, `t[1] = "\065"`},
		{"hex float", `x = 0x1p4 + 0xA.8p1 + 0x.8 + 0x1P-2`, `x = 16 + 21 + 0.5 + 0.25`},
		{"hex above 2^53", `x = 0xffffffffffffffff`, `x = 1.8446744073709552e+19`},
		{"small hex untouched", `x = 0xff + 0X7fffffff`, `x = 0xff + 0X7fffffff`},
		{"cdata suffix untouched", `x = 0x1LL + 1ULL`, `x = 0x1LL + 1ULL`},
		{"identifier with hex-like tail", `local a0x1p4 = 1`, `local a0x1p4 = 1`},
		{"unfinished string left alone", "x = \"\\x41\ny = '\\x42'", "x = \"\\065\ny = '\\066'"},
		{"unfinished at eof", `x = "\x41`, `x = "\065`},
		{"backslash at eof", `x = "\`, `x = "\`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Rewrite([]byte(tt.input))
			if err != nil {
				t.Fatalf("Rewrite(%q) error: %v", tt.input, err)
			}
			if string(got) != tt.want {
				t.Errorf("Rewrite(%q)\n got %q\nwant %q", tt.input, got, tt.want)
			}
			if strings.Count(string(got), "\n") != strings.Count(tt.input, "\n") {
				t.Errorf("line count changed: %q -> %q", tt.input, got)
			}
		})
	}
}

// Messages observed with LuaJIT 2.1.0-beta3 (OpenResty 2.1-20230119 and
// Debian 2.1.0~beta3+git20220320): loadstring gives
// `[string "..."]:1: invalid escape sequence near '"ab'`.
func TestRewriteErrors(t *testing.T) {
	tests := []struct {
		name, input, wantMsg string
		wantLine             int
	}{
		{"unknown escape", `x = "ab\qcd"`, `invalid escape sequence near '"ab'`, 1},
		{"bad hex", `x = "ab\xZZ"`, `invalid escape sequence near '"ab'`, 1},
		{"short hex", `x = "ab\x4"`, `invalid escape sequence near '"ab'`, 1},
		{"decimal above 255", `x = "ab\300cd"`, `invalid escape sequence near '"ab'`, 1},
		{"utf8 too large", `x = 'ab\u{110000}'`, `invalid escape sequence near ''ab'`, 1},
		{"utf8 surrogate", `x = "\u{D800}"`, `invalid escape sequence near '"'`, 1},
		{"utf8 unclosed", `x = "ab\u{41"`, `invalid escape sequence near '"ab'`, 1},
		{"utf8 no brace", `x = "ab\u41"`, `invalid escape sequence near '"ab'`, 1},
		{"utf8 empty", `x = "\u{}"`, `invalid escape sequence near '"'`, 1},
		{"line after z", "x = 1\ny = \"a\\z\n\n b\\q\"", `invalid escape sequence near '"a\z` + "\n\n" + ` b'`, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Rewrite([]byte(tt.input))
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Rewrite(%q) error = %v, want *SyntaxError", tt.input, err)
			}
			if se.Msg != tt.wantMsg || se.Line != tt.wantLine {
				t.Errorf("got line %d %q, want line %d %q", se.Line, se.Msg, tt.wantLine, tt.wantMsg)
			}
			if !strings.HasPrefix(se.Error(), "luasrc: line ") {
				t.Errorf("Error() = %q, want luasrc prefix", se.Error())
			}
		})
	}
}

func TestRewriteNoCopy(t *testing.T) {
	for _, src := range []string{"local x = 1\nreturn x", "return 0xff, 'a\\n'", ""} {
		in := []byte(src)
		got, err := Rewrite(in)
		if err != nil {
			t.Fatal(err)
		}
		if len(in) > 0 && &got[0] != &in[0] {
			t.Errorf("Rewrite(%q) copied an unchanged source", src)
		}
	}
}

func FuzzRewrite(f *testing.F) {
	for _, s := range []string{`"\x41"`, `'\z  '`, `"\u{20AC}"`, `[[x]]`, `--[==[ ]==]`, `0x1p4`, `"\`, `0x.`, `0xp`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		got, err := Rewrite(src)
		if err != nil {
			return
		}
		if bytes.Count(got, []byte("\n")) != bytes.Count(src, []byte("\n")) {
			t.Errorf("line count changed: %q -> %q", src, got)
		}
		if bytes.IndexByte(src, '\\') < 0 && !bytes.Contains(bytes.ToLower(src), []byte("0x")) && !bytes.Equal(got, src) {
			t.Errorf("source without backslash or hex changed: %q -> %q", src, got)
		}
	})
}

var benchSrc = []byte(strings.Repeat(`local function f(a, b) -- add two numbers
	local s = "some string " .. 'another' .. [[long one]]
	return a + b + 0xff
end
`, 200))

func BenchmarkRewriteNoEscape(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchSrc)))
	for b.Loop() {
		if _, err := Rewrite(benchSrc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRewriteEscapes(b *testing.B) {
	src := bytes.ReplaceAll(benchSrc, []byte("some string"), []byte(`\x41\u{20AC}\z  x`))
	b.ReportAllocs()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := Rewrite(src); err != nil {
			b.Fatal(err)
		}
	}
}
