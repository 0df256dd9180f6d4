package luavm_test

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/internal/errlog"
	"github.com/goresty/goresty/internal/luavm"
	"github.com/goresty/goresty/internal/nginxconf"
	"github.com/goresty/goresty/luaapi"
	"github.com/goresty/goresty/phases"
	lua "github.com/yuin/gopher-lua"
)

// poolVM boots one worker on an http block and runs requests on it
// without the HTTP front end.
type poolVM struct {
	t    testing.TB
	p    *config.Plan
	rt   *luavm.Runtime
	w    *luavm.Worker
	logf string
	// status is the response status of the last get
	status int
}

func newPoolVM(t testing.TB, http string) *poolVM {
	t.Helper()
	dir := t.TempDir()
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, []byte("events {} http {\n"+http+"\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ds, err := nginxconf.ParseFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	p, err := config.Build(ds, config.Options{Prefix: dir + "/", ConfFile: conf})
	if err != nil {
		t.Fatal(err)
	}
	logf := filepath.Join(dir, "error.log")
	log, err := errlog.New([]errlog.Sink{{Path: logf, Level: errlog.Error}})
	if err != nil {
		t.Fatal(err)
	}
	rt, err := luavm.New(p, log, luaapi.Open)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close(false) })
	return &poolVM{t: t, p: p, rt: rt, w: rt.Workers[0], logf: logf}
}

type bodyOut struct{ b strings.Builder }

func (o *bodyOut) SendHeader(r *phases.Request) error { r.HeaderSent = true; return nil }
func (o *bodyOut) Write(r *phases.Request, b []byte, eof bool) error {
	o.b.Write(b)
	return nil
}

// get runs uri's content handler and returns its phase result and body.
func (v *poolVM) get(uri string) (int, string) {
	v.t.Helper()
	code, body, status := v.run(uri)
	v.status = status
	return code, body
}

// run is get for concurrent callers: it also returns the status.
func (v *poolVM) run(uri string) (int, string, int) {
	v.t.Helper()
	loc := v.p.Servers[0].FindLocation(uri, nil)
	if loc == nil || loc.Content == nil {
		v.t.Fatalf("no content handler for %s", uri)
	}
	out := &bodyOut{}
	r := &phases.Request{HTTP: httptest.NewRequest("GET", uri, nil), Loc: loc, Out: out, Worker: v.w}
	code := loc.Content.Handle(r)
	v.rt.EndRequest(r)
	return code, out.b.String(), r.Status
}

// global returns the value at a path of fields from the VM's globals.
func (v *poolVM) global(path ...string) lua.LValue {
	v.w.Lock()
	defer v.w.Unlock()
	var cur lua.LValue = v.w.L.G.Global
	for _, k := range path {
		cur = cur.(*lua.LTable).RawGetString(k)
	}
	return cur
}

// checkClean fails when a coroutine on the free list keeps something of
// its last run.
func (v *poolVM) checkClean() {
	v.t.Helper()
	free := v.w.FreeThreads()
	v.w.Lock()
	defer v.w.Unlock()
	for _, co := range free {
		if res := v.w.ThreadResidue(co); res != "" {
			v.t.Errorf("a free coroutine keeps %s", res)
		}
	}
}

const poolConf = `
lua_max_run_time 100ms;
init_by_lua_block { state = { n = 0, keep = {} } }
server { listen 127.0.0.1:0;
	location /exit { content_by_lua_block {
		local n = state.n + 1
		state.n = n
		local v = "req" .. n
		state.keep[n] = function() return v end
		setfenv(0, setmetatable({mark = v}, {__index = _G}))
		ngx.say(v)
		ngx.exit(200)
	} }
	location /deep { content_by_lua_block {
		local function down(d)
			local here = "deep" .. d
			state.keep[#state.keep + 1] = function() return here end
			if d == 3 then
				local ok = pcall(function() ngx.sleep(0) ngx.exit(200) end)
			end
			down(d + 1)
		end
		down(1)
	} }
	location /check { content_by_lua_block {
		for _, f in ipairs(state.keep) do ngx.say(f()) end
		ngx.say(tostring(getfenv(0).mark), " ", tostring(loadstring("return mark")()))
	} }
	location /ok { content_by_lua_block { ngx.say("ok ", getfenv(0) == _G) } }
	location /error { content_by_lua_block { local secret = "s" error("boom") } }
	location /spin { content_by_lua_block { local secret = "s" while true do end } }
	location /spawn { content_by_lua_block {
		state.th = ngx.thread.spawn(function() return 1 end)
		ngx.thread.wait(state.th)
		ngx.say("ok")
	} }
	location /running { content_by_lua_block {
		state.co = coroutine.running()
		pcall(function() state.pco = coroutine.running() end)
		ngx.say("ok")
	} }
	location /status { content_by_lua_block {
		ngx.say(coroutine.status(state.th), " ", coroutine.status(state.co), " ", coroutine.status(state.pco))
	} }
	location /xpcall { content_by_lua_block {
		local big = string.rep("x", 1000)
		xpcall(function() error("e") end, function(e) return big end)
		pcall(function() ngx.sleep(0) end)
		ngx.say("ok")
	} }
}`

