package luavm

import (
	"runtime"
	"sync"

	lua "github.com/yuin/gopher-lua"
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

const (
	glPkg      = "github.com/yuin/gopher-lua."
	glLoop     = glPkg + "mainLoop"
	glLoopCtx  = glPkg + "mainLoopWithContext"
	glThreadRn = glPkg + "threadRun"
)

// pcKinds caches what each return address seen by inNestedCall is in.
var pcKinds sync.Map // uintptr -> pcKind

type pcKind uint8

const (
	pcOther pcKind = iota
	pcLoop
	pcThread
)

func kindOf(pc uintptr) pcKind {
	if k, ok := pcKinds.Load(pc); ok {
		return k.(pcKind)
	}
	k := pcOther
	if f := runtime.FuncForPC(pc - 1); f != nil {
		switch f.Name() {
		case glLoop, glLoopCtx:
			k = pcLoop
		case glThreadRn:
			k = pcThread
		}
	}
	pcKinds.Store(pc, k)
	return k
}

// inNestedCall reports whether the running Go function was called from a
// VM loop nested in another one of the same coroutine: inside a
// metamethod, a generic-for iterator, or a Lua callback of a Go function
// (table.sort, string.gsub...). With all set it also looks at the
// coroutines that resumed this one (a system yield travels through pcall
// and user coroutines up to the scheduler).
func inNestedCall(all bool) bool {
	var buf [48]uintptr
	pcs := buf[:]
	for {
		n := runtime.Callers(3, pcs)
		loops := 0
		for _, pc := range pcs[:n] {
			switch kindOf(pc) {
			case pcLoop:
				loops++
			case pcThread:
				if loops > 1 {
					return true
				}
				if !all {
					return false
				}
				loops = 0
			}
		}
		if n < len(pcs) {
			return loops > 1
		}
		pcs = make([]uintptr, 2*len(pcs))
	}
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
