package server

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

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

// A client that sends its request and shuts down its writing side gets its
// answer and the connection's end at once, not at keepalive_timeout: the
// end came with the request's edge.
func TestH1ClientHalfCloseAfterRequest(t *testing.T) {
	_, addr := startH1(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}, timeouts{keep: time.Minute, header: time.Minute, body: time.Second, send: time.Second})
	c, _ := dial(t, addr) // reads fail at the client's 5 s deadline
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	c.(*net.TCPConn).CloseWrite()
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("the connection did not end: %v (read %q)", err, b)
	}
	if !strings.HasSuffix(string(b), "\r\n\r\n2\r\nok\r\n0\r\n\r\n") {
		t.Fatalf("response %q", b)
	}
}
