package server

import (
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// A connection that ends before or inside a request head gets the info
// line nginx writes for it (the texts were read off nginx 1.22's error
// log for the same byte sequences); the end of keepalive_timeout is quiet.
func TestConnectionEndLogLines(t *testing.T) {
	_, addr, logPath := startFrontEnd(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}, timeouts{keep: 300 * time.Millisecond, header: 300 * time.Millisecond, body: time.Second, send: time.Second})
	const req = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	session := func(parts []string, wait time.Duration) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		for _, p := range parts {
			if p == "" {
				buf := make([]byte, 4096)
				c.SetReadDeadline(time.Now().Add(2 * time.Second))
				c.Read(buf) // a response
				continue
			}
			io.WriteString(c, p)
			time.Sleep(30 * time.Millisecond)
		}
		time.Sleep(wait)
	}
	session([]string{req, ""}, 0)                                            // closed keepalive
	session(nil, 0)                                                          // closed while waiting
	session([]string{"GET / HT"}, 0)                                         // closed in the request line
	session([]string{"GET /h HTTP/1.1\r\nHost: hh\r\nX-A: 1"}, 0)            // closed in the headers
	session(nil, 500*time.Millisecond)                                       // client_header_timeout, nothing sent
	session([]string{"GET /t HTTP/1.1\r\nX-A: 1\r\n"}, 500*time.Millisecond) // timeout in the headers
	session([]string{req + "GET / HT", ""}, 500*time.Millisecond)            // pipelined part, then timeout
	session([]string{req, ""}, 500*time.Millisecond)                         // keepalive_timeout: no line
	time.Sleep(100 * time.Millisecond)
	b, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	log := string(b)
	want := []string{
		`client 127.0.0.1 closed keepalive connection` + "\n",
		`client closed connection while waiting for request, client: 127.0.0.1, server: test` + "\n",
		`client prematurely closed connection while reading client request line, client: 127.0.0.1, server: , request: "GET / HT"` + "\n",
		`client prematurely closed connection while reading client request headers, client: 127.0.0.1, server: , request: "GET /h HTTP/1.1", host: "hh"` + "\n",
		`client timed out (110: Connection timed out) while waiting for request, client: 127.0.0.1, server: test` + "\n",
		`client timed out (110: Connection timed out) while reading client request headers, client: 127.0.0.1, server: , request: "GET /t HTTP/1.1"` + "\n",
		`client timed out (110: Connection timed out) while reading client pipelined request line, client: 127.0.0.1, server: , request: "GET / HT"` + "\n",
	}
	for _, w := range want {
		if !strings.Contains(log, w) {
			t.Errorf("error log lacks %q", w)
		}
	}
	if n := strings.Count(log, "\n"); n != len(want) {
		t.Errorf("%d lines, want %d (the end of keepalive_timeout is not logged)", n, len(want))
	}
	if t.Failed() {
		t.Logf("error log:\n%s", log)
	}
}
