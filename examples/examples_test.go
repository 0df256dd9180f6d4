// Package examples_test boots every example and replays the requests its
// README shows.
package examples_test

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goresty/goresty"
	"github.com/goresty/goresty/internal/testserver"
)

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// copyExample copies an example folder and moves it to a free port.
func copyExample(t *testing.T, name string, repl map[string]string) (dir, port string) {
	dir = t.TempDir()
	port = freePort(t)
	err := filepath.Walk(name, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(name, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if rel == "nginx.conf" {
			s := strings.ReplaceAll(string(data), "127.0.0.1:8080", "127.0.0.1:"+port)
			for k, v := range repl {
				s = strings.ReplaceAll(s, k, v)
			}
			data = []byte(s)
		}
		os.MkdirAll(filepath.Join(dir, filepath.Dir(rel)), 0o755)
		return os.WriteFile(filepath.Join(dir, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir, port
}

func runExample(t *testing.T, name string, repl map[string]string) {
	dir, port := copyExample(t, name, repl)
	srv, err := goresty.Start(dir, "nginx.conf")
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	t.Cleanup(func() { srv.Stop(false) })
	testserver.Replay(t, testserver.ReadmeExchanges(t, filepath.Join(name, "README.md")), "http://127.0.0.1:"+port)
}

func TestExamples(t *testing.T) {
	for _, name := range []string{"hello", "phases", "logging", "cache", "timer", "background"} {
		t.Run(name, func(t *testing.T) { runExample(t, name, nil) })
	}
}

// TestCosocketExample needs a real Redis (make test installs redis-server).
func TestCosocketExample(t *testing.T) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not installed (make test-deps installs it)")
	}
	port := freePort(t)
	cmd := exec.Command(bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; i < 50; i++ {
		if c, err := net.Dial("tcp", "127.0.0.1:"+port); err == nil {
			c.Close()
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	runExample(t, "cosocket", map[string]string{"6379": port})
}

// TestExampleConfigsPassTheTest runs every example's nginx.conf through the
// configuration test (what `goresty -t` does).
func TestExampleConfigsPassTheTest(t *testing.T) {
	dirs, _ := filepath.Glob("*/nginx.conf")
	if len(dirs) < 8 {
		t.Fatalf("expected the 8 examples, found %v", dirs)
	}
	for _, conf := range dirs {
		name := filepath.Dir(conf)
		dir, _ := copyExample(t, name, nil)
		srv, err := goresty.Start(dir, "nginx.conf")
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		srv.Stop(false)
	}
}
