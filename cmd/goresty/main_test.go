package main_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/goresty/goresty/phases"
)

// The binary is built once, on first use, into a directory TestMain removes.
var (
	buildOnce sync.Once
	binDir    string
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// goresty returns the path of the built binary.
func goresty(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if binDir, buildErr = os.MkdirTemp("", "goresty-bin-"); buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "goresty")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// freePort returns a TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// prefix makes a prefix directory with conf/nginx.conf (PORT replaced by
// port), logs/ and html/. It returns the prefix with a trailing slash.
func prefix(t *testing.T, conf string, port int) string {
	t.Helper()
	dir := t.TempDir() + "/"
	for _, d := range []string{"conf", "logs", "html"} {
		if err := os.MkdirAll(dir+d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, dir+"conf/nginx.conf", strings.ReplaceAll(conf, "PORT", strconv.Itoa(port)))
	return dir
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return string(b)
}

type result struct {
	stdout, stderr string
	code           int
}

// run runs goresty to completion (10 s at most).
func run(t *testing.T, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, goresty(t), args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.WaitDelay = 2 * time.Second // a daemon holding our pipes must not hang the test
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{out.String(), errb.String(), code}
}

// syncBuffer is a bytes.Buffer the child's output can be copied into while
// the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// server is a goresty running in the foreground.
type server struct {
	cmd    *exec.Cmd
	addr   string
	stderr *syncBuffer
	done   chan struct{}
	err    error // the exit status, once done is closed
}

// start runs goresty -p dir in the foreground and waits until addr accepts
// connections. The process is killed when the test ends.
func start(t *testing.T, dir string, port int, args ...string) *server {
	t.Helper()
	s := &server{addr: "127.0.0.1:" + strconv.Itoa(port), stderr: &syncBuffer{}, done: make(chan struct{})}
	s.cmd = exec.Command(goresty(t), append([]string{"-p", dir}, args...)...)
	s.cmd.Stderr = s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.err = s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		s.cmd.Process.Kill()
		<-s.done
	})
	waitFor(t, "listening on "+s.addr, func() bool {
		select {
		case <-s.done:
			if strings.Contains(s.stderr.String(), "Address already in use") {
				t.Skipf("%s was taken by another process", s.addr)
			}
			t.Fatalf("goresty exited: %v\n%s", s.err, s.stderr)
		default:
		}
		return dial(s.addr)
	})
	return s
}

func (s *server) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
}

// exited waits for the process to end and returns its exit status.
func (s *server) exited(t *testing.T) error {
	t.Helper()
	select {
	case <-s.done:
		return s.err
	case <-time.After(3 * time.Second):
		t.Fatal("goresty did not exit")
		return nil
	}
}

func dial(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
	if err == nil {
		c.Close()
	}
	return err == nil
}

// waitFor polls cond for up to 3 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what) // the caller adds context
}

// get sends GET path over HTTP/1.0 and returns the status and the body.
func get(addr, path string) (int, string, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return 0, "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n", path); err != nil {
		return 0, "", err
	}
	b, err := io.ReadAll(bufio.NewReader(c))
	if err != nil {
		return 0, "", err
	}
	head, body, _ := strings.Cut(string(b), "\r\n\r\n")
	var status int
	fmt.Sscanf(head, "HTTP/1.%d %d", new(int), &status)
	return status, body, nil
}

