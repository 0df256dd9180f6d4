//go:build linux

package edgepoll

import (
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// pairs returns n connected pairs: the client side and the server side.
func pairs(t *testing.T, n int) (clients, servers []net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for range n {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		s, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close(); s.Close() })
		clients, servers = append(clients, c), append(servers, s)
	}
	return clients, servers
}

func add(t *testing.T, s *Set, c net.Conn) *Waiter {
	t.Helper()
	rc, err := c.(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	w, err := s.Add(rc)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// The set hands out the sockets in the order their bytes arrived (epoll's
// order), the order nginx serves them in.
func TestSetKeepsArrivalOrder(t *testing.T) {
	s, _, err := open() // no goroutine: the test polls
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { close(s.done); s.Close() })
	const n = 20
	clients, servers := pairs(t, n)
	ws := make([]*Waiter, n)
	for i, c := range servers {
		ws[i] = add(t, s, c)
	}
	order := []int{7, 3, 19, 0, 12, 5, 1, 18, 9, 14, 2, 11, 16, 4, 8, 13, 6, 17, 10, 15}
	for _, i := range order {
		io.WriteString(clients[i], "x")
	}
	time.Sleep(20 * time.Millisecond)
	if _, err := s.ready(); err != nil {
		t.Fatal(err)
	}
	if len(s.woken) != n {
		t.Fatalf("%d ready, want %d", len(s.woken), n)
	}
	for k, w := range s.woken {
		if w != ws[order[k]] {
			t.Fatalf("ready #%d is not socket %d", k, order[k])
		}
	}
	// nothing new arrived: the edge-triggered set reports nothing
	if _, err := s.ready(); err != nil || len(s.woken) != 0 {
		t.Fatalf("second poll: %d ready, %v", len(s.woken), err)
	}
	// a closed socket is not reported and its wait is woken
	ws[0].Close(servers[0].Close)
	if !ws[0].Pending() {
		t.Error("Close gave no token")
	}
	io.WriteString(clients[0], "y")
	io.WriteString(clients[1], "z")
	time.Sleep(20 * time.Millisecond)
	if _, err := s.ready(); err != nil || len(s.woken) != 1 || s.woken[0] != ws[1] {
		t.Fatalf("after Remove: %d ready, %v", len(s.woken), err)
	}
}

// A waiter reads what arrived, waits for the next edge after draining the
// socket, sees the peer's close as io.EOF, and times out when armed.
func TestWaiterReadWaitTimeout(t *testing.T) {
	s, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	clients, servers := pairs(t, 1)
	w := add(t, s, servers[0])
	buf := make([]byte, 64)
	if _, err := w.Read(buf); !errors.Is(err, ErrWouldBlock) {
		t.Fatalf("empty socket: %v, want ErrWouldBlock", err)
	}
	if w.MayHaveBytes() {
		t.Error("MayHaveBytes after an empty read")
	}
	go func() {
		time.Sleep(20 * time.Millisecond)
		io.WriteString(clients[0], "hello")
	}()
	w.Arm(5 * time.Second)
	var got []byte
	for len(got) < 5 {
		if err := w.Wait(); err != nil {
			t.Fatal(err)
		}
		n, err := w.Read(buf)
		if err != nil && !errors.Is(err, ErrWouldBlock) {
			t.Fatal(err)
		}
		got = append(got, buf[:n]...)
	}
	if string(got) != "hello" {
		t.Fatalf("read %q", got)
	}
	// a full buffer may leave bytes behind
	io.WriteString(clients[0], "abcdef")
	for w.Wait(); ; w.Wait() {
		if n, err := w.Read(buf[:3]); err == nil {
			if n != 3 || !w.MayHaveBytes() {
				t.Fatalf("read %d, MayHaveBytes %v", n, w.MayHaveBytes())
			}
			break
		}
	}
	if n, err := w.Read(buf); err != nil || string(buf[:n]) != "def" {
		t.Fatalf("rest: %q, %v", buf[:n], err)
	}
	// the armed wait times out
	w.Arm(30 * time.Millisecond)
	for {
		err := w.Wait()
		if errors.Is(err, os.ErrDeadlineExceeded) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Read(buf); !errors.Is(err, ErrWouldBlock) {
			t.Fatalf("read while idle: %v", err)
		}
	}
	// the peer's close wakes the wait and reads as EOF
	w.Arm(5 * time.Second)
	clients[0].Close()
	for {
		if err := w.Wait(); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Read(buf); err == io.EOF {
			break
		} else if !errors.Is(err, ErrWouldBlock) {
			t.Fatalf("after close: %v", err)
		}
	}
}

// A peer that writes and closes at once raises one edge for both: the
// read that takes the bytes leaves the end behind with no edge to come,
// so the waiter reads on without waiting (on one CPU the close always
// lands before the waiter runs).
func TestWaiterSeesTheEndBehindBytes(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Read(make([]byte, 16))
			io.WriteString(c, "answer")
			c.Close()
		}
	}()
	s, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 20 {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		w := add(t, s, c)
		io.WriteString(c, "ask")
		w.Arm(time.Hour)
		done := make(chan string, 1)
		go func() {
			var got []byte
			buf := make([]byte, 64)
			for wait := false; ; {
				if wait {
					w.Wait()
				}
				n, err := w.Read(buf)
				if errors.Is(err, ErrWouldBlock) {
					wait = true
					continue
				}
				got = append(got, buf[:n]...)
				if err != nil {
					done <- string(got) + "|" + err.Error()
					return
				}
				wait = !w.MayHaveBytes()
			}
		}()
		select {
		case got := <-done:
			if got != "answer|EOF" {
				t.Fatalf("round %d: read %q", i, got)
			}
		case <-time.After(5 * time.Second):
			w.Close(c.Close)
			t.Fatalf("round %d: the end was never read", i)
		}
		w.Close(c.Close)
	}
}

