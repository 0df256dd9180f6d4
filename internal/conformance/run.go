package conformance

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Preamble is the main-context text every case config starts with, on one
// line so that line N of a case's "--- http" section is line N+1 of
// conf/nginx.conf. The load_module lines are what Debian's nginx needs for
// lua-nginx-module; goresty accepts them too, so both servers read the very
// same file.
const Preamble = "load_module /usr/lib/nginx/modules/ndk_http_module.so; " +
	"load_module /usr/lib/nginx/modules/ngx_http_lua_module.so; " +
	"worker_processes 1; daemon off; master_process off; " +
	"error_log logs/error.log debug; pid logs/nginx.pid; " +
	"events { worker_connections 64; }"

// Timeouts used by the harness.
const (
	StartTimeout   = 10 * time.Second // for the server to accept connections
	RequestTimeout = 10 * time.Second // for one request and its response
	StopTimeout    = 5 * time.Second  // after SIGQUIT, before SIGKILL
)

// Target is the server under test.
type Target struct {
	Bin    string // the binary: nginx (oracle) or goresty
	Name   string // "nginx" or "goresty": the value of @SERVER@
	Oracle bool   // true when Bin is real nginx
}

// Vars holds the values of the @NAME@ substitutions of one case run.
type Vars struct {
	Port, Port2 int    // @PORT@ and @PORT2@
	Prefix      string // @PREFIX@: absolute, with a trailing slash
	Server      string // @SERVER@: "nginx" or "goresty"
}

func (v Vars) pairs(quote func(string) string) []string {
	return []string{
		"@PORT@", strconv.Itoa(v.Port), "@PORT2@", strconv.Itoa(v.Port2),
		"@PREFIX@", quote(v.Prefix), "@SERVER@", quote(v.Server),
	}
}

// sub expands the substitutions in literal text.
func (v Vars) sub(s string) string {
	return strings.NewReplacer(v.pairs(func(s string) string { return s })...).Replace(s)
}

// subRe expands the substitutions in a regex, quoting their values.
func (v Vars) subRe(s string) *regexp.Regexp {
	return regexp.MustCompile(strings.NewReplacer(v.pairs(regexp.QuoteMeta)...).Replace(s))
}

// Config returns the conf/nginx.conf text of c, before substitution.
func (c *Case) Config() string {
	if c.HasConf {
		return strings.Replace(c.Conf, "@PREAMBLE@", Preamble, 1)
	}
	return Preamble + " http {\n" + c.HTTP + "}\n" + c.Main
}

// Run runs case c against tg as a subtest body: it skips, starts the
// server, sends the requests, stops the server and checks the error log.
func (tg *Target) Run(t *testing.T, c *Case) {
	t.Helper()
	if tg.Oracle && c.OracleSkip != "" {
		t.Skipf("oracle-skip: %s", c.OracleSkip)
	}
	if !tg.Oracle && c.Todo != "" {
		t.Skipf("todo: %s", c.Todo)
	}
	const attempts = 3
	for i := 1; ; i++ {
		v, err := tg.prepare(t, c)
		if err != nil {
			t.Fatal(err)
		}
		if c.ConfigTest != nil {
			tg.runConfigTest(t, c, v)
			return
		}
		srv, err := tg.start(c, v)
		if err != nil {
			if i < attempts && strings.Contains(err.Error(), "Address already in use") {
				continue // another process took the free port: try new ones
			}
			t.Fatalf("%s:%d: %v", c.File, c.Line, err)
		}
		tg.runRequests(t, c, v)
		out := srv.stop()
		checkLog(t, c, v)
		if t.Failed() {
			dumpLog(t, v.Prefix, out)
		}
		return
	}
}