func mustGet(t *testing.T, addr, path string) string {
	t.Helper()
	_, body, err := get(addr, path)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func TestVersion(t *testing.T) {
	want := "goresty version: goresty/" + phases.Version + " (nginx/" + phases.NginxVersion + " compatible)\n"
	for _, flag := range []string{"-v", "-V"} {
		t.Run(flag, func(t *testing.T) {
			r := run(t, flag)
			if r.code != 0 || r.stdout != "" || !strings.HasPrefix(r.stderr, want) {
				t.Fatalf("goresty %s: code %d stdout %q stderr %q, want 0 and %q on stderr", flag, r.code, r.stdout, r.stderr, want)
			}
			verbose := strings.Contains(r.stderr, "built with go") && strings.Contains(r.stderr, "configure arguments:")
			if verbose != (flag == "-V") {
				t.Errorf("goresty %s printed %q", flag, r.stderr)
			}
		})
	}
}

func TestBadOptions(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-x"}, `goresty: invalid option: "x"` + "\n"},
		{[]string{"-s", "bogus"}, `goresty: invalid option: "-s bogus"` + "\n"},
		{[]string{"-p"}, `goresty: option "-p" requires directory name` + "\n"},
		{[]string{"-g"}, `goresty: option "-g" requires parameter` + "\n"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			if r := run(t, tc.args...); r.code != 1 || r.stderr != tc.want {
				t.Errorf("code %d stderr %q, want 1 and %q", r.code, r.stderr, tc.want)
			}
		})
	}
}

const okConf = `daemon off; master_process off;
events {}
http { server { listen 127.0.0.1:PORT; location / { return 200 "ok\n"; } } }
`

func TestConfigTest(t *testing.T) {
	dir := prefix(t, okConf, 1)
	conf := dir + "conf/nginx.conf"
	r := run(t, "-p", dir, "-t")
	want := "goresty: the configuration file " + conf + " syntax is ok\n" +
		"goresty: configuration file " + conf + " test is successful\n"
	if r.code != 0 || r.stderr != want || r.stdout != "" {
		t.Errorf("-t: code %d stderr %q, want 0 and %q", r.code, r.stderr, want)
	}
	if r := run(t, "-p", dir, "-t", "-q"); r.code != 0 || r.stderr != "" {
		t.Errorf("-t -q: code %d stderr %q, want 0 and nothing", r.code, r.stderr)
	}
	if r := run(t, "-p", dir, "-tq"); r.code != 0 || r.stderr != "" {
		t.Errorf("-tq: code %d stderr %q, want 0 and nothing", r.code, r.stderr)
	}
}

func TestConfigTestFailed(t *testing.T) {
	dir := prefix(t, "events {}\nhttp {\n  foo;\n}\n", 1)
	conf := dir + "conf/nginx.conf"
	msg := `unknown directive "foo" in ` + conf + ":3"
	want := "goresty: [emerg] " + msg + "\ngoresty: configuration file " + conf + " test failed\n"
	for _, q := range []string{"-t", "-tq"} {
		if r := run(t, "-p", dir, q); r.code != 1 || r.stderr != want {
			t.Errorf("%s: code %d stderr %q, want 1 and %q", q, r.code, r.stderr, want)
		}
	}
	// starting reports it too, on stderr and in the error log
	r := run(t, "-p", dir)
	if r.code != 1 || r.stderr != "goresty: [emerg] "+msg+"\n" {
		t.Errorf("start: code %d stderr %q, want 1 and the [emerg] line", r.code, r.stderr)
	}
	if log := readFile(t, dir+"logs/error.log"); !strings.Contains(log, "[emerg] ") || !strings.Contains(log, msg) {
		t.Errorf("error log %q has no [emerg] %s", log, msg)
	}
}

// A shared dict zone too small for nginx's slab bookkeeping fails like
// nginx: [crit], no position, with -t and at start-up, not in the error log.
func TestConfigTestZoneTooSmall(t *testing.T) {
	dir := prefix(t, "events {}\nhttp {\n  lua_shared_dict d 8k;\n}\n", 1)
	conf := dir + "conf/nginx.conf"
	const line = "goresty: [crit] ngx_slab_alloc() failed: no memory\n"
	if r := run(t, "-p", dir, "-t"); r.code != 1 || r.stderr != line+"goresty: configuration file "+conf+" test failed\n" {
		t.Errorf("-t: code %d stderr %q, want 1 and the [crit] line", r.code, r.stderr)
	}
	if r := run(t, "-p", dir); r.code != 1 || r.stderr != line {
		t.Errorf("start: code %d stderr %q, want 1 and the [crit] line", r.code, r.stderr)
	}
	if log, err := os.ReadFile(dir + "logs/error.log"); err == nil && strings.Contains(string(log), "ngx_slab_alloc") {
		t.Errorf("error log %q has the [crit] line; nginx writes it to stderr only", log)
	}
}

