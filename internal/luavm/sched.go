package luavm

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/goresty/goresty/internal/clock"
	"github.com/goresty/goresty/internal/errlog"
	"github.com/goresty/goresty/luaapi/stdlib"
	"github.com/goresty/goresty/phases"
	lua "github.com/yuin/gopher-lua"
)

// Op is an operation a yielded coroutine waits for. It runs without the VM
// lock, on the goroutine that drives the task, and returns the values the
// yielding Lua call returns.
type Op func() []lua.LValue

// Task is one coroutine run: a request's phase handler, a light thread or
// a timer callback.
type Task struct {
	W     *Worker
	Co    *lua.LState
	R     *phases.Request // nil for timers and init
	Phase phases.Phase
	Env   *lua.LTable
	// Ctx is ngx.ctx of a task without a request (a timer's run,
	// init_worker_by_lua): its own table, as lua-nginx-module gives.
	Ctx *lua.LTable

	op      Op
	nret    int
	waiting bool // in ngx.thread.wait
	exited  bool
	code    int
	trace   string
	// coErr and coTrace are the last error that ended a user coroutine
	// and its traceback, taken there: when coroutine.wrap passes that
	// error on and it ends the handler, the log shows the coroutine's
	// frames, as nginx's does
	coErr   lua.LValue
	coTrace string
	// Aborted is set when the handler was stopped (runaway, error).
	Aborted    bool
	g          *group
	own        group // the group this task leads, when it is an entry thread
	dead       bool
	result     runResult
	thread     *threadState // for light threads
	parentTask *Task
	background bool // a light thread the handler does not wait for
	waitOn     []*Task
	// timerFrom is ", client: ..., server: ..." of the request that
	// started the timer this task runs (inherited by the timers it starts).
	timerFrom string
	// TimerLoc is the location configuration (phases.Request.Loc) of the
	// request that started the timer this task runs: nginx's timers keep
	// it, so lua_socket_* settings of that location apply.
	TimerLoc any

	// Args is ngx.arg (set_by_lua arguments, body_filter chunk and eof).
	Args    []lua.LValue
	noYield bool
	// keep: the values the call that yielded to the scheduler keeps, plus
	// one (0: all of them); used once, at the resume
	keep int
	// nestedRun: the task was resumed inside another task's Go call (a
	// filter run by ngx.say, a thread by ngx.thread.spawn)
	nestedRun bool
	// unwinding: ngx.exit ran where the coroutine cannot yield (nested.go);
	// an error carries it out of the coroutine
	unwinding bool
	// exposed: coroutine.running() gave Lua a handle on one of the task's
	// coroutines, which therefore are not reused.
	exposed bool
	argv    [3]lua.LValue // the entry's first arguments, without an allocation
}

// Exit codes handlers may give (ngx.OK etc.).
const (
	CodeOK       = 0
	CodeError    = -1
	CodeAgain    = -2
	CodeDone     = -4
	CodeDeclined = -5
)

var errRunaway = errors.New("lua_max_run_time exceeded")

// Await records op as what the running task waits for and yields. The
// yielding call returns the op's values, padded or cut to nret.
func Await(L *lua.LState, w *Worker, nret int, op Op) int {
	t := w.cur
	if t == nil {
		L.RaiseError("attempt to yield across C-call boundary")
		return 0
	}
	if inNestedCall(L, true) {
		if t.noYield {
			L.RaiseError("attempt to yield across C-call boundary")
		}
		return w.awaitHere(L, t, nret, op)
	}
	if g := t.g; L == t.Co && !t.noYield && !t.nestedRun && g != nil && t == g.entry &&
		g.live == 0 && len(g.ready) == 0 && g.inflight == 0 {
		return w.waitInPlace(L, t, nret, op)
	}
	t.op = op
	t.nret = nret
	return w.sysYield(L, t)
}

// sysYield yields the running coroutine to the scheduler, recording how
// many values the calling instruction keeps (callerResults): the values
// it is resumed with are cut or padded to that.
func (w *Worker) sysYield(L *lua.LState, t *Task) int {
	t.keep = callerResults(L) + 1
	return L.Yield(w.Sys)
}

