package e2e

import (
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
