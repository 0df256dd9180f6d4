package luavm

import (
	"errors"
	"time"

	"github.com/goresty/goresty/luaapi/stdlib"
	"github.com/goresty/goresty/phases"
	lua "github.com/yuin/gopher-lua"
)

// Coroutines and tasks are reused. A gopher-lua coroutine costs about
// 4 KB (registry, call-frame stack, allocator) and a Task a few hundred
// bytes; made per handler run, they are most of what a request allocates
// in the VM, and when thousands of parked requests end at once the dead
// coroutines become garbage while the next requests make new ones. Each
// worker keeps the ones that ended cleanly on free lists instead.
//
// A coroutine goes back on the list only when nothing can reach it any
// more and its stack is empty:
//   - the entry thread of a run (and the threads of the yield-safe pcall)
//     that finished normally, or that ngx.exit left suspended, once unwind
//     has emptied its stack;
//   - never a light thread or a user coroutine: Lua holds their handles;
//   - never a coroutine that raised an error or was stopped by
//     lua_max_run_time: gopher-lua leaves frames on its stack;
//   - never a coroutine of a task that called coroutine.running(): Lua may
//     hold its handle (Task.exposed).
const (
	maxFreeThreads = 256 // per worker
	maxFreeTasks   = 256 // per worker
	// maxUnwind is the deepest call stack unwind empties; a coroutine
	// that called ngx.exit deeper than this is dropped, not reused.
	maxUnwind = 16
)

// thread returns a coroutine ready to run a function: one from the free
// list, or a new one. The caller holds the VM.
func (w *Worker) thread() *lua.LState {
	if n := len(w.free); n > 0 {
		co := w.free[n-1]
		w.free[n-1] = nil
		w.free = w.free[:n-1]
		return co
	}
	return w.NewThread()
}

// NewThread returns a fresh coroutine of this VM for luaapi (light
// threads, user coroutines). It has no context: the runaway guard is in
// the dispatch table (guard.go). It is never reused.
func (w *Worker) NewThread() *lua.LState {
	co, _ := w.L.NewThread() // the VM's own state has no context: no cancel func
	return co
}

// release puts co on the free list, reset to what NewThread gives. co
// must have ended cleanly: its call stack is empty, so it has no frames
// and no open upvalues left (gopher-lua closes them on return), and
// nothing else refers to it. The caller holds the VM.
func (w *Worker) release(co *lua.LState) {
	if len(w.free) >= maxFreeThreads || w.closed {
		return
	}
	// with no frame, SetTop(0) clears every register the run used, so
	// the old run's values are not kept alive by the idle coroutine
	co.SetTop(0)
	co.Env = w.L.Env // setfenv(0, t) changes it
	co.Dead = false
	co.Parent = nil
	co.Panic = w.panicFn // xpcall's handler installs a closure over a Lua function
	w.free = append(w.free, co)
}

// retire releases the coroutine of t, an entry-type task (not a light
// thread) whose run is over, when it ended cleanly: it finished, or it
// called ngx.exit and unwind could empty its stack.
func (w *Worker) retire(t *Task) {
	if t.exposed || t.Aborted || t.thread != nil || t.Co == nil {
		return
	}
	co := t.Co
	t.Co = nil
	switch {
	case t.dead:
		// finished: the stack is empty unless it ended in an error
		if t.result.err == nil {
			w.release(co)
		}
	case t.exited:
		if w.unwind(co) {
			w.release(co)
		}
	}
}

// unwind empties the call stack of co, a coroutine that ngx.exit left
// suspended for good, so that it can be reused. gopher-lua has no call for
// this, so co is resumed with a context that is already done: the
// instruction it would run next raises an error instead, which closes the
// upvalues still open in all its frames (the handler's closures keep their
// values, not registers of the coroutine's next run) and pops one frame.
// That is repeated until the stack is empty. It gives up (co is then
// dropped, not reused) on a stack deeper than maxUnwind or on a Go
// function's frame, which resuming would call.
func (w *Worker) unwind(co *lua.LState) bool {
	co.Panic = plainPanic
	co.SetContext(unwound)
	defer co.RemoveContext()
	for i := 0; i <= maxUnwind; i++ {
		// a suspended coroutine's current frame is the top of its stack
		dbg, ok := co.GetStack(0)
		if !ok {
			return true // no frame left
		}
		if f, _ := co.GetInfo("f", dbg, lua.LNil); f == nil || f.(*lua.LFunction).IsG {
			return false
		}
		co.Dead = false
		if st, _, _ := w.L.Resume(co, nil); st != lua.ResumeError {
			return false // it ran: cannot happen with a done context
		}
	}
	return false
}

// luajitPanic raises the error without a traceback, in LuaJIT's words
// when gopher-lua's VM raised it.
func luajitPanic(L *lua.LState) {
	stdlib.TranslateVMError(L)
	plainPanic(L)
}

// plainPanic raises the error without a traceback (unwind's errors are
// never shown).
func plainPanic(L *lua.LState) {
	panic(&lua.ApiError{Type: lua.ApiErrorRun, Object: L.Get(-1)})
}

var errUnwound = errors.New("coroutine unwound for reuse")

// doneCtx is a context that is always done; unwind resumes coroutines
// with it.
type doneCtx struct{ ch chan struct{} }

func (c doneCtx) Deadline() (time.Time, bool) { return time.Time{}, false }
func (c doneCtx) Done() <-chan struct{}       { return c.ch }
func (c doneCtx) Value(any) any               { return nil }
func (c doneCtx) Err() error                  { return errUnwound }

var unwound = func() doneCtx {
	ch := make(chan struct{})
	close(ch)
	return doneCtx{ch: ch}
}()

// newTask returns a task for a run of phase ph (r is nil outside
// requests) with a coroutine ready to start. The caller holds the VM.
func (w *Worker) newTask(r *phases.Request, ph phases.Phase) *Task {
	var t *Task
	if n := len(w.tasks); n > 0 {
		t = w.tasks[n-1]
		w.tasks[n-1] = nil
		w.tasks = w.tasks[:n-1]
	} else {
		t = &Task{}
	}
	t.W, t.Co, t.R, t.Phase = w, w.thread(), r, ph
	return t
}

// freeTask ends t's run: its coroutine goes back to the free list when it
// ended cleanly, and t itself when nothing can refer to it any more. An
// operation that ran on its own goroutine (light threads) may still hold
// t, and light threads hold their parent: such tasks are left to the GC.
// The caller holds the VM and does not use t afterwards.
func (w *Worker) freeTask(t *Task) {
	w.retire(t)
	if g := &t.own; g.ch != nil || g.threads != nil || len(w.tasks) >= maxFreeTasks {
		return
	}
	*t = Task{}
	w.tasks = append(w.tasks, t)
}

// runEntry drives t from the start: the entry function (which installs
// the traceback-capturing panic handler) calls fn with args.
func (w *Worker) runEntry(t *Task, fn *lua.LFunction, args ...lua.LValue) runResult {
	if stdlib.IsEntry(fn.Proto) {
		// a handler chunk readies its coroutine itself
		return w.drive(t, fn, args)
	}
	all := append(t.argv[:0], fn)
	all = append(all, args...)
	return w.drive(t, w.entry, all)
}
