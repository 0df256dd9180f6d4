package config_test

import (
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/internal/nginxconf"
)

// Every location returns its own label; the tables expect the label of the
// location nginx picks. With GORESTY_NGINX_ORACLE=1 the same configuration
// is served by a real nginx and the tables are checked against it.
const locConf = `daemon off; master_process off; error_log stderr; pid logs/nginx.pid;
events {}
http {
  access_log off;
  server {
    listen 127.0.0.1:PORT;
    location = / { return 200 "exact /"; }
    location / { return 200 "prefix /"; }
    location /images/ { return 200 "prefix /images/"; }
    location ^~ /static/ { return 200 "noregex /static/"; }
    location ~* \.(gif|jpg)$ { return 200 "regex gif"; }
    location ~ ^/static/x { return 200 "regex static"; }
    location ~ \.php$ { return 200 "regex php"; }
    location ~ /a\.php$ { return 200 "regex a.php"; }
    location /docs/ {
      return 200 "prefix /docs/";
      location ~ \.md$ { return 200 "nested regex md"; }
      location ^~ /docs/api/ { return 200 "nested noregex /docs/api/"; }
      location /docs/v1/ { return 200 "nested prefix /docs/v1/"; }
      location = /docs/x { return 200 "nested exact /docs/x"; }
    }
    location ^~ /pub/ {
      return 200 "noregex /pub/";
      location /pub/in/ { return 200 "nested prefix /pub/in/"; }
      location ~ \.txt$ { return 200 "nested regex txt"; }
    }
    location ~ ^/re/ {
      return 200 "regex /re/";
      location ~ sub { return 200 "nested regex sub"; }
    }
    location /doc { return 200 "prefix /doc"; }
    location = /exact { return 200 "exact /exact"; }
    location @named { return 200 "named"; }
  }
}
`

var locCases = []struct{ uri, want string }{
	{"/", "exact /"},
	{"/index.html", "prefix /"},
	{"/images/a.png", "prefix /images/"},
	{"/images/a.gif", "regex gif"},        // a regex beats the longest prefix
	{"/images/A.JPG", "regex gif"},        // ~* is caseless
	{"/static/a.gif", "noregex /static/"}, // ^~ stops the regex search
	{"/static/x", "noregex /static/"},
	{"/a.php", "regex php"},
	{"/x/a.php", "regex php"}, // the first matching regex in file order
	{"/docs/", "prefix /docs/"},
	{"/docs/readme.md", "nested regex md"},
	{"/docs/a.gif", "regex gif"}, // nested regexes first, then the outer ones
	{"/docs/api/a.md", "nested noregex /docs/api/"},
	{"/docs/api/a.gif", "regex gif"}, // a nested ^~ only stops the nested regexes
	{"/docs/v1/a.md", "nested regex md"},
	{"/docs/v1/a.gif", "regex gif"},
	{"/docs/v1/", "nested prefix /docs/v1/"},
	{"/docs/x", "nested exact /docs/x"},
	{"/docs/x.md", "nested regex md"},
	{"/pub/a.gif", "noregex /pub/"},
	{"/pub/a.txt", "nested regex txt"},          // regexes inside a ^~ location still apply
	{"/pub/in/a.gif", "nested prefix /pub/in/"}, // the outer ^~ stops the outer regexes
	{"/pub/in/a.txt", "nested regex txt"},
	{"/re/a", "regex /re/"},
	{"/re/sub", "nested regex sub"},
	{"/re/a.gif", "regex gif"},
	{"/documents", "prefix /doc"},
	{"/doc", "prefix /doc"},
	{"/exact", "exact /exact"},
	{"/exact/", "prefix /"},
	{"/@named", "prefix /"}, // named locations are never matched by URI
	{"/IMAGES/a.png", "prefix /"},
}

const srvConf = `daemon off; master_process off; error_log stderr; pid logs/nginx.pid;
events {}
http {
  access_log off;
  server { listen 127.0.0.1:PORT; server_name first; return 200 "first"; }
  server { listen 127.0.0.1:PORT default_server; server_name _; return 200 "default"; }
  server { listen 127.0.0.1:PORT; server_name example.com www.example.com; return 200 "exact"; }
  server { listen 127.0.0.1:PORT; server_name *.example.com; return 200 "head"; }
  server { listen 127.0.0.1:PORT; server_name *.a.example.com; return 200 "longer head"; }
  server { listen 127.0.0.1:PORT; server_name .example.org; return 200 "dot"; }
  server { listen 127.0.0.1:PORT; server_name www.example.*; return 200 "tail"; }
  server { listen 127.0.0.1:PORT; server_name ~^api\d+\.example\.net$; return 200 "regex 1"; }
  server { listen 127.0.0.1:PORT; server_name ~^api; return 200 "regex 2"; }
  server { listen 127.0.0.1:PORT; return 200 "no name"; }
}
`

var srvCases = []struct{ host, want string }{
	{"first", "first"},
	{"example.com", "exact"},
	{"www.example.com", "exact"}, // an exact name beats "www.example.*"
	{"foo.example.com", "head"},
	{"x.a.example.com", "longer head"}, // the longest leading wildcard
	{"a.example.com", "head"},
	{"example.org", "dot"},
	{"x.y.example.org", "dot"},
	{"www.example.net", "tail"},
	{"api1.example.net", "regex 1"}, // regexes in file order
	{"api.example.net", "regex 2"},
	{"unknown.test", "default"},
	{"", "no name"}, // a server without server_name answers an empty Host
}

// label is the text of the "return" of a location or server.
func label(l *config.Location) string {
	if l == nil {
		return "<nil>"
	}
	for _, op := range l.Script {
		if op.Kind == config.OpReturn && op.Val != nil {
			return op.Val.Raw
		}
	}
	return "<no return>"
}

