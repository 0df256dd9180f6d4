package e2e

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/goresty/goresty/internal/testserver"
)

func TestLightThreads(t *testing.T) {
	s := testserver.Boot(t, `
location /t { content_by_lua_block {
	local function work(name, d) ngx.sleep(d) ngx.say(name, " done") return name .. "!" end
	local a = ngx.thread.spawn(work, "a", 0.05)
	local b = ngx.thread.spawn(work, "b", 0.01)
	ngx.say("spawned")
	local ok, res = ngx.thread.wait(a, b)
	ngx.say("first: ", ok, " ", res)
	ok, res = ngx.thread.wait(a)
	ngx.say("second: ", ok, " ", res)
	local c = ngx.thread.spawn(function() error("boom") end)
	ok, res = ngx.thread.wait(c)
	ngx.say("err: ", ok, " ", res)
} }
location /kill { content_by_lua_block {
	local t = ngx.thread.spawn(function() ngx.sleep(1) ngx.say("never") end)
	ngx.say("kill ", ngx.thread.kill(t))
} }`)
	start := time.Now()
	code, body, _ := s.Get("/t")
	want := "spawned\nb done\nfirst: true b!\na done\nsecond: true a!\nerr: false content_by_lua(nginx.conf:8):10: boom\n"
	if code != 200 || body != want {
		t.Fatalf("got %d %q, want %q\nlog:\n%s", code, body, want, s.ErrorLog())
	}
	if el := time.Since(start); el > 500*time.Millisecond {
		t.Fatalf("threads did not run concurrently: %v", el)
	}
	if !strings.Contains(s.ErrorLog(), "lua user thread aborted: runtime error: content_by_lua(nginx.conf:8):10: boom") {
		t.Fatalf("missing user thread error:\n%s", s.ErrorLog())
	}
	code, body, _ = s.Get("/kill")
	if code != 200 || body != "kill 1\n" {
		t.Fatalf("kill: got %d %q", code, body)
	}
}

func TestTimers(t *testing.T) {
	s := testserver.Boot(t, `
location /t { content_by_lua_block {
	local dict = ngx.shared.d
	local ok, err = ngx.timer.at(0.01, function(premature, x)
		ngx.sleep(0.01)
		dict:set("timer", "ran " .. x .. " " .. tostring(premature))
	end, "arg")
	ngx.say(ok, " ", err, " pending ", ngx.timer.pending_count())
	ngx.sleep(0.1)
	ngx.say(dict:get("timer"))
} }`, testserver.Options{HTTP: "lua_shared_dict d 1m;"})
	code, body, _ := s.Get("/t")
	want := "1 nil pending 1\nran arg false\n"
	if code != 200 || body != want {
		t.Fatalf("got %d %q, want %q\nlog:\n%s", code, body, want, s.ErrorLog())
	}
	s.NoErrors()
}

// ngx.on_abort: the callback runs when the client goes away mid-request;
// a request whose client stays finishes without waiting for the watcher.
func TestOnAbort(t *testing.T) {
	s := testserver.Boot(t, `
location /slow { content_by_lua_block {
	local ok, err = ngx.on_abort(function() ngx.shared.d:set("aborted", "yes") ngx.exit(499) end)
	ngx.sleep(2)
	ngx.shared.d:set("aborted", "no")
} }
location /fast { content_by_lua_block {
	ngx.say(ngx.on_abort(function() end), " ", select(2, ngx.on_abort(function() end)))
} }
location /check { content_by_lua_block { ngx.say(ngx.shared.d:get("aborted")) } }`,
		testserver.Options{HTTP: "lua_check_client_abort on; lua_shared_dict d 1m;"})
	start := time.Now()
	if _, body, _ := s.Get("/fast"); body != "1 duplicate call\n" {
		t.Fatalf("fast: got %q", body)
	}
	if el := time.Since(start); el > time.Second {
		t.Fatalf("the watcher held the request for %v", el)
	}
	c, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"))
	time.Sleep(200 * time.Millisecond)
	c.Close()
	deadline := time.Now().Add(1500 * time.Millisecond)
	for time.Now().Before(deadline) {
		if _, body, _ := s.Get("/check"); body == "yes\n" {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	_, body, _ := s.Get("/check")
	t.Fatalf("the abort callback did not run: %q\n%s", body, s.ErrorLog())
}