func TestErrorLogOption(t *testing.T) {
	dir := prefix(t, "events {}\nhttp {\n  foo;\n}\n", 1)
	r := run(t, "-p", dir, "-e", "logs/other.log")
	if r.code != 1 {
		t.Fatalf("code %d, want 1", r.code)
	}
	if log := readFile(t, dir+"logs/other.log"); !strings.Contains(log, `[emerg] `) || !strings.Contains(log, `unknown directive "foo"`) {
		t.Errorf("-e logs/other.log: got %q", log)
	}
	if _, err := os.Stat(dir + "logs/error.log"); err == nil {
		t.Errorf("logs/error.log written although -e names another file")
	}
	// -e stderr: nothing is written under logs/
	dir = prefix(t, "events {}\nhttp {\n  foo;\n}\n", 1)
	if r := run(t, "-p", dir, "-e", "stderr"); r.code != 1 || !strings.Contains(r.stderr, `unknown directive "foo"`) {
		t.Errorf("-e stderr: code %d stderr %q", r.code, r.stderr)
	}
	if entries, _ := os.ReadDir(dir + "logs"); len(entries) != 0 {
		t.Errorf("-e stderr wrote %d files in logs/", len(entries))
	}
}

func TestDump(t *testing.T) {
	dir := prefix(t, "daemon off;\nevents {}\nhttp { include inc.conf; }\n", 1)
	writeFile(t, dir+"conf/inc.conf", "server { listen 127.0.0.1:1; }")
	r := run(t, "-p", dir, "-T")
	want := "# configuration file " + dir + "conf/nginx.conf:\ndaemon off;\nevents {}\nhttp { include inc.conf; }\n\n" +
		"# configuration file " + dir + "conf/inc.conf:\nserver { listen 127.0.0.1:1; }\n"
	if r.code != 0 || r.stdout != want {
		t.Errorf("-T: code %d stdout\n%s\nwant\n%s", r.code, r.stdout, want)
	}
	if !strings.Contains(r.stderr, "test is successful") {
		t.Errorf("-T stderr %q, want the test result", r.stderr)
	}
	if r := run(t, "-p", dir, "-T", "-q"); r.stdout != want || r.stderr != "" {
		t.Errorf("-T -q: stdout %q stderr %q", r.stdout, r.stderr)
	}
}

func TestGlobalDirectives(t *testing.T) {
	dir := prefix(t, "events {}\nhttp { server { listen 127.0.0.1:PORT; location / { return 200 \"g\\n\"; } } }\n", freePort(t))
	conf := dir + "conf/nginx.conf"
	tests := []struct {
		g, want string
	}{
		{"worker_processes 2;", ""},
		{"daemon off", `goresty: [emerg] unexpected end of parameter, expecting ";" in command line`},
		{"foo bar;", `goresty: [emerg] unknown directive "foo" in command line`},
		{"listen 80;", `goresty: [emerg] "listen" directive is not allowed here in command line`},
		{"events {}", `goresty: [emerg] "events" directive is duplicate in ` + conf + ":1"},
	}
	for _, tc := range tests {
		t.Run(tc.g, func(t *testing.T) {
			r := run(t, "-p", dir, "-tq", "-g", tc.g)
			want := ""
			if tc.want != "" {
				want = tc.want + "\ngoresty: configuration file " + conf + " test failed\n"
			}
			if r.stderr != want || (r.code == 0) != (want == "") {
				t.Errorf("code %d stderr %q, want %q", r.code, r.stderr, want)
			}
		})
	}
}
