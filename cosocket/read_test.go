package cosocket

import (
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// doOp runs one read op named like OpenResty's argument and renders the
// result as "data", "nil err partial" (3 values) or "nil err" (2 values).
func doOp(s *TCPSocket, op string) string {
	var d string
	var err error
	switch {
	case op == "*l":
		d, err = s.ReceiveLine()
	case op == "*a":
		d, err = s.ReceiveAll()
	case strings.HasPrefix(op, "any"):
		n, _ := strconv.Atoi(op[3:])
		d, err = s.ReceiveAny(n)
	case op == "send":
		_, err = s.Send([]byte("x"))
		if err == nil {
			return "1"
		}
	default:
		n, _ := strconv.Atoi(op)
		d, err = s.Receive(n)
	}
	if err == nil {
		return q(d)
	}
	if HasPartial(err) {
		return "nil " + ErrString(err) + " " + q(d)
	}
	return "nil " + ErrString(err)
}

// The expectations were observed on nginx 1.22.1 + lua-nginx-module 0.10.23.
func TestReceive(t *testing.T) {
	tests := []struct {
		name    string
		handler func(c net.Conn)
		ops     []string
		want    []string
	}{
		{"lines drop every CR", closeAfter("ab\rc\r\nline2\n\rx\r\r\nlast"),
			[]string{"*l", "*l", "*l", "*l", "*l"},
			[]string{`"abc"`, `"line2"`, `"x"`, `nil closed "last"`, `nil closed`}},
		{"size then closed", closeAfter("ab\rc\r\nline2\n\rx\r\r\nlast"),
			[]string{"100", "1", "send"},
			[]string{`nil closed "ab\rc\r\nline2\n\rx\r\r\nlast"`, `nil closed`, "1"}},
		{"all twice then any", closeAfter("hello"),
			[]string{"*a", "*a", "any5"},
			[]string{`"hello"`, `""`, `nil closed ""`}},
		{"size zero and any", closeAfter("ab\rcd"),
			[]string{"0", "any3", "any10", "any10"},
			[]string{`""`, `"ab\r"`, `"c"`, `"d"`}}, // 4-byte buffer
		{"exact sizes", closeAfter("0123456789"),
			[]string{"3", "3", "4", "1"},
			[]string{`"012"`, `"345"`, `"6789"`, `nil closed ""`}},
		{"timeout keeps the socket", holdAfter("abc"),
			[]string{"*l", "5", "*a", "any10"},
			[]string{`nil timeout "abc"`, `nil timeout ""`, `nil timeout ""`, `nil timeout ""`}},
		{"timeout after partial size", holdAfter("abc"),
			[]string{"2", "any10", "any10"},
			[]string{`"ab"`, `"c"`, `nil timeout ""`}},
		{"line across chunks", func(c net.Conn) {
			c.Write([]byte("par"))
			time.Sleep(20 * time.Millisecond)
			c.Write([]byte("tial\r"))
			time.Sleep(20 * time.Millisecond)
			c.Write([]byte("\nnext\n"))
		}, []string{"*l", "*l", "*l"}, []string{`"partial"`, `"next"`, `nil closed ""`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, "tcp", tt.handler)
			cfg := &Config{ReadTimeout: 50 * time.Millisecond, BufferSize: 4}
			s := connect(t, srv, cfg, nil)
			for i, op := range tt.ops {
				if got := doOp(s, op); got != tt.want[i] {
					t.Errorf("op %d %s: got %s, want %s", i, op, got, tt.want[i])
				}
			}
		})
	}
}

func closeAfter(data string) func(net.Conn) {
	return func(c net.Conn) { c.Write([]byte(data)) }
}

func holdAfter(data string) func(net.Conn) {
	return func(c net.Conn) {
		c.Write([]byte(data))
		var b [1]byte
		c.Read(b[:])
	}
}

func TestReceiveUnix(t *testing.T) {
	srv := newServer(t, "unix", echo)
	s := connect(t, srv, shortCfg(), nil)
	if _, err := s.Send([]byte("ping\r\n")); err != nil {
		t.Fatal(err)
	}
	if got, err := s.ReceiveLine(); got != "ping" || err != nil {
		t.Fatalf("got %q, %v; want ping", got, err)
	}
}

