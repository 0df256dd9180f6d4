package luavm_test

import (
	"net/http/httptest"
	"testing"

	"github.com/goresty/goresty/internal/config"
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

// BenchmarkRunPhasePcall is BenchmarkRunPhase with ten pcall'd calls: what
// the yield-safe pcall (a coroutine per call) costs.
func BenchmarkRunPhasePcall(b *testing.B) {
	benchPhase(b, "/pcall")
}

func benchPhase(b *testing.B, uri string) {
	v := newPoolVM(b, `server { listen 127.0.0.1:0;
		location /hello { content_by_lua_block { ngx.say("hello") } }
		location /pcall { content_by_lua_block {
			local n = 0
			for i = 1, 10 do local ok, v = pcall(tonumber, "1") n = n + v end
			ngx.say(n)
		} }
		location /exit { content_by_lua_block { ngx.say("hello") ngx.exit(200) } } }`)
	loc := v.p.Servers[0].FindLocation(uri, nil)
	h := loc.Content
	hr := httptest.NewRequest("GET", uri, nil)
	b.ReportAllocs()
	for b.Loop() {
		r := &phases.Request{HTTP: hr, Loc: loc, Out: &nullOut{}, Worker: v.w}
		if code := h.Handle(r); code != config.Done && code != 200 {
			b.Fatalf("code %d", code)
		}
	}
}
