package main_test

import (
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// serveConf is started with -g "daemon off; master_process off;" where it
// must stay in the foreground.
const serveConf = `error_log logs/error.log info;
events {}
http {
  access_log logs/access.log;
  server {
    listen 127.0.0.1:PORT;
    location / { return 200 "BODY\n"; }
    location /slow { content_by_lua_block { ngx.sleep(0.5) ngx.say("done") } }
  }
}
`

const foreground = "daemon off; master_process off;"

func serveConfig(body string) string { return strings.ReplaceAll(serveConf, "BODY", body) }

// startServe starts serveConf in the foreground and checks that it serves.
func startServe(t *testing.T) (dir string, port int, s *server) {
	t.Helper()
	port = freePort(t)
	dir = prefix(t, serveConfig("one"), port)
	s = start(t, dir, port, "-g", foreground)
	if got := mustGet(t, s.addr, "/"); got != "one\n" {
		t.Fatalf("GET / = %q, want one", got)
	}
	return dir, port, s
}

// rewriteConf replaces the configuration of a running server.
func rewriteConf(t *testing.T, dir string, port int, conf string) {
	t.Helper()
	writeFile(t, dir+"conf/nginx.conf", strings.ReplaceAll(conf, "PORT", strconv.Itoa(port)))
}

func waitBody(t *testing.T, dir, addr, want string) {
	t.Helper()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("error log:\n%s", readFile(t, dir+"logs/error.log"))
		}
	})
	waitFor(t, "GET / = "+want, func() bool {
		_, body, err := get(addr, "/")
		return err == nil && body == want
	})
}

func TestPidFile(t *testing.T) {
	dir, _, s := startServe(t)
	if got, want := readFile(t, dir+"logs/nginx.pid"), strconv.Itoa(s.cmd.Process.Pid)+"\n"; got != want {
		t.Errorf("pid file %q, want %q", got, want)
	}
	s.signal(t, syscall.SIGTERM)
	if err := s.exited(t); err != nil {
		t.Errorf("exit after SIGTERM: %v, want status 0", err)
	}
	if _, err := os.Stat(dir + "logs/nginx.pid"); !os.IsNotExist(err) {
		t.Errorf("pid file left after exit: %v", err)
	}
	if dial(s.addr) {
		t.Errorf("%s still accepts connections", s.addr)
	}
	if log := readFile(t, dir+"logs/error.log"); !strings.Contains(log, "signal 15 (SIGTERM) received") {
		t.Errorf("error log %q does not record SIGTERM", log)
	}
}

func TestSignalReload(t *testing.T) {
	dir, port, s := startServe(t)
	rewriteConf(t, dir, port, serveConfig("two"))
	s.signal(t, syscall.SIGHUP)
	waitBody(t, dir, s.addr, "two\n")
	// a broken configuration is reported and the old one keeps serving
	rewriteConf(t, dir, port, serveConfig("three")+"foo;\n")
	s.signal(t, syscall.SIGHUP)
	waitFor(t, "[emerg] in the error log", func() bool {
		return strings.Contains(readFile(t, dir+"logs/error.log"), `[emerg]`)
	})
	log := readFile(t, dir+"logs/error.log")
	if !strings.Contains(log, `unknown directive "foo" in `+dir+"conf/nginx.conf:11") {
		t.Errorf("error log %q lacks the position of the error", log)
	}
	if got := mustGet(t, s.addr, "/"); got != "two\n" {
		t.Errorf("after a bad reload GET / = %q, want two", got)
	}
	select {
	case <-s.done:
		t.Fatalf("goresty exited after a bad reload: %v", s.err)
	default:
	}
}

func TestSignalQuitIsGraceful(t *testing.T) {
	dir, _, s := startServe(t)
	type reply struct {
		status int
		body   string
		err    error
	}
	slow := make(chan reply, 1)
	go func() {
		st, body, err := get(s.addr, "/slow")
		slow <- reply{st, body, err}
	}()
	time.Sleep(150 * time.Millisecond) // the request is in ngx.sleep
	s.signal(t, syscall.SIGQUIT)
	waitFor(t, "the listener to close", func() bool { return !dial(s.addr) })
	r := <-slow
	if r.err != nil || r.status != 200 || r.body != "done\n" {
		t.Errorf("in-flight request: %d %q %v, want 200 done", r.status, r.body, r.err)
	}
	if err := s.exited(t); err != nil {
		t.Errorf("exit after SIGQUIT: %v, want status 0", err)
	}
	if _, err := os.Stat(dir + "logs/nginx.pid"); !os.IsNotExist(err) {
		t.Errorf("pid file left after exit: %v", err)
	}
}

func TestSignalReopen(t *testing.T) {
	dir, _, s := startServe(t)
	checkReopen(t, dir, s.addr, func() { s.signal(t, syscall.SIGUSR1) })
}

