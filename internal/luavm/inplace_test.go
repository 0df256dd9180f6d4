package luavm_test

import (
	"sync"
	"testing"
	"time"

	"github.com/goresty/goresty/internal/config"
)

// A request's only coroutine waits in place (sched.go, waitInPlace): the
// VM must be free for other requests during the wait, and afterwards the
// coroutine must find itself running, with the cached time renewed and a
// fresh turn for the watchdog.
func TestWaitInPlaceReleasesTheVM(t *testing.T) {
	v := newPoolVM(t, `lua_max_run_time 100ms;
server { listen 127.0.0.1:0;
location /a { content_by_lua_block {
    local co = coroutine.running()
    local t0 = ngx.now()
    ngx.sleep(0.1)
    ngx.say(coroutine.running() == co, " ", coroutine.status(co), " ", ngx.now() - t0 >= 0.09)
} }
location /b { content_by_lua_block {
    local inner = coroutine.wrap(function() coroutine.yield(1) ngx.sleep(0.001) return 2 end)
    ngx.say("b ", inner(), inner())
} }
location /long { content_by_lua_block {
    -- 30 short turns take 150 ms in all, more than lua_max_run_time
    for i = 1, 30 do ngx.sleep(0.005) end
    ngx.say("done")
} }
}`)
	var wg sync.WaitGroup
	var aDone time.Time
	var aBody string
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, aBody, _ = v.run("/a")
		aDone = time.Now()
	}()
	time.Sleep(20 * time.Millisecond)
	if _, body, _ := v.run("/b"); body != "b 12\n" {
		t.Errorf("/b during /a's wait: %q", body)
	}
	bDone := time.Now()
	wg.Wait()
	if !bDone.Before(aDone) {
		t.Errorf("/b ended after /a (%v later): the wait held the VM", bDone.Sub(aDone))
	}
	if aBody != "true running true\n" {
		t.Errorf("/a after its wait: %q", aBody)
	}
	if code, body := v.get("/long"); code != config.Done || body != "done\n" {
		t.Errorf("/long: %d %q (stopped by the watchdog?)", code, body)
	}
}

// Yielding functions are called without a Lua wrapper: a call that keeps a
// fixed number of results must get exactly that many when the coroutine
// is resumed (gopher-lua does not adjust them), and a call in tail
// position must come back (it runs as a plain call, tailcall.go). Light
// threads and pcall force the yield to the scheduler.
func TestYieldFromFixedAndTailCalls(t *testing.T) {
	v := newPoolVM(t, `server { listen 127.0.0.1:0;
location /t { content_by_lua_block {
    local function show(...)
        local t = {select("#", ...)}
        for i = 1, t[1] do t[#t + 1] = tostring((select(i, ...))) end
        return table.concat(t, ",")
    end
    local out = {}
    local function tailsleep(d) return ngx.sleep(d) end
    local function tailwait(th) return ngx.thread.wait(th) end
    local th = ngx.thread.spawn(function()
        local a, b, c = ngx.sleep(0.002)
        out[#out + 1] = "fixed " .. show(a, b, c)
        out[#out + 1] = "tail " .. show(tailsleep(0.002))
        return 1, 2, 3
    end)
    local other = ngx.thread.spawn(function() ngx.sleep(0.001) return "x" end)
    local ok, one = ngx.thread.wait(th)
    out[#out + 1] = "wait2 " .. show(ok, one)
    out[#out + 1] = "waittail " .. show(tailwait(other))
    out[#out + 1] = "pcall " .. show(pcall(function() local x, y = ngx.sleep(0.001) return x, y end))
    local co = coroutine.wrap(function() return tailsleep(0.001) end)
    co()
    out[#out + 1] = "wrap came back"
    ngx.print(table.concat(out, "\n"))
} }
}`)
	want := "fixed 3,nil,nil,nil\ntail 0\nwait2 2,true,1\nwaittail 2,true,x\npcall 3,true,nil,nil\nwrap came back"
	if _, body := v.get("/t"); body != want {
		t.Errorf("got\n%s\nwant\n%s", body, want)
	}
}
