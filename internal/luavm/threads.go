package luavm

import (
	"fmt"

	"github.com/goresty/goresty/internal/errlog"
	lua "github.com/yuin/gopher-lua"
)

// group is the set of coroutines of one handler run: the entry thread and
// the light threads it spawns (ngx.thread.spawn). Its loop resumes
// whichever coroutine can go on and waits for the operations of the others.
type group struct {
	w        *Worker
	entry    *Task
	ready    []wake // a queue, kept at the start of its array
	buf      [2]wake
	ch       chan wake // completions of operations run on other goroutines
	inflight int
	threads  map[*lua.LState]*Task
	live     int // light threads not yet dead
	exited   bool
	done     chan struct{} // closed when the group's run ends
}

type wake struct {
	t    *Task
	fn   *lua.LFunction // set for the first resume
	vals []lua.LValue
}

// threadState is what a light thread keeps after it ends.
type threadState struct {
	dead    bool
	ok      bool
	vals    []lua.LValue
	err     lua.LValue // the error value, as error() raised it (a table stays a table)
	waiters []*Task
	waited  bool
}

// drive runs t (and the light threads it spawns) to the end, releasing the
// VM around every operation. The caller holds w.mu; drive returns with it held.
func (w *Worker) drive(t *Task, fn *lua.LFunction, args []lua.LValue) runResult {
	g := &t.own // the entry task carries its group: no allocation
	g.w, g.entry = w, t
	t.g = g
	g.ready = append(g.buf[:0], wake{t: t, fn: fn, vals: args})
	return g.run()
}

func (g *group) run() runResult {
	w := g.w
	prev := w.cur
	defer func() {
		w.cur = prev
		if g.done != nil {
			close(g.done)
		}
	}()
	for {
		for len(g.ready) > 0 {
			wk := g.ready[0]
			n := copy(g.ready, g.ready[1:])
			g.ready[n] = wake{}
			g.ready = g.ready[:n]
			t := wk.t
			if t.dead {
				continue
			}
			vals := wk.vals
			if wk.fn == nil {
				vals = fit(vals, t.nret)
				if t.keep > 0 {
					vals = fit(vals, t.keep-1)
				}
			}
			t.keep = 0
			st, err, out := w.resume(w.L, t, wk.fn, vals)
			g.after(t, st, err, out, false)
			if g.exited {
				g.killAll()
				return g.entry.result
			}
		}
		if g.entry.dead && g.live == 0 {
			g.killAll() // background threads (ngx.on_abort) end with the handler
			return g.entry.result
		}
		if g.inflight == 0 {
			// nothing can wake anything: threads wait on each other for good
			if !g.entry.dead {
				g.entry.result = runResult{err: fmt.Errorf("lua entry thread is waiting forever (no pending operation)")}
			}
			g.killAll()
			return g.entry.result
		}
		w.cur = prev
		if r := g.entry.R; r != nil {
			if d, ok := r.Out.(atWaitDrainer); ok {
				w.mu.Unlock()
				d.DrainAtWait()
				w.mu.Lock()
			}
		}
		w.mu.Unlock()
		wk := <-g.ch
		w.mu.Lock()
		g.inflight--
		g.ready = append(g.ready, wk)
	}
}

