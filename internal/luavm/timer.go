package luavm

import (
	"errors"
	"sync/atomic"
	"time"

	"github.com/goresty/goresty/internal/errlog"
	"github.com/goresty/goresty/phases"
	lua "github.com/yuin/gopher-lua"
)

// timer counters of a runtime (ngx.timer.pending_count / running_count).
type timerCounts struct {
	pending atomic.Int64
	running atomic.Int64
}

// ErrTooManyTimers is lua_max_pending_timers reached.
var ErrTooManyTimers = errors.New("too many pending timers")

// PendingTimers is ngx.timer.pending_count().
func (rt *Runtime) PendingTimers() int { return int(rt.timerN.pending.Load()) }

// RunningTimers is ngx.timer.running_count().
func (rt *Runtime) RunningTimers() int { return int(rt.timerN.running.Load()) }

// StartTimer arms a timer (ngx.timer.at / ngx.timer.every): after delay,
// fn(premature, args...) runs as a detached task of w. When the runtime
// shuts down first, pending timers run at once with premature = true.
// The caller holds the VM.
func (w *Worker) StartTimer(delay time.Duration, fn *lua.LFunction, args []lua.LValue, every bool) error {
	rt := w.RT
	if rt.Exiting() {
		return errors.New("process exiting")
	}
	if max := rt.Main.MaxPending; max > 0 && rt.timerN.pending.Load() >= int64(max) {
		return ErrTooManyTimers
	}
	rt.timerN.pending.Add(1)
	w.timers.Add(1)
	from, loc := "", any(nil)
	if cur := w.cur; cur != nil && cur.R != nil {
		loc = cur.R.Loc
		// nginx gives the timer a fake connection with the client and
		// listening address of the request's one
		from = ", client: " + cur.R.RemoteAddr
		if a := cur.R.LocalAddr; a != nil {
			from += ", server: " + a.String()
		}
	} else if cur != nil {
		from, loc = cur.timerFrom, cur.TimerLoc
	}
	go w.timerLoop(delay, fn, args, every, from, loc)
	return nil
}

// TimerLogContext is the error-log context of a timer's lines, as nginx
// prints it: "context: ngx.timer", then the client and server of the
// request that started the timer.
func (t *Task) TimerLogContext() *errlog.Context {
	return &errlog.Context{Extra: "context: ngx.timer" + t.timerFrom}
}

func (w *Worker) timerLoop(delay time.Duration, fn *lua.LFunction, args []lua.LValue, every bool, from string, loc any) {
	rt := w.RT
	defer w.timers.Done()
	pending := true
	defer func() {
		if pending {
			rt.timerN.pending.Add(-1)
		}
	}()
	for {
		premature := false
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-rt.stop:
			t.Stop()
			premature = true
		}
		if max := rt.Main.MaxRunning; max > 0 && rt.timerN.running.Load() >= int64(max) && !premature {
			rt.Log.Log(errlog.Alert, nil, "lua_max_running_timers are not enough")
			if !every {
				return
			}
			continue
		}
		rt.timerN.pending.Add(-1)
		pending = false
		rt.timerN.running.Add(1)
		w.runTimer(fn, premature, args, from, loc)
		rt.timerN.running.Add(-1)
		if !every || premature {
			return
		}
		rt.timerN.pending.Add(1)
		pending = true
	}
}

func (w *Worker) runTimer(fn *lua.LFunction, premature bool, args []lua.LValue, from string, loc any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	t := w.newTask(nil, phases.Timer)
	t.timerFrom, t.TimerLoc = from, loc
	all := make([]lua.LValue, 0, len(args)+1)
	all = append(all, lua.LBool(premature))
	all = append(all, args...)
	res := w.runEntry(t, fn, all...)
	if res.err != nil {
		w.RT.Log.Log(errlog.Error, t.TimerLogContext(),
			"lua entry thread aborted: runtime error: "+errorText(res.err, t.trace))
	}
	w.freeTask(t)
}
