package luaapi

import (
	"sync"
	"time"

	"github.com/goresty/goresty/internal/luavm"
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
	check := func(L *lua.LState) *semaphore {
		ud, ok := L.Get(1).(*lua.LUserData)
		if ok {
			if s, ok := ud.Value.(*semaphore); ok {
				return s
			}
		}
		L.RaiseError("semaphore: bad sema object")
		return nil
	}
	a.fn(methods, "post", pAll, func(L *lua.LState) int {
		s := check(L)
		n := L.OptInt(2, 1)
		if n < 0 {
			L.RaiseError("semaphore: bad argument #1 to 'post' (resource count must not be negative)")
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
	a.yfn(methods, "wait", pYield, func(L *lua.LState) int {
		s := check(L)
		timeout := float64(L.OptNumber(2, 0))
		if timeout < 0 {
			L.RaiseError("semaphore: bad argument #1 to 'wait' (timeout must not be negative)")
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
				return []lua.LValue{lua.LTrue}
			case <-tm.C:
			case <-stop:
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			if w.posted {
				return []lua.LValue{lua.LTrue}
			}
			for i, x := range s.waiters {
				if x == w {
					s.waiters = append(s.waiters[:i], s.waiters[i+1:]...)
					break
				}
			}
			return []lua.LValue{lua.LNil, lua.LString("timeout")}
		})
	})
	mod := L.NewTable()
	a.fn(mod, "new", pAll, func(L *lua.LState) int {
		n := L.OptInt(1, 0)
		if n < 0 {
			L.Push(lua.LNil)
			L.Push(lua.LString("no memory"))
			return 2
		}
		ud := L.NewUserData()
		ud.Value = &semaphore{count: n}
		ud.Metatable = mt
		L.Push(ud)
		return 1
	})
	mod.RawSetString("version", lua.LNumber(1))
	L.PreloadModule("ngx.semaphore", func(L *lua.LState) int {
		L.Push(mod)
		return 1
	})
}
