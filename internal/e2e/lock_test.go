package e2e

import (
	"sync"
	"testing"

	"github.com/goresty/goresty/internal/testserver"
)

// resty.lock serialises requests across workers: concurrent increments of
// a value read and written under the lock are never lost.
func TestRestyLock(t *testing.T) {
	s := testserver.Boot(t, `
location /inc { content_by_lua_block {
	local lock = require("resty.lock"):new("locks", { timeout = 10, max_step = 0.01 })
	local elapsed, err = lock:lock("counter")
	if not elapsed then ngx.say("lock failed: ", err) return end
	local d = ngx.shared.data
	local v = d:get("n") or 0
	ngx.sleep(0.002)             -- others try meanwhile and must wait
	d:set("n", v + 1)
	ngx.say(lock:unlock(), " ", select(2, lock:unlock()))
} }
location /n { content_by_lua_block {
	ngx.say(ngx.shared.data:get("n"))
	local lock, err = require("resty.lock"):new("nope")
	ngx.say(lock, " ", err)
} }`, testserver.Options{Main: "worker_processes 2;", HTTP: "lua_shared_dict locks 1m; lua_shared_dict data 1m;"})
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, body, _ := s.Get("/inc"); body != "1 unlocked\n" {
				t.Errorf("inc: %q", body)
			}
		}()
	}
	wg.Wait()
	if _, body, _ := s.Get("/n"); body != "20\nnil dictionary not found\n" {
		t.Fatalf("got %q, want 20 increments\n%s", body, s.ErrorLog())
	}
	s.NoErrors()
}
