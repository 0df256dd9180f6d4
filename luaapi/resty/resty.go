package resty

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math"

	lua "github.com/yuin/gopher-lua"
)

// CoreVersion is the lua-resty-core release goresty follows (paired with
// lua-nginx-module 0.10.26): resty.core's version field.
const CoreVersion = "0.1.28"

// StringVersion is the lua-resty-string release goresty follows.
const StringVersion = "0.16"

// coreModules are the resty.core sub-modules: requiring them succeeds and
// returns a table, as in OpenResty, where they install the FFI-based API.
var coreModules = []string{
	"base", "base64", "coroutine", "ctx", "exit", "hash", "misc", "ndk",
	"param", "phase", "regex", "request", "response", "shdict", "socket",
	"time", "uri", "utils", "var", "worker",
}

// Preload registers every module of this package with L.PreloadModule.
func Preload(L *lua.LState) {
	L.PreloadModule("resty.string", openString)
	L.PreloadModule("resty.random", openRandom)
	L.PreloadModule("resty.aes", openAES)
	for _, h := range hashes {
		L.PreloadModule("resty."+h.name, hashLoader(h))
	}
	L.PreloadModule("resty.core", func(L *lua.LState) int {
		// like OpenResty, requiring resty.core loads every sub-module
		for _, name := range coreModules {
			requireModule(L, "resty.core."+name)
		}
		m := L.NewTable()
		m.RawSetString("version", lua.LString(CoreVersion))
		L.Push(m)
		return 1
	})
	for _, name := range coreModules {
		if name == "base" {
			L.PreloadModule("resty.core.base", openCoreBase)
			continue
		}
		L.PreloadModule("resty.core."+name, func(L *lua.LState) int {
			m := L.NewTable()
			m.RawSetString("version", lua.LString(CoreVersion))
			L.Push(m)
			return 1
		})
	}
}

func requireModule(L *lua.LState, name string) lua.LValue {
	L.Push(L.GetGlobal("require"))
	L.Push(lua.LString(name))
	L.Call(1, 1)
	v := L.Get(-1)
	L.Pop(1)
	return v
}

// openCoreBase is resty.core.base: its constants and table helpers.
func openCoreBase(L *lua.LState) int {
	m := L.NewTable()
	m.RawSetString("version", lua.LString(CoreVersion))
	for name, v := range map[string]int{
		"FFI_OK": 0, "FFI_ERROR": -1, "FFI_AGAIN": -2, "FFI_BUSY": -3, "FFI_DONE": -4,
		"FFI_DECLINED": -5, "FFI_NO_REQ_CTX": -100, "FFI_BAD_CONTEXT": -101,
	} {
		m.RawSetString(name, lua.LNumber(v))
	}
	m.RawSetString("new_tab", L.NewFunction(func(L *lua.LState) int {
		L.Push(L.CreateTable(L.OptInt(1, 0), L.OptInt(2, 0)))
		return 1
	}))
	m.RawSetString("clear_tab", L.NewFunction(func(L *lua.LState) int {
		t := L.CheckTable(1)
		var keys []lua.LValue
		t.ForEach(func(k, _ lua.LValue) { keys = append(keys, k) })
		for _, k := range keys {
			t.RawSet(k, lua.LNil)
		}
		return 0
	}))
	L.Push(m)
	return 1
}

// openString is resty.string: to_hex and atoi.
func openString(L *lua.LState) int {
	m := L.NewTable()
	m.RawSetString("_VERSION", lua.LString(StringVersion))
	m.RawSetString("to_hex", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString(hex.EncodeToString([]byte(checkBytes(L, 1, "to_hex")))))
		return 1
	}))
	m.RawSetString("atoi", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LNumber(Atoi(checkBytes(L, 1, "atoi"))))
		return 1
	}))
	L.Push(m)
	return 1
}

// Atoi is nginx's ngx_atoi, which resty.string's atoi calls: the string
// must be decimal digits only (no sign, no space) and fit in a signed
// 64-bit integer; anything else gives -1.
func Atoi(s string) int64 {
	if s == "" {
		return -1
	}
	const cutoff, cutlim = math.MaxInt64 / 10, math.MaxInt64 % 10
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return -1
		}
		d := int64(c - '0')
		if n > cutoff || n == cutoff && d > cutlim {
			return -1
		}
		n = n*10 + d
	}
	return n
}

// openRandom is resty.random: bytes(len, strong). Both kinds come from
// crypto/rand, so strong never fails.
func openRandom(L *lua.LState) int {
	m := L.NewTable()
	m.RawSetString("_VERSION", lua.LString(StringVersion))
	m.RawSetString("bytes", L.NewFunction(func(L *lua.LState) int {
		n := L.CheckInt(1)
		if n < 0 {
			L.Push(lua.LNil)
			return 1
		}
		b := make([]byte, n)
		if _, err := rand.Read(b); err != nil {
			L.Push(lua.LNil)
			return 1
		}
		L.Push(lua.LString(b))
		return 1
	}))
	L.Push(m)
	return 1
}

// checkBytes takes a string argument (numbers as strings), else raises
// "bad argument #n to 'fn' (string expected, got T)".
func checkBytes(L *lua.LState, n int, fn string) string {
	switch v := L.Get(n).(type) {
	case lua.LString:
		return string(v)
	case lua.LNumber:
		return v.String()
	}
	L.RaiseError("%s", fmt.Sprintf("bad argument #%d to '%s' (string expected, got %s)", n, fn, L.Get(n).Type()))
	return ""
}
