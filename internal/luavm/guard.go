package luavm

import (
	"sync"
	"sync/atomic"
	"unsafe"

	lua "github.com/yuin/gopher-lua"

	"github.com/goresty/goresty/internal/luavm/glstate"
	"github.com/goresty/goresty/luaapi/stdlib"
)

// The runaway guard (lua_max_run_time) needs a running coroutine to stop
// at the watchdog's word. gopher-lua's way is a context, which its VM
// checks before every instruction: a method call and a channel select per
// instruction, 7-8% of all the instructions of a W3 request (callgrind).
//
// goresty checks only where a run can go on without end: at the
// instructions that jump (JMP, FORLOOP, TFORLOOP), call (CALL, TAILCALL)
// or return (RETURN: a Go function may call a Lua function that neither
// jumps nor calls over and over, as load does with a reader function that
// never ends the chunk). Anything else is straight-line code inside one
// call. The check wraps those instructions' entries in gopher-lua's
// dispatch table, and costs an atomic load while no run is being stopped;
// then (rarely, and briefly) it looks up the coroutine's worker.
//
// The dispatch table is gopher-lua's unexported jumpTable (glstate):
// TestGuardTable fails if gopher-lua's layout changes.

var jumpTable = &glstate.JumpTable

// guardedOps are the instructions the check runs at.
var guardedOps = []int{lua.OP_JMP, lua.OP_FORLOOP, lua.OP_TFORLOOP, lua.OP_CALL, lua.OP_TAILCALL, lua.OP_RETURN}

// stopping counts the workers whose current run the watchdog stopped and
// that have not yet raised the error.
var stopping atomic.Int32

// vms maps a VM (its *lua.Global) to its worker, for the slow path of the
// check. A sync.Map: while one worker's stop is pending (its run may be
// inside a long Go function), every other worker reads it at each jump,
// call and return, and must not queue on a lock.
var vms sync.Map

func init() {
	for _, op := range guardedOps {
		orig := jumpTable[op]
		jumpTable[op] = func(L *lua.LState, inst uint32, baseframe unsafe.Pointer) int {
			if stopping.Load() != 0 {
				stopIfKilled(L)
			}
			return orig(L, inst, baseframe)
		}
	}
}

// stopIfKilled raises the runaway error in L when the watchdog stopped
// the run of L's worker, as gopher-lua raises a done context's error.
func stopIfKilled(L *lua.LState) {
	v, ok := vms.Load(L.G)
	if !ok {
		return // a VM that is not a worker's (an embedder's own)
	}
	w := v.(*Worker)
	select {
	case <-*w.kill.Load():
		L.RaiseError("%s", errRunaway.Error())
	default:
	}
}

func registerVM(w *Worker) { vms.Store(w.L.G, w) }

// panics holds each VM's panic handler (by its lua.Global) from its
// creation on, init_by_lua included: a handler chunk's coroutine installs
// it where the chunk starts (stdlib.EntryHook), to take the traceback when
// it fails.
var panics sync.Map

func init() {
	stdlib.EntryHook = func(L *lua.LState) {
		if p, ok := panics.Load(L.G); ok {
			L.Panic = p.(func(*lua.LState))
		}
	}
}

func unregisterVM(w *Worker) {
	vms.Delete(w.L.G)
	panics.Delete(w.L.G)
}