func buildConf(t *testing.T, conf string) *config.Plan {
	t.Helper()
	prefix := t.TempDir() + "/"
	ds, err := nginxconf.ParseBytes(prefix+"nginx.conf", []byte(strings.ReplaceAll(conf, "PORT", "1984")), prefix)
	if err != nil {
		t.Fatal(err)
	}
	p, err := config.Build(ds, config.Options{Prefix: prefix, ConfFile: prefix + "nginx.conf"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func match(re *regexp.Regexp, s string) bool { return re.MatchString(s) }

func TestFindLocation(t *testing.T) {
	p := buildConf(t, locConf)
	if len(p.Servers) != 1 {
		t.Fatalf("got %d servers, want 1", len(p.Servers))
	}
	srv := p.Servers[0]
	for _, tc := range locCases {
		t.Run(tc.uri, func(t *testing.T) {
			if got := label(srv.FindLocation(tc.uri, match)); got != tc.want {
				t.Errorf("FindLocation(%q) = %q, want %q", tc.uri, got, tc.want)
			}
		})
	}
	if l := srv.Named["@named"]; label(l) != "named" {
		t.Errorf(`Named["@named"] = %q, want "named"`, label(l))
	}
}

func TestFindLocationNone(t *testing.T) {
	p := buildConf(t, "http { server { listen 127.0.0.1:PORT; location /a { return 204; } } }\nevents {}\n")
	if l := p.Servers[0].FindLocation("/b", match); l != nil {
		t.Errorf("FindLocation(/b) = %q, want nil (the server's own configuration)", label(l))
	}
}

func TestFindLocationCaptures(t *testing.T) {
	p := buildConf(t, "http { server { listen 127.0.0.1:PORT; location ~ ^/u/(\\d+)$ { return 204; } } }\nevents {}\n")
	var got []string
	capture := func(re *regexp.Regexp, s string) bool {
		got = re.FindStringSubmatch(s)
		return got != nil
	}
	if l := p.Servers[0].FindLocation("/u/42", capture); l == nil || len(got) != 2 || got[1] != "42" {
		t.Errorf("FindLocation(/u/42) captured %q, want [/u/42 42]", got)
	}
}

func TestFindServer(t *testing.T) {
	p := buildConf(t, srvConf)
	if len(p.Listens) != 1 {
		t.Fatalf("got %d listen groups, want 1", len(p.Listens))
	}
	g := p.Listens[0]
	if g.Addr != "127.0.0.1:1984" || label(g.Default.Conf) != "default" {
		t.Errorf("group %s default %q, want 127.0.0.1:1984 and the default_server", g.Addr, label(g.Default.Conf))
	}
	for _, tc := range srvCases {
		t.Run(tc.host, func(t *testing.T) {
			if got := label(g.FindServer(tc.host, match).Conf); got != tc.want {
				t.Errorf("FindServer(%q) = %q, want %q", tc.host, got, tc.want)
			}
		})
	}
}

func TestFindServerFirstIsDefault(t *testing.T) {
	p := buildConf(t, `http {
  server { listen 127.0.0.1:PORT; server_name a; return 200 "a"; }
  server { listen 127.0.0.1:PORT; server_name b; return 200 "b"; }
  server { listen 127.0.0.2:PORT; server_name c; return 200 "c"; }
}
events {}
`)
	if len(p.Listens) != 2 {
		t.Fatalf("got %d listen groups, want 2", len(p.Listens))
	}
	if got := label(p.Listens[0].FindServer("zzz", match).Conf); got != "a" {
		t.Errorf("unknown host on the first address went to %q, want the first server", got)
	}
	if got := label(p.Listens[1].FindServer("a", match).Conf); got != "c" {
		t.Errorf("host a on the second address went to %q, want its only server", got)
	}
}

// freePort returns a TCP port that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// startNginx serves conf with a real nginx and returns its address.
func startNginx(t *testing.T, conf string) string {
	t.Helper()
	if os.Getenv("GORESTY_NGINX_ORACLE") == "" {
		t.Skip("set GORESTY_NGINX_ORACLE=1 to compare with real nginx")
	}
	bin, err := exec.LookPath("nginx")
	if err != nil {
		t.Skip("nginx not installed")
	}
	port := freePort(t)
	prefix, path := writeConf(t, strings.ReplaceAll(conf, "PORT", port))
	cmd := exec.Command(bin, "-p", prefix, "-c", path)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := "127.0.0.1:" + port
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("nginx did not start")
	return ""
}

// nginxGet sends an HTTP/1.0 request (no Host header when host is "")
// and returns the response body.
func nginxGet(t *testing.T, addr, host, uri string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req := "GET " + uri + " HTTP/1.0\r\n"
	if host != "" {
		req += "Host: " + host + "\r\n"
	}
	if _, err := io.WriteString(c, req+"\r\n"); err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(c)
	_, body, _ := strings.Cut(string(b), "\r\n\r\n")
	return body
}

func TestFindLocationOracle(t *testing.T) {
	addr := startNginx(t, locConf)
	for _, tc := range locCases {
		if got := nginxGet(t, addr, "localhost", tc.uri); got != tc.want {
			t.Errorf("nginx: %s -> %q, table says %q", tc.uri, got, tc.want)
		}
	}
}

func TestFindServerOracle(t *testing.T) {
	addr := startNginx(t, srvConf)
	for _, tc := range srvCases {
		if got := nginxGet(t, addr, tc.host, "/"); got != tc.want {
			t.Errorf("nginx: Host %q -> %q, table says %q", tc.host, got, tc.want)
		}
	}
}
