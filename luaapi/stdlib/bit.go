package stdlib

import (
	"math"
	"math/bits"

	lua "github.com/yuin/gopher-lua"
)

// bitFuncs is LuaJIT's BitOp module.
var bitFuncs = map[string]lua.LGFunction{
	"tobit":   bitToBit,
	"tohex":   bitToHex,
	"bnot":    bitNot,
	"band":    bitAnd,
	"bor":     bitOr,
	"bxor":    bitXor,
	"lshift":  bitLShift,
	"rshift":  bitRShift,
	"arshift": bitARShift,
	"rol":     bitRol,
	"ror":     bitRor,
	"bswap":   bitBswap,
}

func openBit(L *lua.LState) int {
	L.Push(L.SetFuncs(L.NewTable(), bitFuncs))
	return 1
}

// toBit normalises a number to int32 exactly as LuaJIT does: add 2^52+2^51
// and keep the low 32 bits of the double, which rounds half to even and
// wraps modulo 2^32.
func toBit(f float64) int32 {
	return int32(uint32(math.Float64bits(f + 6755399441055744.0)))
}

func checkBit(L *lua.LState, n int) int32 { return toBit(checkNumber(L, n)) }

func pushBit(L *lua.LState, v int32) int {
	L.Push(lua.LNumber(v))
	return 1
}

func bitToBit(L *lua.LState) int { return pushBit(L, checkBit(L, 1)) }
func bitNot(L *lua.LState) int   { return pushBit(L, ^checkBit(L, 1)) }
func bitBswap(L *lua.LState) int {
	return pushBit(L, int32(bits.ReverseBytes32(uint32(checkBit(L, 1)))))
}

func bitFold(L *lua.LState, op func(a, b int32) int32) int {
	v := checkBit(L, 1)
	for i := 2; i <= L.GetTop(); i++ {
		v = op(v, checkBit(L, i))
	}
	return pushBit(L, v)
}

func bitAnd(L *lua.LState) int { return bitFold(L, func(a, b int32) int32 { return a & b }) }
func bitOr(L *lua.LState) int  { return bitFold(L, func(a, b int32) int32 { return a | b }) }
func bitXor(L *lua.LState) int { return bitFold(L, func(a, b int32) int32 { return a ^ b }) }

// shiftArgs returns the value and the shift count masked to 5 bits.
func shiftArgs(L *lua.LState) (uint32, uint) {
	return uint32(checkBit(L, 1)), uint(checkBit(L, 2) & 31)
}

func bitLShift(L *lua.LState) int {
	v, n := shiftArgs(L)
	return pushBit(L, int32(v<<n))
}

func bitRShift(L *lua.LState) int {
	v, n := shiftArgs(L)
	return pushBit(L, int32(v>>n))
}

func bitARShift(L *lua.LState) int {
	v, n := shiftArgs(L)
	return pushBit(L, int32(v)>>n)
}

func bitRol(L *lua.LState) int {
	v, n := shiftArgs(L)
	return pushBit(L, int32(bits.RotateLeft32(v, int(n))))
}

func bitRor(L *lua.LState) int {
	v, n := shiftArgs(L)
	return pushBit(L, int32(bits.RotateLeft32(v, -int(n))))
}

// bitToHex is bit.tohex(x [, n]): n digits (default 8, at most 16), upper
// case when n is negative; x is zero-extended from 32 bits.
func bitToHex(L *lua.LState) int {
	x := uint64(uint32(checkBit(L, 1)))
	n := int32(8)
	if L.Get(2) != lua.LNil {
		n = checkBit(L, 2)
	}
	digits := "0123456789abcdef"
	if n < 0 {
		n = -n
		digits = "0123456789ABCDEF"
	}
	if n > 16 {
		n = 16
	}
	buf := make([]byte, n)
	for i := int(n) - 1; i >= 0; i-- {
		buf[i] = digits[x&15]
		x >>= 4
	}
	L.Push(lua.LString(buf))
	return 1
}
