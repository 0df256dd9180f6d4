package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/goresty/goresty/internal/testserver"
)

// A handler that never yields is stopped by lua_max_run_time: it gets a
// 500, the error log says why, and the worker serves the next request.
func TestRunawayHandlerIsStopped(t *testing.T) {
	s := testserver.Boot(t, `
location /loop { content_by_lua_block { while true do end } }
location /pcall_loop { content_by_lua_block { while true do pcall(function() while true do end end) end } }
location /for { content_by_lua_block { local s = 0 for i = 1, 1e15 do s = s + i end ngx.say(s) } }
location /tail { content_by_lua_block { local function f(n) return f(n + 1) end f(1) } }
location /reader { content_by_lua_block {
	-- a Go function calling, without end, a Lua function that neither
	-- jumps nor calls
	load(function() return " " end)
} }
location /coroutine { content_by_lua_block { coroutine.wrap(function() while true do end end)() } }
location /access { access_by_lua_block { repeat local x = 1 until false } content_by_lua_block { ngx.say("no") } }
location /ok { content_by_lua_block { ngx.say("ok") } }`,
		testserver.Options{HTTP: "lua_max_run_time 200ms;"})
	paths := []string{"/loop", "/pcall_loop", "/for", "/tail", "/reader", "/coroutine", "/access"}
	for _, path := range paths {
		start := time.Now()
		code, _, _ := s.Get(path)
		if code != 500 {
			t.Fatalf("%s: got %d, want 500", path, code)
		}
		if el := time.Since(start); el > 3*time.Second {
			t.Fatalf("%s: stopped after %v", path, el)
		}
		code, body, _ := s.Get("/ok")
		if code != 200 || body != "ok\n" {
			t.Fatalf("after %s: got %d %q", path, code, body)
		}
	}
	if n := strings.Count(s.ErrorLog(), "exceeded lua_max_run_time"); n != len(paths) {
		t.Fatalf("want %d runaway lines, got %d:\n%s", len(paths), n, s.ErrorLog())
	}
}
