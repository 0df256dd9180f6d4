package resty

import (
	"bufio"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

func newState(t testing.TB) *lua.LState {
	L := lua.NewState()
	t.Cleanup(L.Close)
	Preload(L)
	return L
}

// run runs code and returns its results joined by "|".
func run(t *testing.T, L *lua.LState, code string) string {
	t.Helper()
	top := L.GetTop()
	if err := L.DoString(code); err != nil {
		t.Fatalf("%s: %v", code, err)
	}
	var parts []string
	for i := top + 1; i <= L.GetTop(); i++ {
		parts = append(parts, L.Get(i).String())
	}
	L.SetTop(top)
	return strings.Join(parts, "|")
}

func TestHashes(t *testing.T) {
	tests := []struct{ name, code, want string }{
		{"sha1_readme", `local s = require("resty.sha1"):new() s:update("hello, ") s:update("world")
			return require("resty.string").to_hex(s:final())`, "b7e23ec29af22b0b4e41da31e868d57226121c84"},
		{"md5_len", `local m = require("resty.md5"):new() m:update("hel") m:update("loxxx", 2)
			return require("resty.string").to_hex(m:final())`, "5d41402abc4b2a76b9719d911017c592"},
		{"sha224", `local s = require("resty.sha224"):new() local ok = s:update("hello")
			return ok, require("resty.string").to_hex(s:final())`, "true|ea09ae9cc6768c50fcee903ed054556e5bfc8347907f12598aa24193"},
		{"sha256", `local s = require("resty.sha256"):new() s:update("hello")
			return require("resty.string").to_hex(s:final())`, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"},
		{"sha384", `local s = require("resty.sha384"):new() s:update("hel") s:update("lo")
			return require("resty.string").to_hex(s:final())`, "59e1748777448c69de6b800d7a33bbfb9ff1b463e44354c3553bcdb9c666fa90125a3c79f90397bdf5f6a13de828684f"},
		{"sha512_empty", `return require("resty.string").to_hex(require("resty.sha512"):new():final())`,
			"cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"},
		{"reset", `local m = require("resty.md5"):new() m:update("junk") m:reset() m:update("hello")
			return require("resty.string").to_hex(m:final())`, "5d41402abc4b2a76b9719d911017c592"},
		{"independent", `local M = require("resty.md5") local a, b = M:new(), M:new() a:update("x")
			return require("resty.string").to_hex(b:final())`, "d41d8cd98f00b204e9800998ecf8427e"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := run(t, newState(t), tt.code); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestStringModule(t *testing.T) {
	tests := []struct{ name, code, want string }{
		{"to_hex", `return require("resty.string").to_hex("\0\1\255ab")`, "0001ff6162"},
		{"to_hex_empty", `return require("resty.string").to_hex("")`, ""},
		// nginx's ngx_atoi: digits only, else -1 (observed on nginx with lua-resty-string)
		{"atoi", `local s = require("resty.string") return s.atoi("42"), s.atoi("  -17xyz"), s.atoi("abc"), s.atoi("+8"), s.atoi(""), s.atoi("007")`, "42|-1|-1|-1|-1|7"},
		{"atoi_64bit", `local s = require("resty.string") return s.atoi("4294967297"), s.atoi("9223372036854775807") == 2^63, s.atoi("9223372036854775808")`, "4294967297|true|-1"},
		{"to_hex_table", `return pcall(require("resty.string").to_hex, {})`, "false|<string>:1: bad argument #1 to 'to_hex' (string expected, got table)"},
		{"random_len", `local r = require("resty.random") return #r.bytes(16), #r.bytes(5, true), r.bytes(0)`, "16|5|"},
		{"random_differs", `local r = require("resty.random") return r.bytes(16) ~= r.bytes(16)`, "true"},
		{"core", `local c = require "resty.core" return type(c), c.version`, "table|" + CoreVersion},
		{"core_subs", `local n = 0 for _, m in ipairs{"base", "regex", "hash", "shdict", "var", "time"} do
			if type(require("resty.core." .. m)) == "table" then n = n + 1 end end return n`, "6"},
		{"core_base", `local b = require "resty.core.base" local t = b.new_tab(4, 4) t.a = 1 b.clear_tab(t)
			return b.FFI_OK, b.FFI_DECLINED, next(t)`, "0|-5|nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := run(t, newState(t), tt.code); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestAESOpenSSLVectors checks resty.aes against ciphertexts the system's
// OpenSSL made through the calls lua-resty-string makes
// (../testdata/resty/openssl_vectors.py).
func TestAESOpenSSLVectors(t *testing.T) {
	f, err := os.Open("../testdata/resty/aes_vectors.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	L := newState(t)
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) != 11 || fs[8] != "->" {
			t.Fatalf("bad vector line %q", sc.Text())
		}
		n++
		t.Run(strings.Join(fs[:4], "_")+"_"+fs[5], func(t *testing.T) {
			unhex := func(s string) string {
				if s == "-" {
					return ""
				}
				b, err := hex.DecodeString(s)
				if err != nil {
					t.Fatal(err)
				}
				return string(b)
			}
			salt := "nil"
			if fs[4] != "-" {
				salt = "[[" + unhex(fs[4]) + "]]"
			}
			L.SetGlobal("KEY", lua.LString(unhex(fs[6])))
			L.SetGlobal("PLAIN", lua.LString(unhex(fs[7])))
			code := `local aes, str = require "resty.aes", require "resty.string"
				local a = assert(aes:new(KEY, ` + salt + `, aes.cipher(` + fs[0] + `, "` + fs[1] + `"), aes.hash.` + fs[2] + `, ` + fs[3] + `, nil, ` +
				map[string]string{"pad": "true", "nopad": "false"}[fs[5]] + `))
				local c1, c2 = a:encrypt(PLAIN), a:encrypt(PLAIN)
				local h1 = c1 and (c1 == "" and "-" or str.to_hex(c1)) or "nil"
				local h2 = c2 and (c2 == "" and "-" or str.to_hex(c2)) or "nil"
				return h1, h2, c1 == nil or a:decrypt(c1) == PLAIN`
			want := fs[9] + "|" + fs[10] + "|true"
			if got := run(t, L, code); got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
	if n < 20 {
		t.Fatalf("only %d vectors", n)
	}
}

func TestAESNew(t *testing.T) {
	tests := []struct{ name, code, want string }{
		{"bad_salt", `return require("resty.aes"):new("k", "short")`, "nil|salt must be 8 characters or nil"},
		{"iv_table", `local aes = require "resty.aes"
			local a = aes:new("0123456789abcdef", nil, aes.cipher(128, "cbc"), {iv = "fedcba9876543210"})
			return require("resty.string").to_hex(a:encrypt("hi"))`, "7835ac7d61a26778441f47a58687a98b"},
		{"bad_iv", `return require("resty.aes"):new("0123456789abcdef", nil, nil, {iv = "short"})`, "nil|bad iv"},
		{"bad_key_length", `return require("resty.aes"):new("short", nil, nil, {iv = "fedcba9876543210"})`, "nil|bad key length"},
		{"key_method", `local aes = require "resty.aes"
			local a = aes:new("pw", nil, aes.cipher(128), {iv = "fedcba9876543210", method = function(k) return ("0123456789abcdef") end})
			return require("resty.string").to_hex(a:encrypt("hi"))`, "7835ac7d61a26778441f47a58687a98b"},
		{"bad_cipher", `local aes = require "resty.aes" return aes.cipher(100), aes.cipher(128, "xts")`, "nil|nil"},
		{"cipher_table", `local c = require("resty.aes").cipher() return c.size, c.cipher`, "128|cbc"},
		{"bad_padding_decrypt", `local aes = require "resty.aes" local a = aes:new("k") return a:decrypt(("x"):rep(16)), a:decrypt("short")`, "nil|nil"},
		{"gcm", `return pcall(require("resty.aes").cipher, 256, "gcm")`, "false|<string>:1: resty.aes: the gcm mode is not supported by goresty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := run(t, newState(t), tt.code); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func BenchmarkAESEncrypt(b *testing.B) {
	L := newState(b)
	if err := L.DoString(`A = require("resty.aes"):new("secret")`); err != nil {
		b.Fatal(err)
	}
	fn, err := L.LoadString(`return A:encrypt("a message of some forty bytes, give or take")`)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		L.Push(fn)
		L.Call(0, 1)
		L.Pop(1)
	}
}
