package stdlib

import (
	lua "github.com/yuin/gopher-lua"

	"github.com/goresty/goresty/internal/luavm/glstate"
)

// A handler chunk's main function starts with a NOP marked entryMark in
// its A field (gopher-lua's own NOPs have A 0). Running it calls
// EntryHook, which readies the coroutine the chunk runs in (luavm
// installs its traceback-taking panic handler). A coroutine can then be
// resumed at the chunk itself: without the mark, it had to start at a
// Lua entry function that made a Go call for that and then called the
// chunk with its arguments, ~1.2k instructions per handler run.
const entryMark = 0xfe

var entryInst = uint32(lua.OP_NOP)<<glstate.OpShift | entryMark<<18

// EntryHook runs where a handler chunk starts (see entryMark).
var EntryHook func(L *lua.LState)

// markEntry puts the entry mark before p's first instruction. Jumps are
// relative, so only the debug information's program counters move.
func markEntry(p *lua.FunctionProto) {
	if !glstate.Readable() {
		return
	}
	line := p.LineDefined
	if len(p.DbgSourcePositions) > 0 {
		line = p.DbgSourcePositions[0]
	}
	p.Code = append([]uint32{entryInst}, p.Code...)
	p.DbgSourcePositions = append([]int{line}, p.DbgSourcePositions...)
	for _, l := range p.DbgLocals {
		l.StartPc++
		l.EndPc++
	}
	for i := range p.DbgCalls {
		p.DbgCalls[i].Pc++
	}
}

// IsEntry reports whether p starts with the entry mark.
func IsEntry(p *lua.FunctionProto) bool {
	return p != nil && len(p.Code) > 0 && p.Code[0] == entryInst
}
