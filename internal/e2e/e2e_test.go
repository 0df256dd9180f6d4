package e2e

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
	"github.com/goresty/goresty/internal/server"
	"github.com/goresty/goresty/luaapi"
)

// boot starts a server in-process on 127.0.0.1:0 with the given http{} body
// (use @PORT@ nowhere: the listen line is added).
func boot(t *testing.T, locations string) (base string, errLog func() string) {
	t.Helper()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "logs"), 0o755)
	conf := "daemon off; master_process off; error_log logs/error.log debug;\nevents {}\nhttp { access_log off;\nserver { listen 127.0.0.1:0; server_name localhost;\n" + locations + "\n} }\n"
	cf := filepath.Join(dir, "nginx.conf")
	os.WriteFile(cf, []byte(conf), 0o644)
	ds, err := nginxconf.ParseFile(cf)
	if err != nil {
		t.Fatal(err)
	}
	p, err := config.Build(ds, config.Options{Prefix: dir + "/", ConfFile: cf})
	if err != nil {
		t.Fatal(err)
	}
	log, err := errlog.New(p.ErrorLogs)
	if err != nil {
		t.Fatal(err)
	}
	s := server.New(server.Options{Log: log, NewRuntime: func(p *config.Plan, log *errlog.Logger) (server.Runtime, server.FilterRunner, error) {
		rt, err := luavm.New(p, log, luaapi.Open)
		if err != nil {
			return nil, nil, err
		}
		return rt, luavm.NewFilters(rt), nil
	}})
	if err := s.Start(p); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(false); log.Close() })
	return "http://" + s.Addrs()[0].String(), func() string {
		b, _ := os.ReadFile(filepath.Join(dir, "logs/error.log"))
		return string(b)
	}
}

func get(t *testing.T, url string) (int, string, http.Header) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func TestYieldTraps(t *testing.T) {
	base, logs := boot(t, `
location /t { content_by_lua_block {
	local ok, e = pcall(ngx.sleep, 0.01) ngx.say("pcall ", ok, " ", e)
	ok, e = xpcall(function(a, b) ngx.sleep(0) return a + b end, debug.traceback, 1, 2) ngx.say("xpcall ", ok, " ", e)
	local co = coroutine.wrap(function() ngx.sleep(0.01) coroutine.yield(5) ngx.sleep(0.01) return 7 end)
	ngx.say("wrap ", co(), " ", co())
	local function tail() return ngx.sleep(0) end
	ngx.say("tail ", tail())
} }`)
	code, body, _ := get(t, base+"/t")
	want := "pcall true nil\nxpcall true 3\nwrap 5 7\ntail \n"
	if code != 200 || body != want {
		t.Fatalf("got %d %q, want 200 %q\nlog:\n%s", code, body, want, logs())
	}
	if strings.Contains(logs(), "[error]") {
		t.Fatalf("errors logged:\n%s", logs())
	}
}