// waitInPlace is Await for the common case, a request's only coroutine
// waiting with nothing else of its request to run: the scheduler would
// run op right away on this goroutine and resume the coroutine with its
// values (group.after), so op runs here instead, without the yield and
// the resume (a pooled Redis GET in W5 has one such wait). The wait ends
// the VM turn and a new one starts after it, as around a yield: the VM is
// released, the watchdog sees the worker idle, the cached time is renewed.
func (w *Worker) waitInPlace(L *lua.LState, t *Task, nret int, op Op) int {
	w.runID.Store(0)
	if stopping.Load() != 0 {
		w.dropStaleStop()
	}
	cur := L.G.CurrentThread
	res := w.runReleased(t, op)
	// other requests ran on the VM meanwhile
	w.cur, L.G.CurrentThread = t, cur
	if stopping.Load() != 0 {
		w.dropStaleStop()
	}
	w.runSeq++
	w.runID.Store(w.runSeq)
	w.now = time.Now()
	res = fit(res, nret)
	for _, v := range res {
		L.Push(v)
	}
	return len(res)
}

// Exit ends the running task with code (ngx.exit): the coroutine yields
// and is never resumed.
func Exit(L *lua.LState, w *Worker, code int) int {
	t := w.cur
	switch t.Phase {
	case phases.BodyFilter:
		// lua-nginx-module 0.10.23 refuses ngx.exit in body filters
		L.RaiseError("API disabled in the context of %s", t.Phase.Context())
	case phases.HeaderFilter:
		// a header filter runs to its end: ngx.exit only records the
		// status the response is to be replaced with (the last one wins)
		t.exited = true
		t.code = code
		return 0
	}
	t.exited = true
	t.code = code
	t.op = nil
	if inNestedCall(L, true) {
		// see nested.go: the coroutine cannot yield from here, so it is
		// unwound by an error that pcall and coroutines pass on
		t.unwinding = true
		L.RaiseError("ngx.exit(%d)", code)
	}
	return L.Yield(w.Sys)
}

// Exited reports whether the task ended by Exit, and its code.
func (t *Task) Exited() (bool, int) { return t.exited, t.code }

// runResult is how a task ended.
type runResult struct {
	ok   bool // finished normally or by Exit
	err  error
	vals []lua.LValue
}

func fit(res []lua.LValue, n int) []lua.LValue {
	if n < 0 || len(res) == n {
		return res
	}
	for len(res) < n {
		res = append(res, lua.LNil)
	}
	return res[:n]
}

func (w *Worker) resume(from *lua.LState, t *Task, fn *lua.LFunction, args []lua.LValue) (lua.ResumeState, error, []lua.LValue) {
	w.cur = t
	nested := w.runID.Load() != 0
	t.nestedRun = nested
	if !nested {
		if stopping.Load() != 0 {
			w.dropStaleStop() // a stop that came after the run it was for
		}
		w.runSeq++
		w.runID.Store(w.runSeq)
		// a new turn: ngx.now() and friends read this until the next
		// one, as nginx's time cached per event-loop iteration
		w.now = clock.Now()
	}
	st, err, vals := from.Resume(t.Co, fn, args...)
	if !nested {
		w.runID.Store(0)
	}
	if st == lua.ResumeError && w.RT.Main.MaxRunTime > 0 {
		select {
		case <-*w.kill.Load():
			// stopped by the watchdog: arm a fresh channel for the next run
			w.rearmKill()
			t.Aborted = true
			err = fmt.Errorf("lua handler exceeded lua_max_run_time %v without yielding: aborted", w.RT.Main.MaxRunTime)
		default:
		}
	} else if !nested && stopping.Load() != 0 {
		w.dropStaleStop() // the stop came as the run ended on its own
	}
	return st, err, vals
}

// runReleased runs op for t with the VM released (the caller holds w.mu
// and gets it back), after sending the client what nginx's write filter
// would have sent before a wait; w.cur is nil on return.
func (w *Worker) runReleased(t *Task, op Op) []lua.LValue {
	w.cur = nil
	w.mu.Unlock()
	if r := t.R; r != nil {
		if d, ok := r.Out.(atWaitDrainer); ok {
			d.DrainAtWait()
		}
	}
	res := op()
	w.mu.Lock()
	return res
}

// rearmKill gives the worker a fresh kill channel after a stop was used.
func (w *Worker) rearmKill() {
	ch := make(chan struct{})
	stopping.Add(-1)
	w.kill.Store(&ch)
}

