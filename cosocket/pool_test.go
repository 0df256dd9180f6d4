package cosocket

import (
	"errors"
	"net"
	"testing"
	"time"
)

func TestPoolReuse(t *testing.T) {
	srv := newServer(t, "tcp", echo)
	pool := NewPool()
	defer pool.Close()
	host, port := srv.target()
	for i, want := range []int{0, 1, 2} {
		s := NewTCP(shortCfg(), pool)
		if err := s.Connect(t.Context(), host, port, ConnectOptions{}); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.GetReusedTimes(); n != want {
			t.Errorf("connect %d: reused %d, want %d", i, n, want)
		}
		s.Send([]byte("hi\n"))
		if line, err := s.ReceiveLine(); line != "hi" || err != nil {
			t.Fatalf("echo: %q %v", line, err)
		}
		if err := s.SetKeepalive(-1, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetReusedTimes(); !errors.Is(err, ErrClosed) {
			t.Errorf("after setkeepalive: got %v, want closed", err)
		}
	}
	if n := srv.accepted(); n != 1 {
		t.Errorf("server accepted %d connections, want 1", n)
	}
	s := NewTCP(shortCfg(), pool)
	if err := s.Connect(t.Context(), host, port, ConnectOptions{Pool: "other"}); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.GetReusedTimes(); n != 0 {
		t.Errorf("custom pool: reused %d, want 0", n)
	}
	s.Close()
}

func TestPoolRefusesBadConnections(t *testing.T) {
	tests := []struct {
		name    string
		handler func(net.Conn)
		prepare func(s *TCPSocket) error
		wantErr error
	}{
		{"unread data", holdAfter("abc"), func(s *TCPSocket) error {
			_, err := s.Receive(2)
			return err
		}, ErrUnreadData},
		{"server closes while idle", func(c net.Conn) {
			c.Write([]byte("x"))
			time.Sleep(20 * time.Millisecond)
		}, func(s *TCPSocket) error {
			_, err := s.Receive(1)
			return err
		}, nil},
		{"server sends while idle", func(c net.Conn) {
			c.Write([]byte("x"))
			time.Sleep(20 * time.Millisecond)
			c.Write([]byte("late"))
			var b [1]byte
			c.Read(b[:])
		}, func(s *TCPSocket) error {
			_, err := s.Receive(1)
			return err
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, "tcp", tt.handler)
			pool := NewPool()
			defer pool.Close()
			s := connect(t, srv, shortCfg(), pool)
			if err := tt.prepare(s); err != nil {
				t.Fatal(err)
			}
			err := s.SetKeepalive(-1, 0)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("setkeepalive: got %v, want %v", err, tt.wantErr)
				}
				if d, err := s.Receive(1); d != "c" || err != nil {
					t.Errorf("socket after refusal: got %q %v, want c", d, err)
				}
				return
			}
			time.Sleep(60 * time.Millisecond)
			s2 := connect(t, srv, shortCfg(), pool)
			if n, _ := s2.GetReusedTimes(); n != 0 {
				t.Errorf("got a pooled connection the server closed or wrote to (reused %d)", n)
			}
		})
	}
}

func TestPoolIdleTimeout(t *testing.T) {
	srv := newServer(t, "tcp", echo)
	pool := NewPool()
	defer pool.Close()
	s := connect(t, srv, shortCfg(), pool)
	if err := s.SetKeepalive(30*time.Millisecond, 5); err != nil {
		t.Fatal(err)
	}
	key := PoolKey(srv.target())
	if st, _ := pool.Stats(key); st.Idle != 1 || st.Size != 5 {
		t.Fatalf("stats %+v, want 1 idle of size 5", st)
	}
	waitIdle(t, pool, key, 0, 2*time.Second)
}

func TestPoolSizeEvictsLRU(t *testing.T) {
	srv := newServer(t, "tcp", echo)
	pool := NewPool()
	defer pool.Close()
	var socks []*TCPSocket
	for range 3 {
		socks = append(socks, connect(t, srv, shortCfg(), pool))
	}
	for _, s := range socks {
		if err := s.SetKeepalive(-1, 2); err != nil {
			t.Fatal(err)
		}
	}
	if st, _ := pool.Stats(PoolKey(srv.target())); st.Idle != 2 {
		t.Errorf("idle %d, want pool size 2", st.Idle)
	}
}

func TestPoolBacklog(t *testing.T) {
	srv := newServer(t, "tcp", echo)
	pool := NewPool()
	defer pool.Close()
	host, port := srv.target()
	opts := ConnectOptions{PoolSize: 1, Backlog: 1, BacklogSet: true}
	cfg := &Config{ConnectTimeout: 40 * time.Millisecond}
	a := NewTCP(cfg, pool)
	if err := a.Connect(t.Context(), host, port, opts); err != nil {
		t.Fatal(err)
	}
	// One waiter times out with "timeout".
	b := NewTCP(cfg, pool)
	if err := b.Connect(t.Context(), host, port, opts); ErrString(err) != "timeout" {
		t.Fatalf("queued connect: got %v, want timeout", err)
	}
	// A waiter is queued; a third connect is over the backlog.
	done := make(chan error)
	go func() {
		c := NewTCP(&Config{ConnectTimeout: 2 * time.Second}, pool)
		err := c.Connect(t.Context(), host, port, opts)
		if err == nil {
			n, _ := c.GetReusedTimes()
			if n != 1 {
				err = errors.New("queued connect did not reuse the released connection")
			}
			c.Close()
		}
		done <- err
	}()
	for {
		if st, _ := pool.Stats(PoolKey(host, port)); st.Waiting == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	d := NewTCP(cfg, pool)
	if err := d.Connect(t.Context(), host, port, opts); ErrString(err) != "too many waiting connect operations" {
		t.Fatalf("over backlog: got %v", err)
	}
	if err := a.SetKeepalive(-1, 0); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if st, _ := pool.Stats(PoolKey(host, port)); st.Total != 0 || st.Waiting != 0 {
		t.Errorf("after all closed: %+v", st)
	}
}

func TestPoolBacklogZeroFailsAtOnce(t *testing.T) {
	srv := newServer(t, "tcp", echo)
	pool := NewPool()
	defer pool.Close()
	host, port := srv.target()
	opts := ConnectOptions{PoolSize: 1, BacklogSet: true}
	a := NewTCP(shortCfg(), pool)
	if err := a.Connect(t.Context(), host, port, opts); err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b := NewTCP(shortCfg(), pool)
	if err := b.Connect(t.Context(), host, port, opts); !errors.Is(err, ErrTooManyWaiting) {
		t.Fatalf("got %v, want too many waiting connect operations", err)
	}
	a.Close()
	if err := b.Connect(t.Context(), host, port, opts); err != nil {
		t.Fatalf("after close: %v", err)
	}
	b.Close()
}