// Close wakes a waiting reader only once the socket is closed: woken
// before, the reader could read once more, find nothing and wait for good.
func TestCloseWakesTheWaiterAfterTheClose(t *testing.T) {
	s, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, servers := pairs(t, 1)
	w := add(t, s, servers[0])
	w.Arm(time.Hour)
	done := make(chan error, 1)
	go func() {
		buf := make([]byte, 16)
		for {
			_, err := w.Read(buf)
			if !errors.Is(err, ErrWouldBlock) {
				done <- err
				return
			}
			w.Wait()
		}
	}()
	time.Sleep(20 * time.Millisecond) // the reader waits
	w.Close(func() error {
		time.Sleep(20 * time.Millisecond) // a slow close: no wake may come before it
		return servers[0].Close()
	})
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("read on a closed socket succeeded")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the waiter was not woken by Close")
	}
}

// Write sends everything, waiting in Go's poller while the peer's window
// is full, and stops at the write deadline when the peer reads nothing.
func TestWaiterWrite(t *testing.T) {
	s, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	clients, servers := pairs(t, 2)
	w := add(t, s, servers[0])
	big := make([]byte, 8<<20) // far beyond the socket buffers
	for i := range big {
		big[i] = byte(i % 251)
	}
	got := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(io.LimitReader(clients[0], int64(len(big))))
		got <- b
	}()
	if n, err := w.Write(big); n != len(big) || err != nil {
		t.Fatalf("Write: %d, %v", n, err)
	}
	if b := <-got; string(b) != string(big) {
		t.Fatalf("the peer read %d bytes, not what was written", len(b))
	}

	stuck := add(t, s, servers[1])
	servers[1].SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
	start := time.Now()
	n, err := stuck.Write(big)
	if !errors.Is(err, os.ErrDeadlineExceeded) || n == 0 || n == len(big) || time.Since(start) > 5*time.Second {
		t.Fatalf("Write to a peer that reads nothing: %d bytes, %v after %v", n, err, time.Since(start))
	}
	servers[1].Close()
	if _, err := stuck.Write([]byte("x")); err == nil {
		t.Fatal("Write on a closed connection succeeded")
	}
}
