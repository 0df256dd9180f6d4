package luavm

import (
	lua "github.com/yuin/gopher-lua"

	"github.com/goresty/goresty/internal/luavm/glstate"
)

// gopher-lua runs a metamethod (__index, __newindex, __add, __eq, __concat,
// ...) and the iterator of a generic for in a nested VM loop on the Go
// stack. A yield from there cannot come back: gopher-lua returns from the
// inner loop as if the metamethod had returned and goes on running the
// coroutine that "yielded". LuaJIT resumes across metamethods and
// iterators, and pure-Lua libraries rely on it (lua-resty-http's
// request_pipeline reads the response in an __index metamethod).
//
// So a wait from inside such a call does not yield: the operation runs
// right there, with the VM released as during any other wait, and the
// call returns its values directly. Only this coroutine waits; the other
// light threads of its request go on after it. ngx.exit there unwinds the
// coroutine with an error that pcall and user coroutines pass on (Exit).

// The callers are found from gopher-lua's call frames: every frame must
// have been entered by a CALL (or TAILCALL) instruction of a Lua frame. A
// frame entered otherwise is a metamethod (the VM was indexing, adding,
// comparing...), an iterator (TFORLOOP), or a Lua function a Go function
// called (table.sort, string.gsub): each runs in a nested VM loop. The
// frames are read at their offsets (glstate), once per wait, which costs
// far less than walking the Go stack.

// inNestedCall reports whether the running Go function of L was entered
// from a VM loop nested in another one of the same coroutine (see above).
// With all set it also looks at the coroutines that resumed this one (a
// system yield travels through pcall and user coroutines up to the
// scheduler).
func inNestedCall(L *lua.LState, all bool) bool {
	if !glstate.Readable() {
		return false
	}
	for th, n := L, 0; th != nil && n < 64; th, n = th.Parent, n+1 {
		for f := glstate.CurrentFrame(th); !f.Nil(); {
			parent := f.Parent()
			if parent.Nil() {
				break // the coroutine's first frame: entered by resume
			}
			pfn := parent.Fn()
			if pfn == nil || pfn.IsG || pfn.Proto == nil {
				return true // a Go function called it
			}
			pc := parent.Pc()
			if pc <= 0 || pc > len(pfn.Proto.Code) {
				return true
			}
			if op := int(pfn.Proto.Code[pc-1] >> 26); op != lua.OP_CALL && op != lua.OP_TAILCALL {
				return true // a metamethod or an iterator
			}
			f = parent
		}
		if !all {
			break
		}
	}
	return false
}

// callerResults is how many results the Lua instruction that called the
// running Go function of L keeps (C-1 of its CALL), or -1 for all of them
// (or when the caller is not a Lua CALL). gopher-lua does not adjust the
// values a yielded coroutine is resumed with to that count: the scheduler
// must (sysYield).
func callerResults(L *lua.LState) int {
	if !glstate.Readable() {
		return -1
	}
	f := glstate.CurrentFrame(L)
	if f.Nil() {
		return -1
	}
	parent := f.Parent()
	if parent.Nil() {
		return -1
	}
	pfn := parent.Fn()
	if pfn == nil || pfn.IsG || pfn.Proto == nil {
		return -1
	}
	pc := parent.Pc()
	if pc <= 0 || pc > len(pfn.Proto.Code) {
		return -1
	}
	inst := pfn.Proto.Code[pc-1]
	if int(inst>>26) != lua.OP_CALL {
		return -1 // a tail call runs as a call keeping all results (tailcall.go)
	}
	return int(inst>>9)&0x1ff - 1
}

// awaitHere runs op on the calling goroutine for a wait that cannot yield
// (inNestedCall) and returns its values, cut or padded to nret, as the
// results of the running Go function.
func (w *Worker) awaitHere(L *lua.LState, t *Task, nret int, op Op) int {
	cur, run := L.G.CurrentThread, w.runID.Swap(0)
	w.mu.Unlock()
	if r := t.R; r != nil {
		if d, ok := r.Out.(interface{ Drain() }); ok {
			d.Drain()
		}
	}
	res := op()
	w.mu.Lock()
	w.cur, L.G.CurrentThread = t, cur
	w.runID.Store(run)
	res = fit(res, nret)
	for _, v := range res {
		L.Push(v)
	}
	return len(res)
}
