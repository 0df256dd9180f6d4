package resty

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"hash"

	lua "github.com/yuin/gopher-lua"
)

// hashKind is one of the resty.<hash> modules.
type hashKind struct {
	name string
	new  func() hash.Hash
}

var hashes = []hashKind{
	{"md5", md5.New},
	{"sha1", sha1.New},
	{"sha224", sha256.New224},
	{"sha256", sha256.New},
	{"sha384", sha512.New384},
	{"sha512", sha512.New},
}

// hashLoader returns the loader of resty.<h.name>: new() gives an object
// with update(s, len?), final() (the binary digest) and reset().
func hashLoader(h hashKind) lua.LGFunction {
	return func(L *lua.LState) int {
		m := L.NewTable()
		mt := L.NewTable()
		mt.RawSetString("__index", m)
		m.RawSetString("_VERSION", lua.LString(StringVersion))
		m.RawSetString("new", L.NewFunction(func(L *lua.LState) int {
			ud := L.NewUserData()
			ud.Value = h.new()
			ud.Metatable = mt
			L.Push(ud)
			return 1
		}))
		m.RawSetString("update", L.NewFunction(func(L *lua.LState) int {
			hh := checkHash(L)
			s := checkBytes(L, 2, "update")
			if L.GetTop() >= 3 && L.Get(3) != lua.LNil {
				n := L.CheckInt(3)
				if n < 0 {
					n = 0
				}
				if n < len(s) {
					s = s[:n]
				}
			}
			hh.Write([]byte(s))
			L.Push(lua.LTrue)
			return 1
		}))
		m.RawSetString("final", L.NewFunction(func(L *lua.LState) int {
			L.Push(lua.LString(checkHash(L).Sum(nil)))
			return 1
		}))
		m.RawSetString("reset", L.NewFunction(func(L *lua.LState) int {
			checkHash(L).Reset()
			L.Push(lua.LTrue)
			return 1
		}))
		L.Push(m)
		return 1
	}
}

func checkHash(L *lua.LState) hash.Hash {
	if ud, ok := L.Get(1).(*lua.LUserData); ok {
		if h, ok := ud.Value.(hash.Hash); ok {
			return h
		}
	}
	L.RaiseError("bad argument #1 (hash object expected, got %s): call it as obj:method()", L.Get(1).Type())
	return nil
}
