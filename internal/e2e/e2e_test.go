package e2e

import (
	"strings"
	"testing"

	"github.com/goresty/goresty/internal/testserver"
)

func TestYieldTraps(t *testing.T) {
	s := testserver.Boot(t, `
location /t { content_by_lua_block {
	local ok, e = pcall(ngx.sleep, 0.01) ngx.say("pcall ", ok, " ", e)
	ok, e = xpcall(function(a, b) ngx.sleep(0) return a + b end, debug.traceback, 1, 2) ngx.say("xpcall ", ok, " ", e)
	local co = coroutine.wrap(function() ngx.sleep(0.01) coroutine.yield(5) ngx.sleep(0.01) return 7 end)
	ngx.say("wrap ", co(), " ", co())
	local function tail() return ngx.sleep(0) end
	ngx.say("tail ", tail())
} }`)
	code, body, _ := s.Get("/t")
	want := "pcall true nil\nxpcall true 3\nwrap 5 7\ntail \n"
	if code != 200 || body != want {
		t.Fatalf("got %d %q, want 200 %q\nlog:\n%s", code, body, want, s.ErrorLog())
	}
	s.NoErrors()
}

func TestYieldTrapsNestedAndErrors(t *testing.T) {
	s := testserver.Boot(t, `
location /nested { content_by_lua_block {
	local outer = coroutine.create(function()
		local inner = coroutine.create(function()
			ngx.sleep(0.01)
			coroutine.yield("inner-1")
			ngx.sleep(0.01)
			return "inner-done"
		end)
		local _, v1 = coroutine.resume(inner)
		coroutine.yield("outer got " .. v1 .. " " .. coroutine.status(inner))
		local _, v2 = coroutine.resume(inner)
		return v2 .. " " .. coroutine.status(inner)
	end)
	local ok, v = coroutine.resume(outer)
	ngx.say(ok, " ", v, " ", coroutine.status(outer))
	ok, v = coroutine.resume(outer)
	ngx.say(ok, " ", v, " ", coroutine.status(outer))
	ngx.say(coroutine.resume(outer))
} }
location /exit_in_pcall { content_by_lua_block {
	pcall(function() ngx.sleep(0.001) ngx.say("before exit") ngx.exit(200) end)
	ngx.say("not reached")
} }
location /err_after_yield { content_by_lua_block {
	local function deep() ngx.sleep(0.001) error("after yield") end
	deep()
} }`)
	code, body, _ := s.Get("/nested")
	want := "true outer got inner-1 suspended suspended\ntrue inner-done dead dead\nfalsecannot resume dead coroutine\n"
	if code != 200 || body != want {
		t.Fatalf("nested: got %d %q, want %q\nlog:\n%s", code, body, want, s.ErrorLog())
	}
	code, body, _ = s.Get("/exit_in_pcall")
	if code != 200 || body != "before exit\n" {
		t.Fatalf("exit in pcall: got %d %q", code, body)
	}
	code, _, _ = s.Get("/err_after_yield")
	if code != 500 {
		t.Fatalf("error after yield: got %d, want 500", code)
	}
	log := s.ErrorLog()
	for _, want := range []string{
		"lua entry thread aborted: runtime error: content_by_lua(nginx.conf:31):2: after yield",
		"stack traceback:",
		"in function 'deep'",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("error log lacks %q:\n%s", want, log)
		}
	}
}

// APIs goresty lacks raise a clear error, not "attempt to call a nil value".
func TestUnsupportedAPIsSayso(t *testing.T) {
	s := testserver.Boot(t, `
location /t { content_by_lua_block {
	for _, f in ipairs({ function() return require "ngx.balancer" end }) do
		local ok, err = pcall(f)
		ngx.say(ok, " ", (string.gsub(err, "^.-:%d+: ", "")))
	end
} }
location /off { content_by_lua_block { ngx.say(ngx.on_abort(print)) } }`, testserver.Options{HTTP: "lua_check_client_abort on;"})
	s2 := testserver.Boot(t, `location /off { content_by_lua_block { ngx.say(ngx.on_abort(print)) } }`)
	if _, body, _ := s2.Get("/off"); body != "nillua_check_client_abort is off\n" {
		t.Fatalf("on_abort without the directive: got %q", body)
	}
	_, body, _ := s.Get("/t")
	want := "false module 'ngx.balancer' is not supported by goresty yet\n"
	if body != want {
		t.Fatalf("got %q, want %q", body, want)
	}
}
