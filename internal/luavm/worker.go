package luavm

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/internal/errlog"
	"github.com/goresty/goresty/phases"
	lua "github.com/yuin/gopher-lua"
)

func init() {
	// every call of a main chunk would otherwise allocate an "arg" table
	lua.CompatVarArg = false
}

// Opener installs the ngx API and built-in modules into a new worker VM.
// The server passes luaapi's opener in, so luavm does not import luaapi.
type Opener func(w *Worker) error

// Runtime is the Lua side of one Plan: its workers and main configuration.
type Runtime struct {
	Plan    *config.Plan
	Log     *errlog.Logger
	Main    *MainConf
	Workers []*Worker
	exiting atomic.Bool
	stop    chan struct{}
	wg      sync.WaitGroup
	// Data is runtime-wide state owned by luaapi (shared dict zones...).
	Data   sync.Map
	timerN timerCounts
}

// Worker owns one Lua VM. Whoever holds mu runs Lua on it.
type Worker struct {
	ID  int
	RT  *Runtime
	mu  sync.Mutex
	L   *lua.LState
	cur *Task // the task running Lua right now (under mu)

	free    []*lua.LState             // finished threads kept for reuse (pool.go)
	tasks   []*Task                   // finished tasks kept for reuse
	fns     map[*Chunk]*lua.LFunction // handler closures, made once per VM
	byCode  map[string]*lua.LFunction // inline handlers by kind and code (Chunk.codeKey)
	panicFn func(*lua.LState)         // w.tracePanic, bound once

	kill atomic.Pointer[chan struct{}] // closed to stop a runaway handler
	// runID identifies the resume running now (0: idle); the watchdog
	// counts the ticks it sees the same one, so no clock is read per resume.
	runID     atomic.Uint64
	runSeq    uint64 // under mu
	seenID    uint64 // watchdog's
	seenTicks int
	killed    bool // under mu: the current resume was stopped

	// Data holds per-worker state owned by luaapi (the ngx table...).
	Data map[string]any
	// Sys is the sentinel value system yields carry.
	Sys *lua.LUserData

	timers sync.WaitGroup
	entry  *lua.LFunction
	// tramp and xentry start the coroutine of a pcall and of an xpcall:
	// debug.traceback recognises those coroutines by them
	tramp, xentry *lua.LFunction
	now           time.Time // the cached time of the running turn (Now)
	closed        bool      // under mu: the VM is closed
	closers       []func()  // run after the VM is closed (OnClose)
}

// vmOptions keep threads small: a coroutine with gopher-lua's default
// options costs about 100 KB, with these about 6 KB.
// Measured with 10,000 requests parked in ngx.sleep: each 128 registry
// slots cost 2 KB per coroutine, and the call-frame index costs 1 KB per
// 1024 frames of CallStackSize; both grow on demand. 128 is the smallest
// registry gopher-lua accepts: below it, lua.NewState silently uses 5120.
var vmOptions = lua.Options{
	RegistrySize:        128,
	RegistryMaxSize:     1 << 22,
	RegistryGrowStep:    64,
	CallStackSize:       512,
	MinimizeStackMemory: true,
}

// New makes the runtime of p: it runs init_by_lua once, then makes the
// workers and runs init_worker_by_lua in each.
func New(p *config.Plan, log *errlog.Logger, open Opener) (*Runtime, error) {
	mc := mainConf(p)
	rt := &Runtime{Plan: p, Log: log, Main: mc, stop: make(chan struct{})}
	if mc.CodeCacheOffAt != "" {
		log.Log(errlog.Alert, nil, "lua_code_cache is off; this will hurt performance in "+mc.CodeCacheOffAt)
	}
	n := p.WorkerProcesses
	if n < 1 {
		n = 1
	}
	for i := 0; i < n; i++ {
		w, err := rt.newWorker(i, open)
		if err != nil {
			rt.closeVMs()
			return nil, err
		}
		rt.Workers = append(rt.Workers, w)
	}
	if mc.MaxRunTime > 0 {
		rt.wg.Add(1)
		go rt.watchdog(mc.MaxRunTime)
	}
	for _, w := range rt.Workers {
		if mc.InitWorker != nil {
			w.runDetached(mc.InitWorker, phases.InitWorker)
		}
	}
	return rt, nil
}

func (rt *Runtime) newWorker(id int, open Opener) (*Worker, error) {
	L := lua.NewState(vmOptions)
	w := &Worker{ID: id, RT: rt, L: L, Data: map[string]any{}}
	w.panicFn = w.tracePanic
	panics.Store(L.G, w.panicFn)
	ch := make(chan struct{})
	w.kill.Store(&ch)
	w.Sys = L.NewUserData()
	w.setupPackagePath()
	if err := open(w); err != nil {
		panics.Delete(L.G)
		L.Close()
		return nil, err
	}
	w.installCoroutines()
	w.fns = map[*Chunk]*lua.LFunction{}
	w.byCode = map[string]*lua.LFunction{}
	if rt.Main.Init != nil {
		// init_by_lua runs in every VM, before any request: what it loads
		// and sets globally is visible in every worker, as after nginx's fork
		if err := w.runInit(rt.Main.Init); err != nil {
			panics.Delete(L.G)
			L.Close()
			return nil, err
		}
	}
	if L.G.Global.Metatable == lua.LNil {
		mt := L.NewTable()
		mt.RawSetString("__newindex", L.NewFunction(w.globalWrite))
		L.G.Global.Metatable = mt
	}
	registerVM(w)
	return w, nil
}

