package cosocket

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

// TestTrySend: what the socket takes at once goes out without waiting; a
// full send buffer stops it short, and Send finishes the job.
func TestTrySend(t *testing.T) {
	srv := newServer(t, "tcp", echo)
	s := connect(t, srv, shortCfg(), nil)
	n, done, err := s.TrySend([]byte("ping\n"))
	if n != 5 || !done || err != nil {
		t.Fatalf("TrySend: %d %v %v, want 5 true nil", n, done, err)
	}
	if line, err := s.ReceiveLine(); line != "ping" || err != nil {
		t.Fatalf("echo: %q %v", line, err)
	}

	// a peer that does not read: the kernel buffers fill up
	stall := make(chan struct{})
	slow := newServer(t, "tcp", func(c net.Conn) { <-stall })
	defer close(stall)
	s2 := connect(t, slow, shortCfg(), nil)
	if err := s2.SetOption("sndbuf", 4096); err != nil {
		t.Fatal(err)
	}
	big := []byte(strings.Repeat("x", 8<<20))
	n, done, err = s2.TrySend(big)
	if done || err != nil || n >= len(big) {
		t.Fatalf("TrySend to a stalled peer: %d %v %v, want a short write, not done", n, done, err)
	}
	s2.SetTimeout(50 * time.Millisecond)
	if _, err := s2.Send(big[n:]); !errors.Is(err, ErrTimeout) {
		t.Errorf("Send of the rest: %v, want a timeout", err)
	}
}

func TestTrySendClosed(t *testing.T) {
	srv := newServer(t, "tcp", echo)
	s := connect(t, srv, shortCfg(), nil)
	s.Close()
	if _, done, err := s.TrySend([]byte("x")); !done || !errors.Is(err, ErrClosed) {
		t.Errorf("TrySend on a closed socket: %v %v, want done with ErrClosed", done, err)
	}
}

// TestConnectPooled: a pool hit is taken at once and counted as a reuse;
// no pool or no idle connection leaves the work to Connect.
func TestConnectPooled(t *testing.T) {
	srv := newServer(t, "tcp", echo)
	pool := NewPool()
	defer pool.Close()
	host, port := srv.target()
	s := NewTCP(shortCfg(), pool)
	if ok, err := s.ConnectPooled(host, port, ConnectOptions{}); ok || err != nil {
		t.Fatalf("no pool yet: %v %v, want false", ok, err)
	}
	if err := s.Connect(context.Background(), host, port, ConnectOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetKeepalive(-1, 0); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		ok, err := s.ConnectPooled(host, port, ConnectOptions{})
		if !ok || err != nil {
			t.Fatalf("round %d: pooled connect %v %v, want a hit", i, ok, err)
		}
		if n, _ := s.GetReusedTimes(); n != i {
			t.Errorf("round %d: reused %d times", i, n)
		}
		if _, _, err := s.TrySend([]byte("hi\n")); err != nil {
			t.Fatal(err)
		}
		if line, err := s.ReceiveLine(); line != "hi" || err != nil {
			t.Fatalf("round %d: %q %v", i, line, err)
		}
		if err := s.SetKeepalive(-1, 0); err != nil {
			t.Fatal(err)
		}
	}
	if srv.accepted() != 1 {
		t.Errorf("server accepted %d connections, want 1", srv.accepted())
	}
	// a named pool is another pool
	if ok, _ := s.ConnectPooled(host, port, ConnectOptions{Pool: "other"}); ok {
		t.Error("hit in a pool that has no connection")
	}
}

// TestConnectPooledSkipsDead: an idle connection the peer closed is not
// handed out.
func TestConnectPooledSkipsDead(t *testing.T) {
	srv := newServer(t, "tcp", func(c net.Conn) {})
	pool := NewPool()
	defer pool.Close()
	host, port := srv.target()
	s := connect(t, srv, shortCfg(), pool)
	if err := s.SetKeepalive(-1, 0); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // the server has closed it by now
	if ok, err := s.ConnectPooled(host, port, ConnectOptions{}); ok || err != nil {
		t.Fatalf("got a dead connection: %v %v", ok, err)
	}
	if st, _ := pool.Stats(PoolKey(host, port)); st.Idle != 0 || st.Total != 0 {
		t.Errorf("pool after the dead connection: %+v", st)
	}
}

// TestPoolMixedIdleTimeouts: a connection put back with a shorter timeout
// than the ones already idle still expires on time, and the others later.
func TestPoolMixedIdleTimeouts(t *testing.T) {
	srv := newServer(t, "tcp", echo)
	pool := NewPool()
	defer pool.Close()
	a := connect(t, srv, shortCfg(), pool)
	b := connect(t, srv, shortCfg(), pool)
	if err := a.SetKeepalive(400*time.Millisecond, 5); err != nil {
		t.Fatal(err)
	}
	if err := b.SetKeepalive(30*time.Millisecond, 5); err != nil {
		t.Fatal(err)
	}
	key := PoolKey(srv.target())
	waitIdle(t, pool, key, 1, 300*time.Millisecond)
	waitIdle(t, pool, key, 0, 2*time.Second)
}

// waitIdle waits until the pool named key has want connections, all idle.
func waitIdle(t *testing.T, pool *Pool, key string, want int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		st, _ := pool.Stats(key)
		if st.Idle == want && st.Total == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("want %d idle within %v: %+v", want, within, st)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