// prepare picks ports and writes the prefix directory.
func (tg *Target) prepare(t *testing.T, c *Case) (Vars, error) {
	prefix := t.TempDir() + "/"
	ports, err := freePorts(2)
	if err != nil {
		return Vars{}, err
	}
	v := Vars{Port: ports[0], Port2: ports[1], Prefix: prefix, Server: tg.Name}
	for _, d := range []string{"conf", "logs", "html"} {
		if err := os.MkdirAll(filepath.Join(prefix, d), 0o755); err != nil {
			return v, fmt.Errorf("conformance: %w", err)
		}
	}
	files := append([]File{{Path: "conf/nginx.conf", Content: c.Config()}}, c.Files...)
	for _, f := range files {
		p := filepath.Join(prefix, f.Path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return v, fmt.Errorf("conformance: %w", err)
		}
		if err := os.WriteFile(p, []byte(v.sub(f.Content)), 0o644); err != nil {
			return v, fmt.Errorf("conformance: %w", err)
		}
		if !f.Mtime.IsZero() {
			if err := os.Chtimes(p, f.Mtime, f.Mtime); err != nil {
				return v, fmt.Errorf("conformance: %w", err)
			}
		}
	}
	return v, nil
}

// freePorts returns n distinct ports that were free a moment ago.
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for len(ports) < n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("conformance: free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func (tg *Target) command(v Vars, extra ...string) *exec.Cmd {
	args := append([]string{"-p", v.Prefix, "-c", "conf/nginx.conf", "-e", "logs/error.log"}, extra...)
	cmd := exec.Command(tg.Bin, args...)
	cmd.Dir = v.Prefix
	return cmd
}

// server is a running server process.
type server struct {
	cmd  *exec.Cmd
	out  *bytes.Buffer // stdout and stderr; read only after done is closed
	done chan struct{}
}

// start starts the server and waits until it accepts connections.
func (tg *Target) start(c *Case, v Vars) (*server, error) {
	s := &server{cmd: tg.command(v), out: &bytes.Buffer{}, done: make(chan struct{})}
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("conformance: start %s: %w", tg.Bin, err)
	}
	go func() { s.cmd.Wait(); close(s.done) }()
	ports := []int{v.Port}
	if strings.Contains(c.Config(), "@PORT2@") {
		ports = append(ports, v.Port2)
	}
	deadline := time.Now().Add(StartTimeout)
	for _, port := range ports {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		for {
			conn, err := net.DialTimeout("tcp", addr, time.Second)
			if err == nil {
				conn.Close()
				break
			}
			select {
			case <-s.done:
				log, _ := os.ReadFile(filepath.Join(v.Prefix, "logs/error.log"))
				return nil, fmt.Errorf("server exited before listening on %s: %s\n%s\nerror log:\n%s",
					addr, s.cmd.ProcessState, s.out, filterLog(string(log)))
			case <-time.After(20 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				out := s.stop()
				return nil, fmt.Errorf("server not listening on %s after %v\n%s", addr, StartTimeout, out)
			}
		}
	}
	return s, nil
}

// stop sends SIGQUIT, then SIGKILL after StopTimeout, and returns the
// process output.
func (s *server) stop() string {
	s.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-s.done:
	case <-time.After(StopTimeout):
		s.cmd.Process.Kill()
		<-s.done
		return s.out.String() + "\n(conformance: killed after SIGQUIT timeout)"
	}
	return s.out.String()
}

// runConfigTest runs `BIN -t` and checks its exit status and stderr.
func (tg *Target) runConfigTest(t *testing.T, c *Case, v Vars) {
	cmd := tg.command(v, "-t")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("conformance: run %s -t: %v", tg.Bin, err)
	}
	ct := c.ConfigTest
	if code != ct.Exit {
		t.Errorf("%s:%d: exit status: got %d, want %d", c.File, c.Line, code, ct.Exit)
	}
	got := stderr.String()
	for _, s := range ct.Stderr {
		if want := v.sub(s); !strings.Contains(got, want) {
			t.Errorf("%s:%d: stderr does not contain %q", c.File, c.Line, want)
		}
	}
	for _, s := range ct.StderrRe {
		if !v.subRe(s).MatchString(got) {
			t.Errorf("%s:%d: stderr does not match %q", c.File, c.Line, s)
		}
	}
	if t.Failed() {
		t.Logf("stderr:\n%s", got)
	}
}
