package luaapi

import (
	"sort"
	"strings"

	"github.com/goresty/goresty/luaapi/stdlib"
	lua "github.com/yuin/gopher-lua"
)

func init() { register(openArgs) }

func openArgs(a *api) {
	a.fn(a.ngx, "encode_args", pAll, func(L *lua.LState) int {
		if n := L.GetTop(); n != 1 {
			L.RaiseError("expecting 1 argument but seen %d", n)
		}
		L.Push(lua.LString(encodeArgs(L, L.CheckTable(1))))
		return 1
	})
	a.fn(a.ngx, "decode_args", pAll, func(L *lua.LState) int {
		if n := L.GetTop(); n != 1 && n != 2 {
			L.RaiseError("expecting 1 or 2 arguments but seen %d", n)
		}
		return pushArgs(L, L.CheckString(1), L.OptInt(2, 100), nil)
	})
	a.fn(a.ngx, "escape_uri", pAll, func(L *lua.LState) int {
		typ := L.OptInt(2, 2)
		if typ < 0 || typ >= len(escapeSets) {
			L.RaiseError(`"type" %d out of range`, typ)
		}
		L.Push(lua.LString(escapeURI(argString(L, 1), typ)))
		return 1
	})
	a.fn(a.ngx, "unescape_uri", pAll, func(L *lua.LState) int {
		L.Push(lua.LString(unescapeURI(argString(L, 1))))
		return 1
	})
}

func argString(L *lua.LState, n int) string {
	switch v := L.Get(n).(type) {
	case lua.LString:
		return string(v)
	case lua.LNumber:
		return stdlib.FormatNumber(float64(v))
	case *lua.LNilType:
		return ""
	}
	L.ArgError(n, "string expected, got "+L.Get(n).Type().String())
	return ""
}

// escapeSets are the bytes ngx.escape_uri escapes, for each of its types
// 0-6 (bit c%64 of word c/64 set: byte c is escaped). They were read off
// nginx + lua by escaping every byte with every type.
var escapeSets = [7][4]uint64{
	{0x80000029ffffffff, 0x8000000000000000, 0xffffffffffffffff, 0xffffffffffffffff}, // 0: a URI
	{0x80000829ffffffff, 0x8000000000000000, 0xffffffffffffffff, 0xffffffffffffffff}, // 1: query arguments
	{0xfc00987dffffffff, 0xb800000178000001, 0xffffffffffffffff, 0xffffffffffffffff}, // 2: a URI component
	{0x000000adffffffff, 0x8000000000000000, 0xffffffffffffffff, 0xffffffffffffffff}, // 3: HTML
	{0x00000085ffffffff, 0x8000000000000000, 0xffffffffffffffff, 0xffffffffffffffff}, // 4: a refresh header
	{0x00000021ffffffff, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000}, // 5: memcached keys
	{0x00000021ffffffff, 0x0000000000000000, 0x0000000000000000, 0x0000000000000000}, // 6: mail auth
}

// escapeURI escapes as ngx.escape_uri with type typ (0-6; 2 is a URI
// component, the default).
func escapeURI(s string, typ int) string {
	const hex = "0123456789ABCDEF"
	set := &escapeSets[typ]
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if set[c>>6]&(1<<(c&63)) == 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func unescapeURI(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		if c == '+' {
			c = ' '
		}
		b = append(b, c)
	}
	return string(b)
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// encodeArgs renders a Lua table as a query string (ngx.encode_args).
func encodeArgs(L *lua.LState, t *lua.LTable) string {
	type kv struct{ k, v string }
	var parts []kv
	t.ForEach(func(k, v lua.LValue) {
		ks, ok := k.(lua.LString)
		if !ok {
			L.RaiseError(`attempt to use a non-string key in the "args" option table`)
		}
		key := escapeURI(string(ks), 2)
		switch x := v.(type) {
		case *lua.LTable:
			n := x.Len()
			for i := 1; i <= n; i++ {
				if e := x.RawGetInt(i); e != lua.LFalse {
					parts = append(parts, kv{key, argValue(L, e)})
				}
			}
		case lua.LBool:
			if x {
				parts = append(parts, kv{key, "\x00"})
			}
		default:
			parts = append(parts, kv{key, argValue(L, v)})
		}
	})
	sort.SliceStable(parts, func(i, j int) bool { return parts[i].k < parts[j].k })
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		if p.v != "\x00" {
			b.WriteByte('=')
			b.WriteString(p.v)
		}
	}
	return b.String()
}

func argValue(L *lua.LState, v lua.LValue) string {
	switch x := v.(type) {
	case lua.LString:
		return escapeURI(string(x), 2)
	case lua.LNumber:
		return stdlib.FormatNumber(float64(x))
	case lua.LBool:
		if x {
			return "\x00"
		}
		return ""
	}
	L.RaiseError("attempt to use %s as query arg value", v.Type().String())
	return ""
}
