package luaapi

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash/crc32"

	"github.com/goresty/goresty/luaapi/stdlib"
	lua "github.com/yuin/gopher-lua"
)

// The string group: ngx.md5, md5_bin, sha1_bin, crc32_short, crc32_long,
// hmac_sha1, encode_base64, decode_base64, decode_base64mime,
// quote_sql_str, and the ngx.base64 module. Argument handling follows
// OpenResty with resty.core loaded: the hashes and encode_base64 turn any
// value into a string (nil and false are ""), hmac_sha1 and quote_sql_str
// are the strict C functions.

func init() { register(openString) }

func openString(a *api) {
	t := a.ngx
	a.fn(t, "md5", pAll, func(L *lua.LState) int {
		sum := md5.Sum([]byte(utilToString(L, 1)))
		L.Push(lua.LString(hex.EncodeToString(sum[:])))
		return 1
	})
	a.fn(t, "md5_bin", pAll, func(L *lua.LState) int {
		sum := md5.Sum([]byte(utilToString(L, 1)))
		L.Push(lua.LString(sum[:]))
		return 1
	})
	a.fn(t, "sha1_bin", pAll, func(L *lua.LState) int {
		sum := sha1.Sum([]byte(utilToString(L, 1)))
		L.Push(lua.LString(sum[:]))
		return 1
	})
	crc := func(L *lua.LState) int {
		L.Push(lua.LNumber(crc32.ChecksumIEEE([]byte(utilToString(L, 1)))))
		return 1
	}
	a.fn(t, "crc32_short", pAll, crc)
	a.fn(t, "crc32_long", pAll, crc)
	a.fn(t, "hmac_sha1", pAll, strHmacSHA1)
	a.fn(t, "encode_base64", pAll, strEncodeBase64)
	a.fn(t, "decode_base64", pAll, func(L *lua.LState) int { return strDecode(L, b64Std, false) })
	a.fn(t, "decode_base64mime", pAll, func(L *lua.LState) int { return strDecode(L, b64Std, true) })
	a.fn(t, "quote_sql_str", pAll, strQuoteSQL)
	a.L.PreloadModule("ngx.base64", openBase64Module)
}

// openBase64Module is require "ngx.base64".
func openBase64Module(L *lua.LState) int {
	m := L.NewTable()
	m.RawSetString("version", lua.LString(RestyCoreVersion))
	m.RawSetString("encode_base64url", L.NewFunction(func(L *lua.LState) int {
		s, ok := L.Get(1).(lua.LString)
		if !ok {
			return utilFail(L, "must provide a string")
		}
		L.Push(lua.LString(base64.RawURLEncoding.EncodeToString([]byte(s))))
		return 1
	}))
	m.RawSetString("decode_base64url", L.NewFunction(func(L *lua.LState) int {
		s, ok := L.Get(1).(lua.LString)
		if !ok {
			return utilFail(L, "must provide a string")
		}
		b, ok := DecodeBase64(string(s), b64URL, false)
		if !ok {
			return utilFail(L, "invalid input")
		}
		L.Push(lua.LString(b))
		return 1
	}))
	L.Push(m)
	return 1
}

func strHmacSHA1(L *lua.LState) int {
	if n := L.GetTop(); n != 2 {
		utilRaise(L, fmt.Sprintf("expecting 2 arguments, but got %d", n))
	}
	key := utilCheckString(L, 1)
	data := utilCheckString(L, 2)
	m := hmac.New(sha1.New, []byte(key))
	m.Write([]byte(data))
	L.Push(lua.LString(m.Sum(nil)))
	return 1
}

func strEncodeBase64(L *lua.LState) int {
	s := utilToString(L, 1)
	enc := base64.StdEncoding
	switch p := L.Get(2).(type) {
	case *lua.LNilType:
	case lua.LBool:
		if p {
			enc = base64.RawStdEncoding
		}
	default:
		utilRaise(L, "bad no_padding: boolean expected, got "+p.Type().String())
	}
	L.Push(lua.LString(enc.EncodeToString([]byte(s))))
	return 1
}