// checkReopen renames the logs, calls reopen, and checks that new files
// appear and get the next lines while the renamed ones keep the old lines.
func checkReopen(t *testing.T, dir, addr string, reopen func()) {
	t.Helper()
	access, errLog := dir+"logs/access.log", dir+"logs/error.log"
	for _, f := range []string{access, errLog} {
		if err := os.Rename(f, f+".1"); err != nil {
			t.Fatal(err)
		}
	}
	mustGet(t, addr, "/before")
	reopen()
	waitFor(t, "a new error.log", func() bool { return readFile(t, errLog) != "" || fileExists(errLog) })
	// the access log is opened again on its next line
	n := 0
	waitFor(t, "a request in the new access.log", func() bool {
		n++
		mustGet(t, addr, "/after"+strconv.Itoa(n))
		return strings.Contains(readFile(t, access), "GET /after"+strconv.Itoa(n)+" ")
	})
	if old := readFile(t, access+".1"); !strings.Contains(old, "GET /before ") {
		t.Errorf("renamed access log %q lacks /before", old)
	}
	if strings.Contains(readFile(t, access), "GET /before ") {
		t.Errorf("the new access log has the request from before the reopen")
	}
	if old := readFile(t, errLog+".1"); !strings.Contains(old, "started") {
		t.Errorf("renamed error log %q lacks the start-up line", old)
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func TestSignalOption(t *testing.T) {
	dir, port, s := startServe(t)
	g := []string{"-p", dir, "-g", foreground}
	rewriteConf(t, dir, port, serveConfig("reloaded"))
	if r := run(t, append(g, "-s", "reload")...); r.code != 0 || r.stderr != "" {
		t.Fatalf("-s reload: code %d stderr %q", r.code, r.stderr)
	}
	waitBody(t, dir, s.addr, "reloaded\n")

	checkReopen(t, dir, s.addr, func() {
		if r := run(t, append(g, "-s", "reopen")...); r.code != 0 {
			t.Fatalf("-s reopen: code %d stderr %q", r.code, r.stderr)
		}
	})

	if r := run(t, append(g, "-s", "quit")...); r.code != 0 {
		t.Fatalf("-s quit: code %d stderr %q", r.code, r.stderr)
	}
	if err := s.exited(t); err != nil {
		t.Errorf("exit after -s quit: %v", err)
	}
	if log := readFile(t, dir+"logs/error.log"); !strings.Contains(log, "SIGQUIT") {
		t.Errorf("error log %q does not record SIGQUIT", log)
	}
}

func TestSignalNoPidFile(t *testing.T) {
	dir := prefix(t, okConf, 1)
	for _, sig := range []string{"stop", "quit", "reopen", "reload"} {
		r := run(t, "-p", dir, "-s", sig)
		want := `goresty: [error] open() "` + dir + `logs/nginx.pid" failed (2: No such file or directory)` + "\n"
		if r.code != 1 || r.stderr != want {
			t.Errorf("-s %s: code %d stderr %q, want 1 and %q", sig, r.code, r.stderr, want)
		}
	}
	writeFile(t, dir+"logs/nginx.pid", "abc\n")
	want := `goresty: [error] invalid PID number "abc" in "` + dir + `logs/nginx.pid"` + "\n"
	if r := run(t, "-p", dir, "-s", "stop"); r.code != 1 || r.stderr != want {
		t.Errorf("bad pid: code %d stderr %q, want 1 and %q", r.code, r.stderr, want)
	}
}

func TestDaemon(t *testing.T) {
	port := freePort(t)
	dir := prefix(t, serveConfig("daemon"), port)
	pidFile := dir + "logs/nginx.pid"
	t.Cleanup(func() { // never leave the daemon behind
		if pid, err := strconv.Atoi(strings.TrimSpace(readFile(t, pidFile))); err == nil && pid > 0 {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	r := run(t, "-p", dir, "-g", "daemon on; master_process on;")
	if r.code != 0 {
		t.Fatalf("daemon start: code %d stderr %q", r.code, r.stderr)
	}
	// the command returns once the port is bound and the pid file written
	addr := "127.0.0.1:" + strconv.Itoa(port)
	if got := mustGet(t, addr, "/"); got != "daemon\n" {
		t.Errorf("GET / = %q, want daemon", got)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(readFile(t, pidFile)))
	if err != nil || !alive(pid) {
		t.Fatalf("pid file %q does not name a live process", readFile(t, pidFile))
	}
	if r := run(t, "-p", dir, "-s", "stop"); r.code != 0 || r.stderr != "" {
		t.Fatalf("-s stop: code %d stderr %q", r.code, r.stderr)
	}
	waitFor(t, "the daemon to exit", func() bool { return !alive(pid) })
	if _, err := os.Stat(pidFile); !os.IsNotExist(err) {
		t.Errorf("pid file left after -s stop: %v\nerror log:\n%s", err, readFile(t, dir+"logs/error.log"))
	}
	if dial(addr) {
		t.Errorf("%s still accepts connections", addr)
	}
}

// alive reports whether process pid runs; a zombie waiting for init to
// reap it does not count.
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	_, rest, _ := strings.Cut(string(stat), ") ")
	return !strings.HasPrefix(rest, "Z")
}

func TestDaemonBindError(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	dir := prefix(t, serveConfig("x"), port)
	t.Cleanup(func() {
		if pid, err := strconv.Atoi(strings.TrimSpace(readFile(t, dir+"logs/nginx.pid"))); err == nil && pid > 0 {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	r := run(t, "-p", dir, "-g", "daemon on; master_process on;")
	want := "bind() to 127.0.0.1:" + strconv.Itoa(port) + " failed (98: Address already in use)"
	if r.code != 1 || !strings.Contains(r.stderr, "[emerg] "+want) {
		t.Errorf("code %d stderr %q, want 1 and [emerg] %s", r.code, r.stderr, want)
	}
	if _, err := os.Stat(dir + "logs/nginx.pid"); !os.IsNotExist(err) {
		t.Errorf("pid file written although the daemon failed: %v", err)
	}
}

// TestPreamble serves the configuration of the project's issue.
func TestPreamble(t *testing.T) {
	const preamble = `worker_processes 1; daemon off; master_process off; error_log logs/error.log debug; pid logs/nginx.pid; env MOCKEAGAIN; user root; http { access_log logs/access.log; client_body_temp_path t/tmp; default_type text/plain; keepalive_timeout 68000ms; server { listen 127.0.0.1:1984; server_name 'localhost'; client_max_body_size 30M; location / { root html; index index.html index.htm; } } } events { accept_mutex off; worker_connections 64; }`
	port := freePort(t)
	dir := prefix(t, strings.Replace(preamble, "1984", strconv.Itoa(port), 1), port)
	if err := os.MkdirAll(dir+"t/tmp", 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir+"html/index.html", "it works\n")
	s := start(t, dir, port)
	if st, body, err := get(s.addr, "/"); err != nil || st != 200 || body != "it works\n" {
		t.Errorf("GET / = %d %q %v, want 200 it works", st, body, err)
	}
	if st, _, err := get(s.addr, "/missing"); err != nil || st != 404 {
		t.Errorf("GET /missing = %d %v, want 404", st, err)
	}
	s.signal(t, syscall.SIGTERM)
	if err := s.exited(t); err != nil {
		t.Errorf("exit: %v", err)
	}
}

// TestEmbeddedDefault runs without conf/nginx.conf: the embedded default
// configuration serves 127.0.0.1:8080 (skipped when the port is taken).
func TestEmbeddedDefault(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:8080")
	if err != nil {
		t.Skip("127.0.0.1:8080 is in use")
	}
	l.Close()
	dir := t.TempDir() + "/"
	if r := run(t, "-p", dir, "-t"); r.code != 0 || !strings.Contains(r.stderr, "test is successful") {
		t.Fatalf("-t without a configuration: code %d stderr %q", r.code, r.stderr)
	}
	r := run(t, "-p", dir, "-T", "-q")
	if !strings.HasPrefix(r.stdout, "# configuration file "+dir+"conf/nginx.conf:\n") || !strings.Contains(r.stdout, "listen 127.0.0.1:8080;") {
		t.Errorf("-T without a configuration printed %q", r.stdout)
	}
	s := start(t, dir, 8080)
	if st, body, err := get(s.addr, "/"); err != nil || st != 200 || !strings.HasPrefix(body, "goresty is running") {
		t.Errorf("GET / = %d %q %v", st, body, err)
	}
	if body := mustGet(t, s.addr, "/hello"); !strings.HasPrefix(body, "hello from goresty") {
		t.Errorf("GET /hello = %q", body)
	}
	if !strings.Contains(s.stderr.String(), "embedded default configuration") {
		t.Errorf("stderr %q does not tell that the embedded configuration is used", s.stderr)
	}
	s.signal(t, syscall.SIGTERM)
	if err := s.exited(t); err != nil {
		t.Errorf("exit: %v", err)
	}
}

// worker_processes sets how many CPUs run Go code (nginx's workers occupy
// that many); a GOMAXPROCS environment variable wins.
func TestWorkerProcessesSetsCPUs(t *testing.T) {
	for _, c := range []struct {
		name, env, workers string
		want               int
	}{
		{"one worker", "", "1", 1},
		{"two workers", "", "2", min(2, runtime.GOMAXPROCS(0))},
		{"environment wins", "2", "1", 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("GOMAXPROCS", c.env)
			port := freePort(t)
			dir := prefix(t, serveConfig("cpu"), port)
			start(t, dir, port, "-g", foreground+" worker_processes "+c.workers+";")
			want := c.workers + " worker(s), " + strconv.Itoa(c.want) + " CPU(s)"
			waitFor(t, "start line with "+want, func() bool {
				return strings.Contains(readFile(t, dir+"logs/error.log"), want)
			})
		})
	}
}

// A bad GORESTY_GC_HEADROOM stops the start with an [emerg] line.
func TestBadGCHeadroom(t *testing.T) {
	dir := prefix(t, serveConfig("x"), freePort(t))
	t.Setenv("GORESTY_GC_HEADROOM", "lots")
	r := run(t, "-p", dir)
	if want := `[emerg] invalid GORESTY_GC_HEADROOM value "lots"`; r.code != 1 || !strings.Contains(r.stderr, want) {
		t.Errorf("code %d stderr %q, want 1 and %s", r.code, r.stderr, want)
	}
}
