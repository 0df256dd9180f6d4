// Package testserver boots goresty in-process for tests: a configuration
// from a string, on an ephemeral 127.0.0.1 port, with the Lua runtime.
package testserver

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/internal/errlog"
	"github.com/goresty/goresty/internal/luavm"
	"github.com/goresty/goresty/internal/nginxconf"
	"github.com/goresty/goresty/internal/proxy"
	"github.com/goresty/goresty/internal/server"
	"github.com/goresty/goresty/luaapi"
)

// Server is a running test server.
type Server struct {
	URL    string // "http://127.0.0.1:port"
	Prefix string // the prefix directory (ends with "/")
	t      testing.TB
}

// Options change what Boot writes.
type Options struct {
	Main  string            // main-context directives
	HTTP  string            // http-context directives outside the server block
	Files map[string]string // files to write under the prefix
}

// Boot starts a server whose server block holds serverBody (locations...).
// The server listens on 127.0.0.1:0; it is stopped when the test ends.
func Boot(t testing.TB, serverBody string, opts ...Options) *Server {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	dir := t.TempDir() + "/"
	os.MkdirAll(dir+"logs", 0o755)
	os.MkdirAll(dir+"html", 0o755)
	for name, body := range o.Files {
		os.MkdirAll(filepath.Dir(dir+name), 0o755)
		if err := os.WriteFile(dir+name, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	conf := "daemon off; master_process off; error_log logs/error.log debug;\n" + o.Main +
		"\nevents {}\nhttp { access_log off;\n" + o.HTTP + "\nserver { listen 127.0.0.1:0; server_name localhost;\n" +
		serverBody + "\n} }\n"
	cf := dir + "conf/nginx.conf"
	os.MkdirAll(dir+"conf", 0o755)
	os.WriteFile(cf, []byte(conf), 0o644)
	ds, err := nginxconf.ParseFile(cf)
	if err != nil {
		t.Fatal(err)
	}
	p, err := config.Build(ds, config.Options{Prefix: dir, ConfFile: cf})
	if err != nil {
		t.Fatal(err)
	}
	log, err := errlog.New(p.ErrorLogs)
	if err != nil {
		t.Fatal(err)
	}
	s := server.New(server.Options{Log: log, NewRuntime: NewRuntime})
	if err := s.Start(p); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(false); log.Close() })
	return &Server{URL: "http://" + s.Addrs()[0].String(), Prefix: dir, t: t}
}

// NewRuntime is the Lua runtime constructor goresty uses.
func NewRuntime(p *config.Plan, log *errlog.Logger) (server.Runtime, server.FilterRunner, error) {
	proxy.SetLogger(p, log)
	rt, err := luavm.New(p, log, luaapi.Open)
	if err != nil {
		return nil, nil, err
	}
	return rt, luavm.NewFilters(rt), nil
}

// ErrorLog returns the error log so far.
func (s *Server) ErrorLog() string {
	b, _ := os.ReadFile(s.Prefix + "logs/error.log")
	return string(b)
}

// Get fetches path and returns status, body and headers.
func (s *Server) Get(path string) (int, string, http.Header) {
	return s.Do("GET", path, "", nil)
}

// Do sends a request.
func (s *Server) Do(method, path, body string, hdr map[string]string) (int, string, http.Header) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	if body == "" {
		req.Body = nil
	}
	for k, v := range hdr {
		if strings.EqualFold(k, "host") {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// NoErrors fails the test when the error log has [error] or worse lines.
func (s *Server) NoErrors() {
	s.t.Helper()
	log := s.ErrorLog()
	for _, lv := range []string{"[error]", "[crit]", "[alert]", "[emerg]"} {
		if strings.Contains(log, lv) {
			s.t.Fatalf("error log has %s lines:\n%s", lv, log)
		}
	}
}
