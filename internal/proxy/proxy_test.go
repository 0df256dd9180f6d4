package proxy_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/internal/nginxconf"
	"github.com/goresty/goresty/internal/testserver"
)

// echo is an upstream that tells what it received.
func echo(t testing.TB, name string) (*httptest.Server, *atomic.Int32) {
	var conns atomic.Int32
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Up", name)
		fmt.Fprintf(w, "%s %s %s host=%s conn=%s a=%s body=%s", name, r.Method, r.RequestURI, r.Host,
			r.Header.Get("Connection"), r.Header.Get("X-A"), b)
	}))
	s.Config.ConnState = func(c net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s, &conns
}

func hostOf(s *httptest.Server) string { return strings.TrimPrefix(s.URL, "http://") }

func TestProxyRequests(t *testing.T) {
	up, _ := echo(t, "up")
	h := hostOf(up)
	srv := testserver.Boot(t, `
        location /a/ { proxy_pass http://`+h+`/x/; }
        location /b/ { proxy_set_header X-A set; proxy_pass http://`+h+`; }
        location = /e { proxy_pass http://`+h+`/exact; }
        location /u/ { proxy_pass http://backend/; }
    `, testserver.Options{HTTP: "upstream backend { server " + h + "; }"})
	tests := []struct {
		name, method, path, body string
		want                     string
	}{
		{"prefix replaced", "GET", "/a/b%20c?q=1", "", "up GET /x/b%20c?q=1 host=" + h + " conn=close a= body="},
		{"unparsed uri", "GET", "/b/p%41th?x", "", "up GET /b/p%41th?x host=" + h + " conn=close a=set body="},
		{"exact location", "GET", "/e?z", "", "up GET /exact?z host=" + h + " conn=close a= body="},
		{"post body", "POST", "/b/post", "hello", "up POST /b/post host=" + h + " conn=close a=set body=hello"},
		{"upstream name as host", "GET", "/u/v", "", "up GET /v host=backend conn=close a= body="},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body, hdr := srv.Do(tc.method, tc.path, tc.body, nil)
			if code != 200 || body != tc.want {
				t.Fatalf("got %d %q, want 200 %q", code, body, tc.want)
			}
			if hdr.Get("X-Up") != "up" || hdr.Get("Content-Length") != fmt.Sprint(len(tc.want)) {
				t.Errorf("headers: got X-Up=%q Content-Length=%q", hdr.Get("X-Up"), hdr.Get("Content-Length"))
			}
		})
	}
	srv.NoErrors()
}

func TestKeepalive(t *testing.T) {
	tests := []struct {
		name      string
		upstream  string
		loc       string
		wantConns func(n int32) bool
	}{
		{"keepalive reuses connections", "keepalive 4;", "proxy_http_version 1.1; proxy_set_header Connection \"\";",
			func(n int32) bool { return n == 1 }},
		{"no keepalive: one connection per request", "", "", func(n int32) bool { return n == 10 }},
		{"http 1.0 does not reuse", "keepalive 4;", "", func(n int32) bool { return n == 10 }},
		{"keepalive_requests retires connections", "keepalive 4; keepalive_requests 3;",
			"proxy_http_version 1.1; proxy_set_header Connection \"\";", func(n int32) bool { return n == 4 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			up, conns := echo(t, "up")
			srv := testserver.Boot(t, "location / { "+tc.loc+" proxy_pass http://ka; }",
				testserver.Options{HTTP: "upstream ka { server " + hostOf(up) + "; " + tc.upstream + " }"})
			for i := 0; i < 10; i++ {
				if code, body, _ := srv.Get("/k"); code != 200 || !strings.HasPrefix(body, "up GET /k") {
					t.Fatalf("request %d: got %d %q", i, code, body)
				}
			}
			if n := conns.Load(); !tc.wantConns(n) {
				t.Errorf("upstream saw %d connections", n)
			}
		})
	}
}

func TestRoundRobin(t *testing.T) {
	a, _ := echo(t, "a")
	b, _ := echo(t, "b")
	srv := testserver.Boot(t, `location / { proxy_pass http://rr; add_header X-Addr $upstream_addr; }`,
		testserver.Options{HTTP: "upstream rr { server " + hostOf(a) + " weight=2; server " + hostOf(b) + "; }"})
	var got []string
	for i := 0; i < 6; i++ {
		_, body, hdr := srv.Get("/")
		got = append(got, body[:1])
		if want := map[string]string{"a": hostOf(a), "b": hostOf(b)}[body[:1]]; hdr.Get("X-Addr") != want {
			t.Errorf("X-Addr %q for %s", hdr.Get("X-Addr"), body[:1])
		}
	}
	if s := strings.Join(got, ""); s != "abaaba" {
		t.Errorf("got order %s, want abaaba (smooth weighted round robin)", s)
	}
}

