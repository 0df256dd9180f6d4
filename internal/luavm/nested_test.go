package luavm_test

import (
	"strings"
	"testing"
)

// A wait inside a metamethod, an iterator or a Lua callback of a Go
// function cannot yield in gopher-lua; it must still return its values to
// the caller and leave the coroutine in a sane state for the next request.
func TestWaitInsideNestedCall(t *testing.T) {
	v := newPoolVM(t, `server { listen 127.0.0.1:0;
location /t { content_by_lua_block {
    local t = setmetatable({}, {__index = function(_, k) ngx.sleep(0) return k .. "!" end})
    local mt = {__lt = function() ngx.sleep(0) return true end}
    local lt = setmetatable({}, mt) < setmetatable({}, mt)
    local n = 0
    for i in function(_, i) ngx.sleep(0) if i < 4 then return i + 1 end end, nil, 0 do n = n + i end
    local s = string.gsub("ab", "%w", function(c) ngx.sleep(0) return c:upper() end)
    ngx.print(t.a, t.b, " ", tostring(lt), " ", n, " ", s)
} }
location /y { content_by_lua_block {
    local co = coroutine.wrap(function()
        local t = setmetatable({}, {__index = function(_, k) coroutine.yield(k) end})
        return t.q
    end)
    ngx.print(select(2, pcall(co)))
} }
location /x { content_by_lua_block {
    local t = setmetatable({}, {__index = function() ngx.exit(204) end})
    ngx.print(select(2, pcall(function() return t.x end)))
    ngx.print("not reached")
} }
}`)
	for i := 0; i < 3; i++ {
		if _, body := v.get("/t"); body != "a!b! true 10 AB" {
			t.Fatalf("run %d: got %q, want %q", i, body, "a!b! true 10 AB")
		}
	}
	// a user yield cannot be done in place: the error Lua 5.1 gives
	want := "attempt to yield across C-call boundary"
	if _, body := v.get("/y"); !strings.HasSuffix(body, want) {
		t.Errorf("/y: got %q, want %q", body, want)
	}
	// ngx.exit unwinds through pcall and ends the request
	for i := 0; i < 2; i++ {
		if _, body := v.get("/x"); body != "" || v.status != 204 {
			t.Errorf("/x: got %d %q, want 204 and no body", v.status, body)
		}
	}
}
