package stdlib

import (
	lua "github.com/yuin/gopher-lua"
)

// ffiUnsupported are the ffi functions that raise
// "ffi.<name> is not supported by goresty", so pcall-guarded code takes its
// fallback.
var ffiUnsupported = []string{
	"cdef", "load", "new", "cast", "typeof", "metatype", "gc", "string", "copy",
	"fill", "sizeof", "alignof", "offsetof", "istype", "errno", "tonumber",
	"toint64",
}

// ffiABI answers ffi.abi as LuaJIT does on x86-64 Linux (GC64 on in OpenResty.s
// build).
var ffiABI = map[string]bool{"64bit": true, "le": true, "fpu": true, "hardfp": true, "gc64": true}

func openFFI(L *lua.LState) int {
	m := L.NewTable()
	for _, name := range ffiUnsupported {
		msg := "ffi." + name + " is not supported by goresty"
		m.RawSetString(name, L.NewFunction(func(L *lua.LState) int {
			raise(L, "%s", msg)
			return 0
		}))
	}
	m.RawSetString("os", lua.LString("Linux"))
	m.RawSetString("arch", lua.LString("x64"))
	m.RawSetString("abi", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LBool(ffiABI[checkString(L, 1)]))
		return 1
	}))
	c := L.NewUserData()
	cmt := L.NewTable()
	cmt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		raise(L, "ffi.C is not supported by goresty")
		return 0
	}))
	c.Metatable = cmt
	m.RawSetString("C", c)
	m.RawSetString("nullptr", lua.LNil)
	L.Push(m)
	return 1
}