// dropStaleStop rearms the kill channel when the watchdog closed it for a
// run that ended before the stop could act (the watchdog saw the run
// still going just before it ended): otherwise the worker's next run
// would be stopped in its place.
func (w *Worker) dropStaleStop() {
	select {
	case <-*w.kill.Load():
		w.rearmKill()
	default:
	}
}

// errorText renders a Lua error as OpenResty logs it.
func errorText(err error, trace string) string {
	var msg string
	if ae, ok := err.(*lua.ApiError); ok {
		switch v := ae.Object.(type) {
		case lua.LString:
			msg = string(v)
		case lua.LNumber:
			msg = v.String()
		default:
			msg = "unknown reason" // nil and tables too, as lua-nginx-module logs them
		}
	} else {
		msg = err.Error()
	}
	if trace != "" {
		msg += "\n" + trace
	}
	return msg
}

// logTask writes an error-log line in the context of t's request.
func (w *Worker) logTask(t *Task, lv errlog.Level, msg string) {
	if t != nil && t.R != nil {
		ctx := errlog.ForRequest(t.R)
		if t.Phase == phases.Log {
			ctx.Action = "logging request"
		}
		w.RT.Log.Log(lv, ctx, msg)
		return
	}
	if t != nil && t.Phase == phases.Timer {
		w.RT.Log.Log(lv, t.TimerLogContext(), msg)
		return
	}
	w.RT.Log.Log(lv, nil, msg)
}

// logTraceMax is how many frames of a coroutine nginx's log shows.
const logTraceMax = 22

// traceback builds the "stack traceback:" of an error for the log, as
// nginx writes it: "coroutine 0:" with the frames of the coroutine that
// failed, then one section per coroutine that resumed it.
func (w *Worker) traceback(L *lua.LState) string {
	var b strings.Builder
	b.WriteString("stack traceback:")
	flat := w.cur != nil && !coroutinePhase(w.cur.Phase)
	for i, sec := range w.traceSections(L, 0, true) {
		if flat {
			// lua-nginx-module runs these handlers by a plain pcall: the
			// traceback of the one stack, without "coroutine 0:"
			if i > 0 {
				break
			}
		} else {
			b.WriteString("\ncoroutine " + strconv.Itoa(i) + ":")
		}
		if len(sec) > logTraceMax {
			sec = append(sec[:logTraceMax:logTraceMax], "...") // nginx keeps the top only
		}
		for _, l := range sec {
			b.WriteString("\n\t")
			b.WriteString(l)
		}
	}
	return b.String()
}

// coroutinePhase reports whether lua-nginx-module runs the handlers of ph
// in a coroutine of their own (which its error-log tracebacks show as
// "coroutine 0:"); the others (set, filters, log, init*, exit_worker) are
// called by a plain pcall.
func coroutinePhase(ph phases.Phase) bool {
	switch ph {
	case phases.ServerRewrite, phases.Rewrite, phases.Access, phases.Content, phases.Timer, phases.Balancer:
		return true
	}
	return false
}

// callerTrace is debug.traceback("", 2) as seen from a Go function: the
// frames of its callers, as LuaJIT shows them.
func (w *Worker) callerTrace(L *lua.LState) string {
	var b strings.Builder
	b.WriteString("stack traceback:")
	for _, l := range w.traceLines(L, 1) {
		b.WriteString("\n\t")
		b.WriteString(l)
	}
	return b.String()
}

// tracePanic replaces gopher-lua's panic handler inside handler coroutines
// so the traceback is taken while the stack is still there.
func (w *Worker) tracePanic(L *lua.LState) {
	stdlib.TranslateVMError(L)
	if t := w.cur; t != nil && t.trace == "" {
		if t.coTrace != "" && L.Get(-1) == t.coErr {
			t.trace = t.coTrace
		} else {
			t.trace = w.traceback(L)
		}
	}
	panic(&lua.ApiError{Type: lua.ApiErrorRun, Object: L.Get(-1)})
}

// Now is the worker's cached time (ngx.now, ngx.time...): the time the
// running Lua was resumed at, or of the last ngx.update_time; outside a
// run, the clock.
func (w *Worker) Now() time.Time {
	if w.now.IsZero() || w.runID.Load() == 0 {
		return time.Now()
	}
	return w.now
}

// UpdateTime refreshes the cached time (ngx.update_time).
func (w *Worker) UpdateTime() { w.now = time.Now() }
