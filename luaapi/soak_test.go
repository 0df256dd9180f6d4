package luaapi_test

import (
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/goresty/goresty/internal/testserver"
)

// TestPooledSoak runs thousands of pooled cosocket requests from several
// clients at once and checks that the pool bounds the upstream
// connections and that no goroutine is left behind (a scaled-down soak:
// the 100,000-request one is the same loop with a larger count).
func TestPooledSoak(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	e := startEcho(t)
	s := testserver.Boot(t, `location /t { content_by_lua_block {
		local s = ngx.socket.tcp()
		assert(s:connect("127.0.0.1", `+e.port()+`, { pool_size = 8 }))
		assert(s:send("ping\n"))
		local line = assert(s:receive())
		assert(s:setkeepalive(10000, 8))
		ngx.print(line)
	} }`)
	before := runtime.NumGoroutine()
	var wg sync.WaitGroup
	var mu sync.Mutex
	bad := 0
	for c := 0; c < 8; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < n/8; i++ {
				if _, body, _ := s.Get("/t"); body != "ping" {
					mu.Lock()
					bad++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if bad != 0 {
		t.Fatalf("%d of %d requests failed\n%s", bad, n, s.ErrorLog())
	}
	if accepted, _, _ := e.stats(); accepted > 16 {
		t.Errorf("the upstream saw %d connections for %d pooled requests (pool size 8)", accepted, n)
	}
	// goroutines settle back (client keep-alive conns may linger a little)
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before+16 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > before+16 {
		t.Errorf("goroutines: %d before, %d after %d requests", before, g, n)
	}
	s.NoErrors()
}
