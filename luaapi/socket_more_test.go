package luaapi_test

import (
	"bufio"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goresty/goresty/internal/testserver"
)

// echoServer accepts connections and echoes lines back; it records how
// many connections it accepted and saw closed.
type echoServer struct {
	ln             net.Listener
	mu             sync.Mutex
	accepted, done int
	got            []string
	wg             sync.WaitGroup
	conns          []net.Conn
}

func startEcho(t testing.TB) *echoServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e := &echoServer{ln: ln}
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			e.mu.Lock()
			e.accepted++
			e.conns = append(e.conns, c)
			e.mu.Unlock()
			e.wg.Add(1)
			go e.serve(c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		e.mu.Lock()
		for _, c := range e.conns {
			c.Close()
		}
		e.mu.Unlock()
		e.wg.Wait()
	})
	return e
}

func (e *echoServer) serve(c net.Conn) {
	defer e.wg.Done()
	defer func() {
		e.mu.Lock()
		e.done++
		e.mu.Unlock()
	}()
	br := bufio.NewReader(c)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		e.mu.Lock()
		e.got = append(e.got, strings.TrimSpace(line))
		e.mu.Unlock()
		c.Write([]byte(line))
	}
}

func (e *echoServer) port() string { return strconv.Itoa(e.ln.Addr().(*net.TCPAddr).Port) }

func (e *echoServer) stats() (accepted, done int, got []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.accepted, e.done, append([]string(nil), e.got...)
}

