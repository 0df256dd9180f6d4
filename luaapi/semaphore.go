package luaapi

import (
	"sync"
	"time"

	"github.com/goresty/goresty/internal/luavm"
	"github.com/goresty/goresty/phases"
	lua "github.com/yuin/gopher-lua"
)

func init() { register(openSemaphore) }

// semaphore is ngx.semaphore: resources, and the light threads or
// requests waiting for one. A wait yields; post wakes waiters in order.
type semaphore struct {
	mu      sync.Mutex
	count   int
	waiters []*semWaiter
}

type semWaiter struct {
	ch     chan struct{}
	posted bool
}

func (s *semaphore) post(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for n > 0 && len(s.waiters) > 0 {
		w := s.waiters[0]
		s.waiters = s.waiters[1:]
		w.posted = true
		close(w.ch)
		n--
	}
	s.count += n
}

func openSemaphore(a *api) {
	L := a.L
	mt := L.NewTable()
	methods := L.NewTable()
	mt.RawSetString("__index", methods)
	// a semaphore is a table whose "sem" field holds the Go semaphore, as
	// lua-resty-core's holds a cdata; anything else is refused
	check := func(L *lua.LState) *semaphore {
		if tb, ok := L.Get(1).(*lua.LTable); ok {
			if ud, ok := tb.RawGetString("sem").(*lua.LUserData); ok {
				if s, ok := ud.Value.(*semaphore); ok {
					return s
				}
			}
		}
		L.RaiseError("not a semaphore instance")
		return nil
	}
	a.fn(methods, "post", pAll, func(L *lua.LState) int {
		s := check(L)
		n := 1
		if v, ok := luaNumber(L.Get(2)); ok {
			n = int(v)
		}
		if n < 1 {
			L.RaiseError("positive number required")
		}
		s.post(n)
		L.Push(lua.LTrue)
		return 1
	})
	a.fn(methods, "count", pAll, func(L *lua.LState) int {
		s := check(L)
		s.mu.Lock()
		n := s.count - len(s.waiters)
		s.mu.Unlock()
		L.Push(lua.LNumber(n))
		return 1
	})
	a.yfn(methods, "wait", pAll, a.semaWait(check))
	mod := L.NewTable()
	a.fn(mod, "new", pAll, func(L *lua.LState) int {
		n := 0
		if v, ok := luaNumber(L.Get(1)); ok {
			n = int(v)
		}
		if n < 0 {
			L.RaiseError("no negative number")
		}
		ud := L.NewUserData()
		ud.Value = &semaphore{count: n}
		tb := L.CreateTable(0, 1)
		tb.RawSetString("sem", ud)
		tb.Metatable = mt
		L.Push(tb)
		return 1
	})
	mod.RawSetString("version", lua.LNumber(1))
	L.PreloadModule("ngx.semaphore", func(L *lua.LState) int {
		L.Push(mod)
		return 1
	})
}

// semaWait is sema:wait(seconds), with lua-resty-core's results: true when
// a resource is free at once; nil, "timeout" for a zero timeout; after a
// wait, true, nil or false, "timeout". Where a request cannot yield it
// returns nil and the "API disabled" message instead of raising it.
func (a *api) semaWait(check func(*lua.LState) *semaphore) lua.LGFunction {
	return func(L *lua.LState) int {
		s := check(L)
		timeout, ok := luaNumber(L.Get(2))
		if !ok {
			L.RaiseError("attempt to perform arithmetic on a nil value")
		}
		if timeout < 0 {
			L.RaiseError("no negative number")
		}
		if ph := a.phase(); ph == phases.Init {
			L.RaiseError("no request found")
		} else if !pYield.Has(ph) {
			L.Push(lua.LNil)
			L.Push(lua.LString("API disabled in the context of " + ph.Context()))
			return 2
		}
		s.mu.Lock()
		if s.count > 0 {
			s.count--
			s.mu.Unlock()
			L.Push(lua.LTrue)
			return 1
		}
		if timeout == 0 {
			s.mu.Unlock()
			L.Push(lua.LNil)
			L.Push(lua.LString("timeout"))
			return 2
		}
		w := &semWaiter{ch: make(chan struct{})}
		s.waiters = append(s.waiters, w)
		s.mu.Unlock()
		d := time.Duration(timeout * float64(time.Second))
		stop := a.w.RT.Stopped()
		return luavm.Await(L, a.w, -1, func() []lua.LValue {
			tm := time.NewTimer(d)
			defer tm.Stop()
			select {
			case <-w.ch:
				return []lua.LValue{lua.LTrue, lua.LNil}
			case <-tm.C:
			case <-stop:
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			if w.posted {
				return []lua.LValue{lua.LTrue, lua.LNil}
			}
			for i, x := range s.waiters {
				if x == w {
					s.waiters = append(s.waiters[:i], s.waiters[i+1:]...)
					break
				}
			}
			return []lua.LValue{lua.LFalse, lua.LString("timeout")}
		})
	}
}
