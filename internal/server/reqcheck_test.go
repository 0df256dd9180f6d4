package server

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// startChecked serves a tiny handler behind the head checker and returns
// its address and the error log's path.
func startChecked(t *testing.T) (string, string) {
	t.Helper()
	_, addr, logPath := startFrontEnd(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("X-Path", r.URL.Path)
		if len(r.Header["X@y"]) > 0 || len(r.Header["Nocolon"]) > 0 {
			w.Header().Set("X-Seen-Invalid", "yes")
		}
		io.WriteString(w, "ok:"+r.URL.Path)
	})
	return addr, logPath
}

// exchange sends the parts (pausing between them) and returns all the bytes
// the server sent until it closed.
func exchange(t *testing.T, addr string, parts ...string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i, p := range parts {
		if i > 0 {
			time.Sleep(20 * time.Millisecond)
		}
		if _, err := io.WriteString(c, p); err != nil {
			t.Fatal(err)
		}
	}
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	out, _ := io.ReadAll(bufio.NewReader(c))
	return string(out)
}

var statusLineRE = regexp.MustCompile(`HTTP/1\.[01] \d{3} [^\r]*`)

func statusLines(resp string) []string { return statusLineRE.FindAllString(resp, -1) }

func TestRequestChecker(t *testing.T) {
	addr, logPath := startChecked(t)
	long := strings.Repeat("a", 8200)
	tests := []struct {
		name     string
		parts    []string
		statuses []string // status lines, in order
		contains string   // in the response bytes
		absent   string   // not in the response bytes
		log      string   // in the error log
	}{
		{name: "garbage", parts: []string{"GARBAGE\r\n\r\n"}, statuses: []string{"HTTP/1.1 400 Bad Request"},
			contains: "Connection: close\r\n\r\n<html>\r\n<head><title>400 Bad Request</title>",
			log:      `*1 client sent invalid method while reading client request line, client: 127.0.0.1, server: , request: "GARBAGE"`},
		{name: "lower-case method", parts: []string{"get / HTTP/1.1\r\nHost: a\r\n\r\n"}, statuses: []string{"HTTP/1.1 400 Bad Request"},
			log: `client sent invalid method while reading client request line, client: 127.0.0.1, server: , request: "get / HTTP/1.1"`},
		{name: "no host", parts: []string{"GET / HTTP/1.1\r\n\r\n"}, statuses: []string{"HTTP/1.1 400 Bad Request"},
			log: `client sent HTTP/1.1 request without "Host" header while reading client request headers`},
		{name: "http 1.0 without host is fine (answered in HTTP/1.1, as nginx)", parts: []string{"GET /x HTTP/1.0\r\n\r\n"}, statuses: []string{"HTTP/1.1 200 OK"}},
		{name: "duplicate host split over reads", parts: []string{"GET / HTTP/1.1\r\nHo", "st: a\r\nHost: b", "\r\n\r\n"},
			statuses: []string{"HTTP/1.1 400 Bad Request"},
			log:      `client sent duplicate host header: "Host: b", previous value: "Host: a" while reading client request headers, client: 127.0.0.1, server: , request: "GET / HTTP/1.1", host: "a"`},
		{name: "space in header name", parts: []string{"GET / HTTP/1.1\r\nHost: a\r\nBad Header Line\r\n\r\n"},
			statuses: []string{"HTTP/1.1 400 Bad Request"}, log: `client sent invalid header line: "Bad\x20..."`},
		{name: "tab in header name", parts: []string{"GET / HTTP/1.1\r\nHost: a\r\nX\tY: 1\r\n\r\n"},
			statuses: []string{"HTTP/1.1 400 Bad Request"}, log: `client sent invalid header line: "X\x09..."`},
		{name: "invalid content-length", parts: []string{"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: x1\r\n\r\n"},
			statuses: []string{"HTTP/1.1 400 Bad Request"}, log: `client sent invalid "Content-Length" header while reading client request headers`},
		{name: "NUL in header value", parts: []string{"GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n"},
			statuses: []string{"HTTP/1.1 400 Bad Request"}, log: `client sent invalid header line: "X: a\x00..."`},
		{name: "version 2.0", parts: []string{"GET / HTTP/2.0\r\nHost: a\r\n\r\n"},
			statuses: []string{"HTTP/1.1 505 HTTP Version Not Supported"}, log: `client sent invalid version while reading client request line`},
		{name: "version 1.2 is fine", parts: []string{"GET / HTTP/1.2\r\nHost: a\r\nConnection: close\r\n\r\n"}, statuses: []string{"HTTP/1.1 200 OK"}},
		{name: "above the root", parts: []string{"GET /a/%2e%2e/../x HTTP/1.1\r\nHost: a\r\n\r\n"},
			statuses: []string{"HTTP/1.1 400 Bad Request"}, log: `client sent invalid request while reading client request line`},
		{name: "dots in the query are fine", parts: []string{"GET /r?/../../x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"},
			statuses: []string{"HTTP/1.1 200 OK"}},
		{name: "invalid host", parts: []string{"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n"},
			statuses: []string{"HTTP/1.1 400 Bad Request"}, log: `client sent invalid host header while reading client request headers, client: 127.0.0.1, server: , request: "GET / HTTP/1.1", host: "a/b"`},
		{name: "http 0.9", parts: []string{"GET /nine\r\n"}, contains: "ok:/nine", absent: "HTTP/1."},
		{name: "http 0.9 POST", parts: []string{"POST /nine\r\n"}, contains: "<html>\r\n<head><title>400 Bad Request", absent: "HTTP/1.",
			log: `client sent invalid method in HTTP/0.9 request while reading client request line`},
		{name: "pipelined garbage after a good request",
			parts:    []string{"GET /one HTTP/1.1\r\nHost: a\r\n\r\nGARBAGE\r\n\r\n"},
			statuses: []string{"HTTP/1.1 200 OK", "HTTP/1.1 400 Bad Request"},
			log:      `client sent invalid method while reading client pipelined request line`},
		{name: "keep-alive then garbage",
			parts:    []string{"GET /one HTTP/1.1\r\nHost: a\r\n\r\n", "GET /two HTTP/1.1\r\nHost: a\r\n\r\n", "BAD!\r\n\r\n"},
			statuses: []string{"HTTP/1.1 200 OK", "HTTP/1.1 200 OK", "HTTP/1.1 400 Bad Request"}},
		{name: "content-length body is skipped",
			parts:    []string{"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\n\r\nGARBAGE\r\n", "GET /two HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"},
			statuses: []string{"HTTP/1.1 200 OK", "HTTP/1.1 200 OK"}},
		{name: "chunked body: the checker steps aside",
			parts:    []string{"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "GET /../x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"},
			statuses: []string{"HTTP/1.1 200 OK", "HTTP/1.1 200 OK"}},
		{name: "invalid header names are dropped",
			parts:    []string{"GET / HTTP/1.1\r\nHost: a\r\nX@Y: 1\r\nNoColon\r\nConnection: close\r\n\r\n"},
			statuses: []string{"HTTP/1.1 200 OK"}, absent: "X-Seen-Invalid", log: `client sent invalid header line: "X@Y: 1" while reading client request headers`},
		{name: "duplicate content-length", parts: []string{"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx"},
			statuses: []string{"HTTP/1.1 400 Bad Request"},
			log:      `client sent duplicate header line: "Content-Length: 1", previous value: "Content-Length: 1"`},
		{name: "too long URI", parts: []string{"GET /" + long + " HTTP/1.1\r\nHost: a\r\n\r\n"},
			statuses: []string{"HTTP/1.1 414 Request-URI Too Large"}, log: `client sent too long URI while reading client request line`},
		{name: "too long header", parts: []string{"GET / HTTP/1.1\r\nHost: a\r\nX: " + long + "\r\n\r\n"},
			statuses: []string{"HTTP/1.1 400 Bad Request"},
			contains: "<title>400 Request Header Or Cookie Too Large</title></head>\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n<center>Request Header Or Cookie Too Large</center>",
			log:      `client sent too long header line: "X: aaaa`},
		{name: "longest request line that fits", parts: []string{"GET /" + long[:8190-len("GET / HTTP/1.1")] + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"},
			statuses: []string{"HTTP/1.1 200 OK"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := exchange(t, addr, tt.parts...)
			if sl := statusLines(got); strings.Join(sl, "|") != strings.Join(tt.statuses, "|") {
				t.Errorf("status lines: got %q, want %q (response %.300q)", sl, tt.statuses, got)
			}
			if !strings.Contains(got, tt.contains) {
				t.Errorf("response %.400q does not contain %q", got, tt.contains)
			}
			if tt.absent != "" && strings.Contains(got, tt.absent) {
				t.Errorf("response %.400q contains %q", got, tt.absent)
			}
			if tt.log != "" {
				deadline := time.Now().Add(2 * time.Second)
				for {
					b, _ := os.ReadFile(logPath)
					if strings.Contains(string(b), tt.log) {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("error log lacks %q:\n%s", tt.log, b)
					}
					time.Sleep(10 * time.Millisecond)
				}
			}
		})
	}
}

func TestValidTarget(t *testing.T) {
	tests := []struct {
		uri  string
		want bool
	}{
		{"/", true}, {"/a/b", true}, {"/a/../b", true}, {"/..", false}, {"/../x", false},
		{"/a/../../x", false}, {"/%2e%2e/x", false}, {"/a/%2E%2e%2f..%2fx", false}, {"/./././x", true},
		{"/.../x", true}, {"/a/..?/../..", true}, {"http://h/../x", false}, {"http://h", true},
		{"http://h/a", true}, {"x", false}, {"", false}, {"1://h/", false},
	}
	for _, tt := range tests {
		t.Run(tt.uri, func(t *testing.T) {
			if got := validTarget([]byte(tt.uri)); got != tt.want {
				t.Errorf("validTarget(%q) = %v, want %v", tt.uri, got, tt.want)
			}
		})
	}
}

// headConn is a net.Conn whose every Read returns one request head.
type headConn struct {
	net.Conn
	head []byte
}

func (h *headConn) Read(p []byte) (int, error) { return copy(p, h.head), nil }

// BenchmarkRequestChecker measures the checker on a browser-like GET read
// in one piece (what a keep-alive request costs on top of net/http).
func BenchmarkRequestChecker(b *testing.B) {
	head := []byte("GET /static/app.js?v=3 HTTP/1.1\r\nHost: example.com\r\n" +
		"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\r\n" +
		"Accept: */*\r\nAccept-Encoding: gzip, deflate, br\r\nAccept-Language: en-US,en;q=0.9\r\n" +
		"Referer: https://example.com/index.html\r\nCookie: session=0123456789abcdef; theme=dark\r\n\r\n")
	c := &checkConn{Conn: &headConn{head: head}, s: New(Options{}), largeBuf: defaultLargeHeaderBuf}
	buf := make([]byte, 4096)
	b.SetBytes(int64(len(head)))
	b.ReportAllocs()
	for b.Loop() {
		if n, err := c.Read(buf); n != len(head) || err != nil {
			b.Fatalf("Read = %d, %v", n, err)
		}
		c.inflight.Store(0)
	}
}

// BenchmarkNetHTTPReadRequest is the yardstick: net/http parsing the head
// that BenchmarkRequestChecker checks.
// browserHead is a request head as a browser sends it (the request
// parser benchmarks).
const browserHead = "GET /static/app.js?v=3 HTTP/1.1\r\nHost: example.com\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\r\n" +
	"Accept: */*\r\nAccept-Encoding: gzip, deflate, br\r\nAccept-Language: en-US,en;q=0.9\r\n" +
	"Referer: https://example.com/index.html\r\nCookie: session=0123456789abcdef; theme=dark\r\n\r\n"

func BenchmarkNetHTTPReadRequest(b *testing.B) {
	benchHead(b, func(br *bufio.Reader) error { _, err := http.ReadRequest(br); return err })
}
