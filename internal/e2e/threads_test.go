package e2e

import (
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