// waitFor polls cond for up to two seconds.
func waitFor(cond func() bool) bool {
	for i := 0; i < 200; i++ {
		if cond() {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

// TestSocketPhases checks where ngx.socket.tcp may be created: refused
// like OpenResty in set, header_filter, body_filter and log (observed on
// nginx 1.22.1 + lua-nginx-module 0.10.23), and allowed there with the
// goresty extension lua_cosocket_in_all_phases.
func TestSocketPhases(t *testing.T) {
	e := startEcho(t)
	use := `local s = ngx.socket.tcp() assert(s:connect("127.0.0.1", ` + e.port() + `)) s:send("%s\n") assert(s:receive() == "%s") s:close()`
	in := func(tag string) string { return strings.ReplaceAll(use, "%s", tag) }
	s := testserver.Boot(t, `
		location /set { set_by_lua_block $x { local s = ngx.socket.tcp() return "x" } return 200 "$x\n"; }
		location /log { return 200 "ok\n"; log_by_lua_block { local s = ngx.socket.tcp() } }
		location /hf { return 200 "ok\n"; header_filter_by_lua_block { local s = ngx.socket.tcp() } }
		location /bf { return 200 "ok\n"; body_filter_by_lua_block { local s = ngx.socket.udp() } }
		location /all {
			lua_cosocket_in_all_phases on;
			content_by_lua_block { ngx.say("ok") }
			header_filter_by_lua_block { `+in("hf")+` }
			body_filter_by_lua_block { if ngx.arg[2] then `+in("bf")+` end }
			log_by_lua_block { `+in("log")+` }
		}
		location /rw { rewrite_by_lua_block { `+in("rw")+` } access_by_lua_block { `+in("acc")+` }
			content_by_lua_block { `+in("content")+` ngx.say("ok") } }`)
	for _, c := range []struct{ path, wantLog string }{
		{"/set", "failed to run set_by_lua*: set_by_lua(nginx.conf:"},
		{"/set", "API disabled in the context of set_by_lua*"},
		{"/log", "API disabled in the context of log_by_lua*"},
		{"/hf", "API disabled in the context of header_filter_by_lua*"},
		{"/bf", "API disabled in the context of body_filter_by_lua*"},
	} {
		t.Run(c.path, func(t *testing.T) {
			// a failed body filter aborts the response, as in nginx: no
			// response is fine
			if resp, err := http.Get(s.URL + c.path); err == nil {
				resp.Body.Close()
			}
			if !waitFor(func() bool { return strings.Contains(s.ErrorLog(), c.wantLog) }) {
				t.Errorf("error log lacks %q:\n%s", c.wantLog, s.ErrorLog())
			}
		})
	}
	for _, c := range []struct {
		path string
		tags []string
	}{
		{"/rw", []string{"rw", "acc", "content"}},
		{"/all", []string{"hf", "bf", "log"}},
	} {
		t.Run(c.path, func(t *testing.T) {
			before := s.ErrorLog()
			if status, body, _ := s.Get(c.path); status != 200 || body != "ok\n" {
				t.Fatalf("got %d %q", status, body)
			}
			if !waitFor(func() bool {
				_, _, got := e.stats()
				return strings.Contains(strings.Join(got, ","), strings.Join(c.tags, ","))
			}) {
				_, _, got := e.stats()
				t.Errorf("echo server got %q, want %q in order", got, c.tags)
			}
			if log := strings.TrimPrefix(s.ErrorLog(), before); strings.Contains(log, "[error]") {
				t.Errorf("error log:\n%s", log)
			}
		})
	}
}

// TestSocketDirectives checks the lua_socket_* directives and resolver.
func TestSocketDirectives(t *testing.T) {
	srv := startScenarioServer(t)
	port := strconv.Itoa(srv.port())
	s := testserver.Boot(t, `
		location /readtimeout {
			lua_socket_read_timeout 150ms;
			content_by_lua_block {
				local s = ngx.socket.tcp()
				assert(s:connect("127.0.0.1", `+port+`))
				s:send("silent\n")
				local t0 = ngx.now()
				ngx.say(s:receive())
				ngx.update_time()
				ngx.say(ngx.now() - t0 < 1)
			}
		}
		location /nolog {
			lua_socket_log_errors off;
			content_by_lua_block {
				local s = ngx.socket.tcp()
				s:settimeout(50)
				ngx.say(s:send("x"))
				assert(s:connect("127.0.0.1", `+port+`))
				s:send("silent\n")
				ngx.say(s:receive())
			}
		}
		location /resolver {
			resolver 127.0.0.1;
			content_by_lua_block {
				local s = ngx.socket.tcp()
				ngx.say(s:connect("localhost", `+port+`))
				s:send("echo\nhi\n")
				ngx.say(s:receive())
				ngx.say(s:connect("name.invalid", `+port+`))
				local u = ngx.socket.udp()
				ngx.say(u:setpeername("localhost", `+strconv.Itoa(srv.udpPort())+`))
			}
		}`)
	for _, c := range []struct{ path, want, notLog string }{
		{"/readtimeout", "niltimeout\ntrue\n", ""},
		{"/nolog", "nilclosed\nniltimeout\n", "[error]"},
		{"/resolver", "1\nhi\nnilname.invalid could not be resolved (3: Host not found)\n1\n", ""},
	} {
		t.Run(c.path, func(t *testing.T) {
			before := s.ErrorLog()
			_, body, _ := s.Get(c.path)
			if body != c.want {
				t.Errorf("body %q, want %q", body, c.want)
			}
			if log := strings.TrimPrefix(s.ErrorLog(), before); c.notLog != "" && strings.Contains(log, c.notLog) {
				t.Errorf("error log has %s:\n%s", c.notLog, log)
			}
		})
	}
	if !strings.Contains(s.ErrorLog(), "lua tcp socket read timed out") {
		t.Errorf("no read timeout line in the error log:\n%s", s.ErrorLog())
	}
}

// TestSocketTimerAndThreads checks a connect failure logged from a timer,
// and two light threads reading one socket.
func TestSocketTimerAndThreads(t *testing.T) {
	srv := startScenarioServer(t)
	port := strconv.Itoa(srv.port())
	closed := strconv.Itoa(refusedPort(t))
	s := testserver.Boot(t, `
		location /timer { content_by_lua_block {
			ngx.timer.at(0, function()
				local s = ngx.socket.tcp()
				local ok, err = s:connect("127.0.0.1", `+closed+`)
				ngx.log(ngx.ERR, "TIMER ", tostring(ok), " ", err)
			end)
			ngx.say("ok")
		} }
		location /busy { content_by_lua_block {
			local s = ngx.socket.tcp()
			s:settimeout(300)
			assert(s:connect("127.0.0.1", `+port+`))
			s:send("silent\n")
			local th = ngx.thread.spawn(function() return s:receive() end)
			ngx.say(s:receive())
			ngx.say(select(2, ngx.thread.wait(th)))
		} }`)
	s.Get("/timer")
	want := "connect() failed (111: Connection refused), context: ngx.timer"
	if !waitFor(func() bool { return strings.Contains(s.ErrorLog(), "TIMER nil connection refused") }) ||
		!strings.Contains(s.ErrorLog(), want) {
		t.Errorf("error log lacks %q:\n%s", want, s.ErrorLog())
	}
	// one reader waits (and times out), the other is refused; which one
	// is the light-thread scheduler's business
	_, body, _ := s.Get("/busy")
	lines := strings.Split(strings.TrimSpace(body), "\n")
	sort.Strings(lines)
	if strings.Join(lines, ",") != "nilsocket busy reading,niltimeout" {
		t.Errorf("/busy: got %q", body)
	}
}

// TestSocketPoolClosedWithRuntime checks that the worker's keepalive
// pool is closed when the server stops.
func TestSocketPoolClosedWithRuntime(t *testing.T) {
	e := startEcho(t)
	t.Run("serve", func(t *testing.T) {
		s := testserver.Boot(t, `location /t { content_by_lua_block {
			local s = ngx.socket.tcp()
			assert(s:connect("127.0.0.1", `+e.port()+`))
			ngx.say(s:getreusedtimes())
			s:send("x\n") s:receive()
			ngx.say(s:setkeepalive())
		} }`)
		for i, want := range []string{"0\n1\n", "1\n1\n"} {
			if _, body, _ := s.Get("/t"); body != want {
				t.Errorf("request %d: got %q, want %q", i, body, want)
			}
		}
		if acc, done, _ := e.stats(); acc != 1 || done != 0 {
			t.Errorf("accepted %d, closed %d; want 1 kept alive", acc, done)
		}
	})
	if !waitFor(func() bool { _, done, _ := e.stats(); return done == 1 }) {
		t.Error("the pooled connection was not closed with the runtime")
	}
}

// TestSocketRedis runs testdata/lua/redis.lua against a real redis-server.
func TestSocketRedis(t *testing.T) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server is not on PATH (make test installs it): skipping the Redis client test")
	}
	port := strconv.Itoa(freePort(t))
	cmd := exec.Command(bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	if !waitFor(func() bool {
		c, err := net.Dial("tcp", "127.0.0.1:"+port)
		if err == nil {
			c.Close()
		}
		return err == nil
	}) {
		t.Fatal("redis-server did not start")
	}
	lib, _ := filepath.Abs("../testdata/lua")
	script, err := os.ReadFile("testdata/socket/redis_test.lua")
	if err != nil {
		t.Fatal(err)
	}
	s := testserver.Boot(t, `location /t { content_by_lua_block { `+string(script)+` } }`,
		testserver.Options{HTTP: `lua_package_path "` + lib + `/?.lua;;";`})
	want, err := os.ReadFile("testdata/socket/redis_test.out")
	if err != nil {
		t.Fatal(err)
	}
	for i, reused := range []string{"0", "1"} {
		_, body, _ := s.Get("/t?port=" + port)
		w := strings.ReplaceAll(string(want), "REUSED", reused)
		if body != w {
			t.Errorf("request %d:\n%s\nwant:\n%s", i, body, w)
		}
	}
	s.NoErrors()
}

// BenchmarkSocketKeepalive is one request doing connect (from the pool),
// send, receive and setkeepalive against an echo server.
func BenchmarkSocketKeepalive(b *testing.B) {
	e := startEcho(b)
	s := testserver.Boot(b, `location /t { content_by_lua_block {
		local s = ngx.socket.tcp()
		assert(s:connect("127.0.0.1", `+e.port()+`))
		s:send("ping\n")
		local line = s:receive()
		s:setkeepalive()
		ngx.print(line)
	} }`)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, body, _ := s.Get("/t"); body != "ping" {
			b.Fatalf("got %q", body)
		}
	}
}