// globalWrite is OpenResty's _G write guard: handlers share the VM's
// globals (a global written by one request is seen by the next), so a new
// global written at run time gets a warning with a traceback.
func (w *Worker) globalWrite(L *lua.LState) int {
	t := L.CheckTable(1)
	k := L.Get(2)
	if task := w.cur; task != nil && task.Phase != phases.Init && task.Phase != phases.InitWorker {
		// OpenResty's guard is a Lua __newindex: named when Lua code assigned
		// the global, not when a C function (module) did
		name := "__newindex(): "
		if dbg, ok := L.GetStack(1); ok {
			if _, err := L.GetInfo("S", dbg, lua.LNil); err == nil && dbg.What == "G" {
				name = ""
			}
		}
		w.logTask(task, errlog.Warn, "[lua] _G write guard:12: "+name+"writing a global Lua variable ('"+
			lua.LVAsString(k)+"') which may lead to race conditions between concurrent requests, so prefer the use of 'local' variables\n"+
			w.callerTrace(L))
	}
	t.RawSet(k, L.Get(3))
	return 0
}

// BeginRequest pins r to a worker.
func (rt *Runtime) BeginRequest(r *phases.Request) {
	if r.Worker == nil {
		r.Worker = rt.Workers[int(r.ConnID)%len(rt.Workers)]
	}
}

// EndRequest is called when the response is done: it runs the request's
// cleanups.
func (rt *Runtime) EndRequest(r *phases.Request) {
	if s, ok := r.LuaState.(*ReqState); ok {
		for i, c := range s.Closers {
			c.Close()
			s.Closers[i] = nil
		}
		s.Closers = nil
		for _, f := range s.Cleanup {
			f()
		}
		s.Cleanup = nil
	}
}

// Redirected is called on an internal redirect (ngx.exec, error_page,
// try_files, index): nginx clears the request's module contexts, so
// ngx.ctx starts afresh in the new location.
func (rt *Runtime) Redirected(r *phases.Request) {
	if s, ok := r.LuaState.(*ReqState); ok {
		s.Ctx = nil
	}
}

// Close stops the workers: exit_worker_by_lua runs in each; timers see
// premature = true. graceful waits for running timers.
func (rt *Runtime) Close(graceful bool) {
	if !rt.exiting.CompareAndSwap(false, true) {
		return
	}
	close(rt.stop)
	for _, w := range rt.Workers {
		// pending timers run now with premature = true; wait for them
		waitTimeout(&w.timers, timerGrace(graceful))
		if rt.Main.ExitWorker != nil {
			w.runDetached(rt.Main.ExitWorker, phases.ExitWorker)
		}
	}
	rt.wg.Wait()
	rt.closeVMs()
}

// Exiting reports whether the runtime is shutting down (ngx.worker.exiting).
func (rt *Runtime) Exiting() bool { return rt.exiting.Load() }

// Stopped is closed when the runtime starts shutting down.
func (rt *Runtime) Stopped() <-chan struct{} { return rt.stop }

func (rt *Runtime) closeVMs() {
	for _, w := range rt.Workers {
		w.mu.Lock()
		w.closed = true
		// a stop nothing will act on any more: the process-wide count
		// must not keep every other VM's jumps on the slow path
		w.dropStaleStop()
		unregisterVM(w)
		w.L.Close()
		closers := w.closers
		w.closers = nil
		w.mu.Unlock()
		for _, f := range closers {
			f()
		}
	}
}

// OnClose registers f to run when the worker's VM is closed (luaapi closes
// its per-worker keepalive pool there). Call it with the VM held.
func (w *Worker) OnClose(f func()) { w.closers = append(w.closers, f) }

// watchdog stops handlers that run Lua without yielding for longer than max
// (lua_max_run_time): a goresty extension, OpenResty cannot do this.
func (rt *Runtime) watchdog(max time.Duration) {
	defer rt.wg.Done()
	tick := max / 10
	if tick < 5*time.Millisecond {
		tick = 5 * time.Millisecond
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-rt.stop:
			return
		case <-t.C:
		}
		for _, w := range rt.Workers {
			// the same resume seen running on enough consecutive ticks
			id := w.runID.Load()
			if id == 0 || id != w.seenID {
				w.seenID, w.seenTicks = id, 0
				continue
			}
			w.seenTicks++
			if time.Duration(w.seenTicks)*tick >= max {
				if ch := w.kill.Load(); ch != nil {
					select {
					case <-*ch:
					default:
						close(*ch)
						stopping.Add(1)
					}
				}
			}
		}
	}
}

// Lock takes the worker's VM (for timers and APIs that run Lua outside a request).
func (w *Worker) Lock() { w.mu.Lock() }

// Unlock releases the VM.
func (w *Worker) Unlock() { w.mu.Unlock() }

// Current returns the task running Lua now (only valid under the VM lock).
func (w *Worker) Current() *Task { return w.cur }

func timerGrace(graceful bool) time.Duration {
	if graceful {
		return 30 * time.Second
	}
	return time.Second
}

func waitTimeout(wg *sync.WaitGroup, d time.Duration) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
	}
}
