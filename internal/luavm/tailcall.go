package luavm

import (
	"unsafe"

	lua "github.com/yuin/gopher-lua"

	"github.com/goresty/goresty/internal/luavm/glstate"
)

// gopher-lua runs `return f(...)` with f a Go function as a tail call: the
// Go function runs with the caller's frame still in place, and when it
// returns, the caller's frame is removed and the results go to the
// caller's caller. When the Go function yields instead (a cosocket read,
// ngx.sleep), the frame is removed all the same before the yield is seen,
// and the resumed coroutine goes on in the wrong frame: it is reported
// finished, or fails when resumed.
//
// So a tail call of a Go function runs as a plain call: the compiler
// always follows TAILCALL A B 0 with RETURN A 0, which then returns what
// the call left from A on, exactly what the tail call would have
// returned. While the Go function runs, the frames are those of the tail
// call (gopher-lua removes the caller only after it), so error positions
// and tracebacks are unchanged. Tail calls of Lua functions stay tail
// calls (unbounded tail recursion keeps working).
//
// This replaced a Lua wrapper around every yielding function
// (`function(...) return ident(f(...)) end`), which cost a Lua call and a
// second Go call at every use: ~5k of the 58k instructions of a W5 request.

func init() {
	tail, call := jumpTable[lua.OP_TAILCALL], jumpTable[lua.OP_CALL]
	jumpTable[lua.OP_TAILCALL] = func(L *lua.LState, inst uint32, baseframe unsafe.Pointer) int {
		a := int(inst>>18) & 0xff
		if fn, ok := L.Get(a + 1).(*lua.LFunction); ok && fn.IsG {
			return call(L, inst&(1<<glstate.OpShift-1)|uint32(lua.OP_CALL)<<glstate.OpShift, baseframe)
		}
		return tail(L, inst, baseframe)
	}
}