// after handles a resume's outcome. nested is set when the resume happened
// inside another coroutine's Go call (spawn): operations then never run inline.
func (g *group) after(t *Task, st lua.ResumeState, err error, vals []lua.LValue, nested bool) {
	w := g.w
	switch st {
	case lua.ResumeYield:
		if t.exited {
			g.exitBy(t)
			return
		}
		if t.waiting {
			return
		}
		op := t.op
		t.op = nil
		if op == nil {
			// a plain yield (coroutine.yield in the entry thread): run the others first
			g.ready = append(g.ready, wake{t: t})
			return
		}
		if t.noYield {
			g.finish(t, runResult{err: fmt.Errorf("attempt to yield across C-call boundary")})
			return
		}
		if !nested && g.live == 0 && len(g.ready) == 0 && g.inflight == 0 {
			// the common case: one coroutine, so the operation runs right
			// here, without a goroutine or a channel hand-off
			prev := w.cur
			res := w.runReleased(t, op)
			w.cur = prev
			g.ready = append(g.ready, wake{t: t, vals: res})
			return
		}
		if g.ch == nil {
			g.ch = make(chan wake, 4)
			g.done = make(chan struct{})
		}
		g.inflight++
		ch, done := g.ch, g.done
		go func() {
			res := op()
			select {
			case ch <- wake{t: t, vals: res}:
			case <-done: // the group ended (its threads were killed): nobody waits
			}
		}()
	case lua.ResumeOK:
		g.finish(t, runResult{ok: true, vals: vals})
	default:
		if t.unwinding {
			// ngx.exit inside a metamethod: the error was the way out; the
			// coroutine died with it and is not reused
			t.unwinding, t.Aborted = false, true
			g.exitBy(t)
			return
		}
		g.finish(t, runResult{err: err})
	}
}

// exitBy records that t called ngx.exit: the whole request ends.
func (g *group) exitBy(t *Task) {
	g.exited = true
	if t != g.entry {
		g.entry.exited, g.entry.code = true, t.code
	}
	g.entry.result = runResult{ok: true}
}

// finish records the end of t and wakes the threads waiting for it.
func (g *group) finish(t *Task, res runResult) {
	t.dead = true
	t.result = res
	if t == g.entry {
		return
	}
	if !t.background {
		g.live--
	}
	ts := t.thread
	ts.dead = true
	if res.err != nil {
		ts.err = errorValue(res.err)
		g.w.logTask(t, errlog.Error, "lua user thread aborted: runtime error: "+errorText(res.err, t.trace))
	} else {
		ts.ok = true
		ts.vals = res.vals
	}
	for _, waiter := range ts.waiters {
		if waiter.dead || !waiter.waiting {
			continue
		}
		waiter.waiting = false
		ts.waited = true
		for _, other := range waiter.waitOn {
			other.thread.waiters = removeTask(other.thread.waiters, waiter)
		}
		waiter.waitOn = nil
		g.ready = append(g.ready, wake{t: waiter, vals: ts.results()})
	}
}

func (ts *threadState) results() []lua.LValue {
	if !ts.ok {
		return []lua.LValue{lua.LFalse, ts.err}
	}
	out := make([]lua.LValue, 0, len(ts.vals)+1)
	out = append(out, lua.LTrue)
	if len(ts.vals) == 1 && ts.vals[0] == lua.LNil {
		return out // gopher-lua reports "no values" as a single nil
	}
	return append(out, ts.vals...)
}

// coStatus is coroutine.status(co). A light thread reads as OpenResty
// shows it: "running" while it waits for an operation (the scheduler, not
// Lua, resumes it), "zombie" once it ended until it is waited for, then
// "dead".
func (w *Worker) coStatus(L *lua.LState, co *lua.LState) string {
	if t := w.cur; t != nil && t.g != nil {
		if th := t.g.threads[co]; th != nil && th.thread != nil {
			switch {
			case !th.thread.dead:
				return "running"
			case th.thread.waited:
				return "dead"
			default:
				return "zombie"
			}
		}
	}
	return L.Status(co)
}

// errorValue is the value a failed coroutine raised.
func errorValue(err error) lua.LValue {
	if ae, ok := err.(*lua.ApiError); ok && ae.Object != nil {
		return ae.Object
	}
	return lua.LString(errorText(err, ""))
}

func removeTask(ts []*Task, t *Task) []*Task {
	for i, x := range ts {
		if x == t {
			return append(ts[:i], ts[i+1:]...)
		}
	}
	return ts
}