func TestNextUpstreamAndFailures(t *testing.T) {
	up, _ := echo(t, "live")
	srv := testserver.Boot(t, `location / { proxy_pass http://mixed; add_header X-St $upstream_status; }`,
		testserver.Options{HTTP: "upstream mixed { server 127.0.0.1:1 max_fails=1 fail_timeout=30s; server " + hostOf(up) + "; }"})
	code, _, hdr := srv.Get("/")
	if code != 200 || hdr.Get("X-St") != "502, 200" {
		t.Fatalf("first: got %d X-St=%q, want 200 \"502, 200\"", code, hdr.Get("X-St"))
	}
	for i := 0; i < 3; i++ {
		if code, _, hdr := srv.Get("/"); code != 200 || hdr.Get("X-St") != "200" {
			t.Fatalf("dead server not skipped: got %d X-St=%q", code, hdr.Get("X-St"))
		}
	}
	log := srv.ErrorLog()
	if !strings.Contains(log, "upstream server temporarily disabled while connecting to upstream") {
		t.Errorf("error log lacks the disable warning:\n%s", log)
	}
}

func TestUpstreamErrors(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(slow.Close)
	srv := testserver.Boot(t, `
        location /dead { proxy_pass http://127.0.0.1:1; }
        location /slow { proxy_read_timeout 150ms; proxy_pass http://`+hostOf(slow)+`; }
    `)
	tests := []struct {
		path string
		code int
		log  string
	}{
		{"/dead", 502, `connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1, server: localhost, request: "GET /dead HTTP/1.1", upstream: "http://127.0.0.1:1/dead"`},
		{"/slow", 504, `upstream timed out (110: Connection timed out) while reading response header from upstream, client: 127.0.0.1, server: localhost, request: "GET /slow HTTP/1.1", upstream: "http://` + hostOf(slow) + `/slow"`},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			start := time.Now()
			code, body, _ := srv.Get(tc.path)
			if code != tc.code || !strings.Contains(body, fmt.Sprint(tc.code)) {
				t.Fatalf("got %d %q, want %d", code, body, tc.code)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("took %v", d)
			}
			if log := srv.ErrorLog(); !strings.Contains(log, tc.log) {
				t.Errorf("error log lacks %q:\n%s", tc.log, log)
			}
		})
	}
}

func build(t *testing.T, conf string) error {
	t.Helper()
	dir := t.TempDir() + "/"
	src := "events {}\nhttp {\n" + conf + "\n}\n"
	ds, err := nginxconf.ParseBytes(dir+"nginx.conf", []byte(src), dir)
	if err != nil {
		t.Fatal(err)
	}
	p, err := config.Build(ds, config.Options{Prefix: dir, ConfFile: dir + "nginx.conf"})
	if err == nil {
		_ = p
	}
	return err
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name, conf, wantErr string
	}{
		{"ok", `upstream u { server 127.0.0.1:80 weight=2 max_fails=3 fail_timeout=5s backup; server 127.0.0.1:81 down; keepalive 8; }
            server { location / { proxy_pass http://u; proxy_buffering off; proxy_buffers 8 4k; } }`, ""},
		{"upstream after use", `server { location / { proxy_pass http://later/x; } } upstream later { server 127.0.0.1:80; }`, ""},
		{"uri in regex location", `server { location ~ x { proxy_pass http://127.0.0.1/y; } }`, `"proxy_pass" cannot have URI part`},
		{"uri in if", `server { location / { if ($args) { proxy_pass http://127.0.0.1/y; } } }`, `"proxy_pass" cannot have URI part`},
		{"variables in if", `server { location / { if ($args) { proxy_pass http://$host; } } }`, ""},
		{"bad scheme", `server { location / { proxy_pass ftp://x; } }`, `invalid URL prefix in "ftp://x"`},
		{"https", `server { location / { proxy_pass https://x; } }`, `not supported by goresty`},
		{"unknown host", `server { location / { proxy_pass http://no-such-host.invalid; } }`, `host not found in upstream "no-such-host.invalid"`},
		{"duplicate", `server { location / { proxy_pass http://127.0.0.1; proxy_pass http://127.0.0.1; } }`, `"proxy_pass" directive is duplicate`},
		{"duplicate upstream", `upstream a { server 127.0.0.1; } upstream a { server 127.0.0.1; }`, `duplicate upstream "a"`},
		{"empty upstream", `upstream a { keepalive 2; }`, `no servers are inside upstream`},
		{"least_conn", `upstream a { least_conn; server 127.0.0.1; }`, `"least_conn" directive is not supported by goresty`},
		{"hash", `upstream a { hash $uri; server 127.0.0.1; }`, `"hash" directive is not supported by goresty`},
		{"bad server param", `upstream a { server 127.0.0.1 weight=0; }`, `invalid parameter "weight=0"`},
		{"not in upstream", `upstream a { server 127.0.0.1; root /x; }`, `"root" directive is not allowed here`},
		{"unknown in upstream", `upstream a { server 127.0.0.1; bogus; }`, `unknown directive "bogus"`},
		{"http version", `server { location / { proxy_http_version 2.0; } }`, `it must be "1.0" or "1.1"`},
		{"next upstream", `server { location / { proxy_next_upstream error nope; } }`, `invalid value "nope"`},
		{"redirect regex", `server { location / { proxy_redirect ~^/a /b; } }`, `not supported by goresty`},
		{"not allowed at http", `proxy_pass http://127.0.0.1;`, `"proxy_pass" directive is not allowed here`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := build(t, tc.conf)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("got error %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("got error %v, want %q", err, tc.wantErr)
			}
		})
	}
}

