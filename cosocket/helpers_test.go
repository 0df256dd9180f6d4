package cosocket

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goresty/goresty/internal/edgepoll"
)

// TestMain fails the run when goroutines outlive the tests.
func TestMain(m *testing.M) {
	edgepoll.Shared() // the process's epoll set lives as long as the process
	base := runtime.NumGoroutine()
	code := m.Run()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > base && code == 0 {
		buf := make([]byte, 1<<20)
		fmt.Fprintf(os.Stderr, "goroutine leak: %d > %d\n%s", n, base, buf[:runtime.Stack(buf, true)])
		code = 1
	}
	os.Exit(code)
}

// server is an in-test listener running handle for every connection.
type server struct {
	ln     net.Listener
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  []net.Conn
	accept int
}

func newServer(t testing.TB, network string, handle func(net.Conn)) *server {
	t.Helper()
	addr := "127.0.0.1:0"
	if network == "unix" {
		addr = filepath.Join(t.TempDir(), "s.sock")
	}
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	s := &server{ln: ln}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.accept++
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer c.Close()
				handle(c)
			}()
		}
	}()
	t.Cleanup(s.close)
	return s
}

func (s *server) close() {
	s.ln.Close()
	s.mu.Lock()
	for _, c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *server) accepted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accept
}

// target returns the Connect arguments for the server.
func (s *server) target() (string, int) {
	if a, ok := s.ln.Addr().(*net.TCPAddr); ok {
		return a.IP.String(), a.Port
	}
	return "unix:" + s.ln.Addr().String(), 0
}

// echo copies lines back until the peer closes.
func echo(c net.Conn) {
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return
		}
		c.Write(buf[:n])
	}
}

func connect(t testing.TB, s *server, cfg *Config, pool *Pool) *TCPSocket {
	t.Helper()
	sock := NewTCP(cfg, pool)
	host, port := s.target()
	if err := sock.Connect(context.Background(), host, port, ConnectOptions{}); err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { sock.Close() })
	return sock
}

func shortCfg() *Config {
	return &Config{ConnectTimeout: time.Second, SendTimeout: time.Second, ReadTimeout: time.Second}
}

func q(s string) string { return fmt.Sprintf("%q", s) }

var _ = strings.Repeat