// killAll ends every light thread (ngx.exit, or the entry thread failed).
func (g *group) killAll() {
	for _, t := range g.threads {
		if !t.dead {
			t.dead = true
			t.thread.dead = true
			if !t.background {
				g.live--
			}
		}
	}
	g.ready = nil
}

// Spawn starts fn as a light thread of the running task and runs it until
// it first yields or ends (ngx.thread.spawn). It returns the thread's coroutine.
func Spawn(L *lua.LState, w *Worker, fn *lua.LFunction, args []lua.LValue) *lua.LState {
	return spawn(L, w, fn, args, false)
}

// SpawnBackground is Spawn for a thread the handler does not wait for: it
// ends with the handler (ngx.on_abort's watcher).
func SpawnBackground(L *lua.LState, w *Worker, fn *lua.LFunction, args []lua.LValue) *lua.LState {
	return spawn(L, w, fn, args, true)
}

func spawn(L *lua.LState, w *Worker, fn *lua.LFunction, args []lua.LValue, background bool) *lua.LState {
	parent := w.cur
	if parent == nil || parent.g == nil {
		L.RaiseError("no request found")
	}
	g := parent.g
	t := &Task{W: w, Co: w.NewThread(), R: parent.R, Phase: parent.Phase, g: g, thread: &threadState{},
		parentTask: parent, background: background, timerFrom: parent.timerFrom, TimerLoc: parent.TimerLoc}
	if g.threads == nil {
		g.threads = map[*lua.LState]*Task{}
	}
	g.threads[t.Co] = t
	if !background {
		g.live++
	}
	all := append(t.argv[:0], fn)
	all = append(all, args...)
	st, err, out := w.resume(L, t, w.entry, all)
	w.cur = parent
	g.after(t, st, err, out, true)
	return t.Co
}

// Wait waits for any of the given light threads (ngx.thread.wait).
func Wait(L *lua.LState, w *Worker, cos []*lua.LState) int {
	t := w.cur
	if t == nil || t.g == nil {
		L.RaiseError("no request found")
	}
	var targets []*Task
	for _, co := range cos {
		th := t.g.threads[co]
		if th == nil {
			L.RaiseError("attempt to wait on a coroutine that is not a user thread")
		}
		if th.parentTask != t {
			L.RaiseError("only the parent coroutine can wait on the thread")
		}
		if th.thread.dead {
			if th.thread.waited {
				L.Push(lua.LNil)
				L.Push(lua.LString("already waited or killed"))
				return 2
			}
			th.thread.waited = true
			res := th.thread.results()
			for _, v := range res {
				L.Push(v)
			}
			return len(res)
		}
		targets = append(targets, th)
	}
	for _, th := range targets {
		th.thread.waiters = append(th.thread.waiters, t)
	}
	if inNestedCall(L, true) {
		// see nested.go: the coroutine cannot be left from here
		L.RaiseError("attempt to yield across C-call boundary")
	}
	t.waitOn = targets
	t.waiting = true
	t.nret = -1
	return w.sysYield(L, t)
}

// Kill ends a light thread (ngx.thread.kill).
func Kill(L *lua.LState, w *Worker, co *lua.LState) int {
	t := w.cur
	th := t.g.threads[co]
	if th == nil {
		L.Push(lua.LNil)
		L.Push(lua.LString("not user thread"))
		return 2
	}
	if th.parentTask != t {
		L.Push(lua.LNil)
		L.Push(lua.LString("killer not parent"))
		return 2
	}
	if th.dead {
		L.Push(lua.LNil)
		L.Push(lua.LString("already waited or killed"))
		return 2
	}
	th.dead = true
	th.thread.dead = true
	th.thread.waited = true
	if !th.background {
		t.g.live--
	}
	L.Push(lua.LNumber(1))
	return 1
}

// atWaitDrainer is the server's output while a handler waits: it sends
// what nginx's write filter would send by then.
type atWaitDrainer interface{ DrainAtWait() }
