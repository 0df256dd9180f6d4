package e2e

import (
	"testing"

	"github.com/goresty/goresty/internal/testserver"
)

// BenchmarkRunawayGuard measures what lua_max_run_time costs on a
// CPU-bound handler (the W6 loop of the side-by-side benchmark).
func BenchmarkRunawayGuard(b *testing.B) {
	const loc = `location /cpu { content_by_lua_block {
		local s = 0
		for i = 1, 10000 do s = s + i % 7 + string.byte("abc", i % 3 + 1) end
		ngx.say(s)
	} }`
	for _, c := range []struct{ name, http string }{{"off", "lua_max_run_time off;"}, {"on", "lua_max_run_time 10s;"}} {
		b.Run(c.name, func(b *testing.B) {
			s := testserver.Boot(b, loc, testserver.Options{HTTP: c.http})
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if code, _, _ := s.Get("/cpu"); code != 200 {
					b.Fatal(code)
				}
			}
		})
	}
}

// BenchmarkHello is W1 in-process: ngx.say("hello") through the whole stack.
func BenchmarkHello(b *testing.B) {
	s := testserver.Boot(b, `location /hello { content_by_lua_block { ngx.say("hello") } }`)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if code, _, _ := s.Get("/hello"); code != 200 {
			b.Fatal(code)
		}
	}
}