// BenchmarkProxyKeepalive is the W4 shape: proxy_pass to a keepalive
// upstream serving 1 KB, through the whole in-process server.
func BenchmarkProxyKeepalive(b *testing.B) {
	body := strings.Repeat("x", 1024)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, body)
	}))
	b.Cleanup(up.Close)
	srv := testserver.Boot(b, `location = /proxy { proxy_http_version 1.1; proxy_set_header Connection ""; proxy_pass http://backend/1k.txt; }`,
		testserver.Options{HTTP: "upstream backend { server " + hostOf(up) + "; keepalive 64; }"})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	b.Cleanup(client.CloseIdleConnections)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		resp, err := client.Get(srv.URL + "/proxy")
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || n != 1024 {
			b.Fatalf("got %d, %d bytes", resp.StatusCode, n)
		}
	}
}

// TestStatusLinePassed: nginx sends the upstream's status line as is,
// reason phrase included (or left out).
func TestStatusLinePassed(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 4096)
				n, _ := c.Read(buf)
				line, _, _ := strings.Cut(string(buf[:n]), " HTTP/")
				status := map[string]string{"GET /fine": "200 Fine", "GET /custom": "299 Custom", "GET /bare": "200"}[line]
				fmt.Fprintf(c, "HTTP/1.1 %s\r\nContent-Length: 2\r\n\r\nok", status)
			}()
		}
	}()
	srv := testserver.Boot(t, `location / { proxy_pass http://`+ln.Addr().String()+`; }`)
	for path, want := range map[string]string{"/fine": "200 Fine", "/custom": "299 Custom", "/bare": "200"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Status != want {
			t.Errorf("%s: got status line %q, want %q", path, resp.Status, want)
		}
	}
}

// TestKeepaliveStaleConnection: an idle upstream connection the upstream
// has closed is replaced by a new one, not reported as an error.
func TestKeepaliveStaleConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var conns atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				// answers as if it kept the connection, then closes it
				buf := make([]byte, 4096)
				c.Read(buf)
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
				time.Sleep(20 * time.Millisecond)
				c.Close()
			}()
		}
	}()
	srv := testserver.Boot(t, `location / { proxy_http_version 1.1; proxy_set_header Connection ""; proxy_pass http://ka; }`,
		testserver.Options{HTTP: "upstream ka { server " + ln.Addr().String() + "; keepalive 4; }"})
	for i := 0; i < 3; i++ {
		if code, body, _ := srv.Get("/"); code != 200 || body != "ok" {
			t.Fatalf("request %d: got %d %q, want 200 \"ok\"", i, code, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n := conns.Load(); n != 3 {
		t.Errorf("got %d upstream connections, want 3", n)
	}
	if log := srv.ErrorLog(); strings.Contains(log, "[error]") {
		t.Errorf("error log:\n%s", log)
	}
}