// TestThreadReuseExit: a coroutine that ngx.exit left suspended is unwound
// and reused; closures made by the old request keep their own values, and
// setfenv(0) does not reach the next request.
func TestThreadReuseExit(t *testing.T) {
	for _, guard := range []string{"100ms", "off"} {
		t.Run("lua_max_run_time "+guard, func(t *testing.T) {
			testThreadReuseExit(t, strings.Replace(poolConf, "100ms", guard, 1))
		})
	}
}

func testThreadReuseExit(t *testing.T, conf string) {
	v := newPoolVM(t, conf)
	for i := 1; i <= 2; i++ {
		before := v.w.FreeThreads()
		// ngx.exit(200) ends as handler output: Done, with the status set
		if code, body := v.get("/exit"); code != config.Done || v.status != 200 || body != "req"+string(rune('0'+i))+"\n" {
			t.Fatalf("/exit #%d: got %d (status %d) %q", i, code, v.status, body)
		}
		if after := v.w.FreeThreads(); len(before) == 0 || !slices.Equal(before, after) {
			t.Fatalf("/exit #%d: the coroutine was not reused (%d free before, %d after)", i, len(before), len(after))
		}
	}
	v.checkClean()
	if _, body := v.get("/check"); body != "req1\nreq2\nnil nil\n" {
		t.Errorf("/check: got %q, want the closures' own values and a fresh environment", body)
	}
	v.checkClean()
}

// TestThreadReuseExitDeep: ngx.exit inside pcall, below several Lua
// frames with closures over their locals, after a yield.
func TestThreadReuseExitDeep(t *testing.T) {
	v := newPoolVM(t, poolConf)
	if code, _ := v.get("/deep"); code != config.Done || v.status != 200 {
		t.Fatalf("/deep: got %d (status %d)", code, v.status)
	}
	if _, body := v.get("/ok"); body != "ok true\n" {
		t.Fatalf("/ok after /deep: got %q", body)
	}
	if code, _ := v.get("/deep"); code != config.Done || v.status != 200 {
		t.Fatalf("/deep: got %d (status %d)", code, v.status)
	}
	v.checkClean()
	want := "deep1\ndeep2\ndeep3\ndeep1\ndeep2\ndeep3\nnil nil\n"
	if _, body := v.get("/check"); body != want {
		t.Errorf("/check: got %q, want %q", body, want)
	}
}

// TestThreadNotReusedAfterFailure: a coroutine that raised an error or was
// stopped by lua_max_run_time is dropped, and the next request runs on a
// clean one.
func TestThreadNotReusedAfterFailure(t *testing.T) {
	v := newPoolVM(t, poolConf)
	for _, uri := range []string{"/error", "/spin", "/error"} {
		v.get("/ok") // at least one coroutine on the free list
		before := v.w.FreeThreads()
		used := before[len(before)-1]
		if code, _ := v.get(uri); code != 500 {
			t.Fatalf("%s: got %d, want 500", uri, code)
		}
		if slices.Contains(v.w.FreeThreads(), used) {
			t.Fatalf("%s: the failed coroutine went back on the free list", uri)
		}
		v.checkClean()
		for i := 0; i < 3; i++ {
			if code, body := v.get("/ok"); code != config.Done || body != "ok true\n" {
				t.Fatalf("/ok after %s: got %d %q", uri, code, body)
			}
		}
	}
	log, _ := os.ReadFile(v.logf)
	if !strings.Contains(string(log), "lua_max_run_time") || !strings.Contains(string(log), "boom") {
		t.Errorf("error log lacks the failures:\n%s", log)
	}
}

// TestThreadNotReusedWhenReferenced: light threads and coroutines Lua got a
// handle on (coroutine.running) never go back on the free list.
func TestThreadNotReusedWhenReferenced(t *testing.T) {
	v := newPoolVM(t, poolConf)
	v.get("/spawn")
	v.get("/running")
	for _, name := range []string{"th", "co", "pco"} {
		co, ok := v.global("state", name).(*lua.LState)
		if !ok {
			t.Fatalf("state.%s is not a coroutine", name)
		}
		if slices.Contains(v.w.FreeThreads(), co) {
			t.Errorf("state.%s went back on the free list", name)
		}
	}
	for i := 0; i < 4; i++ {
		// run the next requests on whatever the free list holds
		if _, body := v.get("/status"); body != "dead dead dead\n" {
			t.Fatalf("/status #%d: got %q: a request runs on a coroutine Lua still holds", i, body)
		}
	}
	v.get("/xpcall")
	v.checkClean()
}
