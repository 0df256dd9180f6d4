package stdlib

import (
	"unsafe"

	lua "github.com/yuin/gopher-lua"

	"github.com/goresty/goresty/internal/luavm/glstate"
)

// `t.name` and `t.name = v` (GETTABLEKS, SETTABLEKS) on a table whose
// metatable has an __index or __newindex function call it with the key,
// and gopher-lua makes a new Lua value of the key's text for every call
// (an allocation), although the prototype holds the key as a value
// already. ngx.var.x, ngx.header.x, a get_headers table's fields: each
// access paid it. These two handlers pass the prototype's constant; they
// also do a table's own key and a table without a metatable themselves
// (one lookup, a little cheaper than gopher-lua's), and leave the rest (an
// __index or __newindex table, a receiver that is not a table, a key in a
// register) to gopher-lua's handlers.

// fieldKeys turns the handlers off for tests that compare.
var fieldKeys = true

// rkConst marks an RK operand that is a constant's index.
const rkConst = 1 << 8

func init() {
	if !glstate.Readable() {
		return
	}
	getks := glstate.JumpTable[lua.OP_GETTABLEKS]
	glstate.JumpTable[lua.OP_GETTABLEKS] = func(L *lua.LState, inst uint32, baseframe unsafe.Pointer) int {
		if fieldKeys && getFieldByFunc(L, inst) {
			return 0
		}
		return getks(L, inst, baseframe)
	}
	setks := glstate.JumpTable[lua.OP_SETTABLEKS]
	glstate.JumpTable[lua.OP_SETTABLEKS] = func(L *lua.LState, inst uint32, baseframe unsafe.Pointer) int {
		if fieldKeys && setFieldByFunc(L, inst) {
			return 0
		}
		return setks(L, inst, baseframe)
	}
}

// metaFunc returns the function at event in t's metatable, or nil.
func metaFunc(t *lua.LTable, event string) *lua.LFunction {
	mt, ok := t.Metatable.(*lua.LTable)
	if !ok {
		return nil
	}
	fn, _ := mt.RawGetString(event).(*lua.LFunction)
	return fn
}

// getFieldByFunc runs GETTABLEKS inst (R(A) = R(B)[K(C)]) when R(B) is a
// table and K(C) its own key, or a key it lacks with no metatable or an
// __index function, and reports whether it did. The operand handling is
// written out here and in setFieldByFunc: a shared helper is not inlined
// and costs every field read of every table ~16 instructions.
func getFieldByFunc(L *lua.LState, inst uint32) bool {
	c := int(inst>>9) & 0x1ff
	if c&rkConst == 0 {
		return false
	}
	f := glstate.CurrentFrame(L)
	regs, _ := glstate.Registers(L)
	lbase := f.LocalBase()
	b := lbase + int(inst&0x1ff)
	if b >= len(*regs) {
		return false
	}
	t, ok := (*regs)[b].(*lua.LTable)
	if !ok {
		return false
	}
	k := f.Fn().Proto.Constants[c&^rkConst]
	key, ok := k.(lua.LString)
	if !ok {
		return false
	}
	v := t.RawGetString(string(key))
	if v == lua.LNil {
		if _, none := t.Metatable.(*lua.LNilType); !none {
			index := metaFunc(t, "__index")
			if index == nil {
				return false // an __index table, or none: gopher-lua's loop
			}
			L.Push(index)
			L.Push(t)
			L.Push(k)
			L.Call(2, 1)
			v = popTop(L)
		}
	}
	// the call may have moved the registers (a frame's registers are
	// always within the array: gopher-lua sizes it when the frame starts)
	regs, top := glstate.Registers(L)
	ra := lbase + int(inst>>18)&0xff
	(*regs)[ra] = v
	if *top <= ra {
		*top = ra + 1
	}
	return true
}

// popTop takes the value at the top of L's registers off, as gopher-lua
// takes a metamethod's result (whatever the call left there).
func popTop(L *lua.LState) lua.LValue {
	regs, top := glstate.Registers(L)
	if *top <= 0 {
		L.RaiseError("register underflow")
	}
	*top--
	v := (*regs)[*top]
	(*regs)[*top] = lua.LNil
	return v
}

// setFieldByFunc runs SETTABLEKS inst (R(A)[K(B)] = RK(C)) when R(A) is
// a table and K(B) its own key, or a key it lacks with no metatable or a
// __newindex function, and reports whether it did.
func setFieldByFunc(L *lua.LState, inst uint32) bool {
	b := int(inst & 0x1ff)
	if b&rkConst == 0 {
		return false
	}
	f := glstate.CurrentFrame(L)
	regs, _ := glstate.Registers(L)
	r := *regs
	lbase := f.LocalBase()
	a := lbase + int(inst>>18)&0xff
	if a >= len(r) {
		return false
	}
	t, ok := r[a].(*lua.LTable)
	if !ok {
		return false
	}
	cl := f.Fn()
	k := cl.Proto.Constants[b&^rkConst]
	key, ok := k.(lua.LString)
	if !ok {
		return false
	}
	c := int(inst>>9) & 0x1ff
	var v lua.LValue
	if c&rkConst != 0 {
		v = cl.Proto.Constants[c&^rkConst]
	} else if lbase+c < len(r) {
		v = r[lbase+c]
	} else {
		return false
	}
	if _, none := t.Metatable.(*lua.LNilType); none || t.RawGetString(string(key)) != lua.LNil {
		t.RawSetString(string(key), v)
		return true
	}
	newindex := metaFunc(t, "__newindex")
	if newindex == nil {
		return false // an __newindex table, or none: gopher-lua's loop
	}
	L.Push(newindex)
	L.Push(t)
	L.Push(k)
	L.Push(v)
	L.Call(3, 0)
	return true
}
