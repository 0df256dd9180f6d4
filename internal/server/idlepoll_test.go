//go:build linux

package server

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// acceptN returns n connected pairs: the client side and the server side.
func acceptN(t *testing.T, n int) (clients, servers []net.Conn) {
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

// The poller hands out the connections in the order their bytes arrived
// (epoll's order), the order nginx serves them in, and gives each a token.
func TestIdlePollerKeepsArrivalOrder(t *testing.T) {
	p, _ := openIdlePoller()
	if p == nil {
		t.Fatal("no epoll set")
	}
	t.Cleanup(func() { close(p.done); p.Close() })
	const n = 20
	clients, servers := acceptN(t, n)
	pcs := make([]*pollConn, n)
	for i, s := range servers {
		pc, ok := p.wrap(s).(*pollConn)
		if !ok {
			t.Fatalf("connection %d not wrapped", i)
		}
		pcs[i] = pc
	}
	// arrive in a shuffled order
	order := []int{7, 3, 19, 0, 12, 5, 1, 18, 9, 14, 2, 11, 16, 4, 8, 13, 6, 17, 10, 15}
	for _, i := range order {
		io.WriteString(clients[i], "x")
	}
	time.Sleep(20 * time.Millisecond)
	if _, err := p.ready(); err != nil {
		t.Fatal(err)
	}
	if len(p.woken) != n {
		t.Fatalf("%d ready, want %d", len(p.woken), n)
	}
	for k, pc := range p.woken {
		if pc != pcs[order[k]] {
			t.Fatalf("ready #%d is not connection %d", k, order[k])
		}
	}
	// nothing new arrived: the edge-triggered set reports nothing
	if _, err := p.ready(); err != nil || len(p.woken) != 0 {
		t.Fatalf("second poll: %d ready, %v", len(p.woken), err)
	}
	// a closed connection leaves the set and gets a token
	pcs[0].Close()
	select {
	case <-pcs[0].wake:
	default:
		t.Error("Close gave no token")
	}
	io.WriteString(clients[1], "y")
	clients[0].Write([]byte("z"))
	time.Sleep(20 * time.Millisecond)
	if _, err := p.ready(); err != nil || len(p.woken) != 1 || p.woken[0] != pcs[1] {
		t.Fatalf("after close: %d ready, %v", len(p.woken), err)
	}
}

// A request head that fills the read buffer to the byte leaves the next
// request in the socket with no new edge to announce it: the connection
// reads again before it waits.
func TestH1NextRequestBehindAFullBuffer(t *testing.T) {
	_, addr := startH1(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok:"+r.URL.Path)
	}, timeouts{keep: time.Minute, header: time.Minute, body: time.Second, send: time.Second})
	c, br := dial(t, addr)
	head := "GET /one HTTP/1.1\r\nHost: x\r\nX-Pad: "
	tail := "\r\n\r\n"
	first := head + strings.Repeat("a", 4096-len(head)-len(tail)) + tail
	if len(first) != 4096 {
		t.Fatalf("head of %d bytes", len(first))
	}
	io.WriteString(c, first+"GET /two HTTP/1.1\r\nHost: x\r\n\r\n")
	// a wait for an edge that never comes ends at the client's 5 s deadline
	for _, want := range []string{"ok:/one", "ok:/two"} {
		if _, body := readResp(t, br, "GET"); body != want {
			t.Fatalf("got %q, want %q", body, want)
		}
	}
}