func strDecode(L *lua.LState, alphabet *[256]byte, mime bool) int {
	s, ok := L.Get(1).(lua.LString)
	if !ok {
		utilRaise(L, "string argument only")
	}
	b, ok := DecodeBase64(string(s), alphabet, mime)
	if !ok {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(lua.LString(b))
	return 1
}

func strQuoteSQL(L *lua.LState) int {
	if L.GetTop() != 1 {
		utilRaise(L, "expecting one argument")
	}
	L.Push(lua.LString(QuoteSQLStr(utilCheckString(L, 1))))
	return 1
}

// QuoteSQLStr quotes s as a MySQL string literal, as ngx.quote_sql_str.
func QuoteSQLStr(s string) string {
	b := make([]byte, 0, len(s)+8)
	b = append(b, '\'')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case 0:
			b = append(b, '\\', '0')
		case '\b':
			b = append(b, '\\', 'b')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case 26:
			b = append(b, '\\', 'Z')
		case '\\', '\'', '"':
			b = append(b, '\\', c)
		default:
			b = append(b, c)
		}
	}
	return string(append(b, '\''))
}

// Base64 alphabets: the value of each byte, or 77 for "not base64".
var (
	b64Std = b64Table("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
	b64URL = b64Table("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
)

func b64Table(alpha string) *[256]byte {
	var t [256]byte
	for i := range t {
		t[i] = 77
	}
	for i := 0; i < len(alpha); i++ {
		t[alpha[i]] = byte(i)
	}
	return &t
}

// DecodeBase64 decodes as nginx's ngx_decode_base64: input ends at the
// first '=' (anything after it is ignored), padding is optional, unused
// bits are ignored, a lone trailing character is an error. With mime,
// characters outside the alphabet are skipped instead of failing
// (ngx.decode_base64mime).
func DecodeBase64(s string, alphabet *[256]byte, mime bool) ([]byte, bool) {
	in := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '=' {
			break
		}
		v := alphabet[c]
		if v == 77 {
			if mime {
				continue
			}
			return nil, false
		}
		in = append(in, v)
	}
	if len(in)%4 == 1 {
		return nil, false
	}
	out := make([]byte, 0, len(in)*3/4)
	for len(in) >= 4 {
		out = append(out, in[0]<<2|in[1]>>4, in[1]<<4|in[2]>>2, in[2]<<6|in[3])
		in = in[4:]
	}
	if len(in) > 1 {
		out = append(out, in[0]<<2|in[1]>>4)
	}
	if len(in) > 2 {
		out = append(out, in[1]<<4|in[2]>>2)
	}
	return out, true
}

// utilToString is resty.core's coercion: strings as they are, nil and
// false as "", anything else through tostring.
func utilToString(L *lua.LState, n int) string {
	switch v := L.Get(n).(type) {
	case lua.LString:
		return string(v)
	case lua.LNumber:
		return stdlib.FormatNumber(float64(v))
	case *lua.LNilType:
		return ""
	case lua.LBool:
		if !v {
			return ""
		}
		return "true"
	default:
		L.Push(L.GetGlobal("tostring"))
		L.Push(v)
		L.Call(1, 1)
		r := L.Get(-1)
		L.Pop(1)
		return lua.LVAsString(r)
	}
}

// utilCheckString is luaL_checklstring: strings, and numbers as strings.
func utilCheckString(L *lua.LState, n int) string {
	switch v := L.Get(n).(type) {
	case lua.LString:
		return string(v)
	case lua.LNumber:
		return stdlib.FormatNumber(float64(v))
	}
	tn := "no value"
	if n <= L.GetTop() {
		tn = L.Get(n).Type().String()
	}
	utilArgError(L, n, "string expected, got "+tn)
	return ""
}

// utilFail returns nil, msg.
func utilFail(L *lua.LState, msg string) int {
	L.Push(lua.LNil)
	L.Push(lua.LString(msg))
	return 2
}

// utilArgError raises "bad argument #n to 'name' (msg)", the function name
// as the caller sees it ('?' when unknown), like luaL_argerror.
func utilArgError(L *lua.LState, n int, msg string) {
	name := "?"
	if dbg, ok := L.GetStack(0); ok {
		if _, err := L.GetInfo("n", dbg, lua.LNil); err == nil && dbg.Name != "" {
			name = dbg.Name
		}
	}
	utilRaise(L, fmt.Sprintf("bad argument #%d to '%s' (%s)", n, name, msg))
}

// utilRaise raises msg with the position of the calling Lua function, and
// none when a Go function or goresty's own Lua glue (its pcall) called us:
// luaL_error, or error(msg, 2) in resty.core.
func utilRaise(L *lua.LState, msg string) {
	if dbg, ok := L.GetStack(1); ok {
		if _, err := L.GetInfo("Sl", dbg, lua.LNil); err == nil && dbg.What != "G" && dbg.CurrentLine > 0 &&
			dbg.Source != "[goresty]" {
			msg = fmt.Sprintf("%s:%d: %s", dbg.Source, dbg.CurrentLine, msg)
		}
	}
	L.Error(lua.LString(msg), 0)
}