func TestClosedSocket(t *testing.T) {
	s := NewTCP(nil, nil)
	checks := []struct {
		name string
		err  error
	}{
		{"send", func() error { _, err := s.Send([]byte("x")); return err }()},
		{"receive", func() error { _, err := s.ReceiveLine(); return err }()},
		{"setkeepalive", s.SetKeepalive(-1, 0)},
		{"close", s.Close()},
		{"getreusedtimes", func() error { _, err := s.GetReusedTimes(); return err }()},
		{"setoption", s.SetOption("tcp-nodelay", 1)},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if !errors.Is(c.err, ErrClosed) || HasPartial(c.err) {
				t.Errorf("got %v (partial %v), want closed without partial", c.err, HasPartial(c.err))
			}
		})
	}
}

func TestBusyReading(t *testing.T) {
	srv := newServer(t, "tcp", holdAfter(""))
	s := connect(t, srv, &Config{ReadTimeout: 200 * time.Millisecond}, nil)
	done := make(chan error)
	go func() { _, err := s.Receive(10); done <- err }()
	for !s.reading.Load() {
		time.Sleep(time.Millisecond)
	}
	if _, err := s.Receive(10); !errors.Is(err, ErrBusyReading) {
		t.Errorf("second reader: got %v, want socket busy reading", err)
	}
	if _, err := s.Send([]byte("x")); err != nil {
		t.Errorf("send while reading: %v", err)
	}
	s.Close()
	if err := <-done; ErrString(err) != "closed" {
		t.Errorf("reader after close: got %v, want closed", err)
	}
}

func TestSendTimeout(t *testing.T) {
	stop := make(chan struct{})
	srv := newServer(t, "tcp", func(net.Conn) { <-stop })
	t.Cleanup(func() { close(stop) })
	s := connect(t, srv, &Config{SendTimeout: 50 * time.Millisecond}, nil)
	s.SetOption("sndbuf", 4096)
	big := make([]byte, 8<<20)
	start := time.Now()
	n, err := s.Send(big)
	if ErrString(err) != "timeout" || n >= len(big) {
		t.Fatalf("got n=%d err=%v, want a partial write and timeout", n, err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("send timeout took %v", d)
	}
}

func TestConnectErrors(t *testing.T) {
	ln := newServer(t, "tcp", holdAfter(""))
	_, port := ln.target()
	ln.close()
	tests := []struct {
		name, host string
		port       int
		want       string
	}{
		{"refused", "127.0.0.1", port, "connection refused"},
		{"no unix file", "unix:/nonexistent/goresty.sock", 0, "no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewTCP(shortCfg(), NewPool())
			err := s.Connect(t.Context(), tt.host, tt.port, ConnectOptions{})
			if got := ErrString(err); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSetOption(t *testing.T) {
	srv := newServer(t, "tcp", holdAfter(""))
	s := connect(t, srv, shortCfg(), nil)
	for _, name := range []string{"keepalive", "reuseaddr", "tcp-nodelay"} {
		if err := s.SetOption(name, 1); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if v, err := s.GetOption(name); v == 0 || err != nil {
			t.Errorf("%s: got %d, %v; want non-zero", name, v, err)
		}
	}
	if err := s.SetOption("rcvbuf", 8192); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.GetOption("rcvbuf"); v < 8192 {
		t.Errorf("rcvbuf: got %d, want >= 8192", v)
	}
	if err := s.SetOption("bogus", 1); err == nil || !strings.Contains(err.Error(), "not supported by goresty") {
		t.Errorf("bogus option: got %v", err)
	}
}

func TestBind(t *testing.T) {
	srv := newServer(t, "tcp", func(c net.Conn) { c.Write([]byte(c.RemoteAddr().String() + "\n")) })
	s := NewTCP(shortCfg(), nil)
	if err := s.Bind("127.0.0.2"); err != nil {
		t.Fatal(err)
	}
	host, port := srv.target()
	if err := s.Connect(t.Context(), host, port, ConnectOptions{}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if line, _ := s.ReceiveLine(); !strings.HasPrefix(line, "127.0.0.2:") {
		t.Errorf("peer saw %q, want 127.0.0.2", line)
	}
}
