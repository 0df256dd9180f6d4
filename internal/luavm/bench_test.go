package luavm_test

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/internal/errlog"
	"github.com/goresty/goresty/internal/luavm"
	"github.com/goresty/goresty/internal/nginxconf"
	"github.com/goresty/goresty/luaapi"
	"github.com/goresty/goresty/phases"
)

type nullOut struct{ n int }

func (o *nullOut) SendHeader(r *phases.Request) error { r.HeaderSent = true; return nil }
func (o *nullOut) Write(r *phases.Request, b []byte, eof bool) error {
	o.n += len(b)
	return nil
}

// BenchmarkRunPhase measures one content_by_lua run (W1's handler) without
// the HTTP front end: thread reuse, resume, ngx.say.
func BenchmarkRunPhase(b *testing.B) {
	benchPhase(b, "/hello")
}

// BenchmarkRunPhaseExit is BenchmarkRunPhase for a handler that ends with
// ngx.exit: its coroutine is unwound for reuse.
func BenchmarkRunPhaseExit(b *testing.B) {
	benchPhase(b, "/exit")
}

func benchPhase(b *testing.B, uri string) {
	dir := b.TempDir()
	conf := filepath.Join(dir, "nginx.conf")
	os.WriteFile(conf, []byte(`events {} http { server { listen 127.0.0.1:0;
		location /hello { content_by_lua_block { ngx.say("hello") } }
		location /exit { content_by_lua_block { ngx.say("hello") ngx.exit(200) } } } }`), 0o644)
	ds, err := nginxconf.ParseFile(conf)
	if err != nil {
		b.Fatal(err)
	}
	p, err := config.Build(ds, config.Options{Prefix: dir + "/", ConfFile: conf})
	if err != nil {
		b.Fatal(err)
	}
	log, _ := errlog.New([]errlog.Sink{{Path: filepath.Join(dir, "error.log"), Level: errlog.Error}})
	rt, err := luavm.New(p, log, luaapi.Open)
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close(false)
	loc := p.Servers[0].FindLocation(uri, nil)
	h := loc.Content
	hr := httptest.NewRequest("GET", uri, nil)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := &phases.Request{HTTP: hr, Loc: loc, Out: &nullOut{}, Worker: rt.Workers[0]}
		if code := h.Handle(r); code != config.Done && code != 200 {
			b.Fatalf("code %d", code)
		}
	}
}
