package server

import (
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/internal/errlog"
)

// BenchmarkServeReturn measures the front end's own work for one request
// (server and location lookup, phases, headers) on `return 200 "hello\n"`,
// without sockets.
func BenchmarkServeReturn(b *testing.B) {
	dir := b.TempDir()
	conf := filepath.Join(dir, "nginx.conf")
	os.WriteFile(conf, []byte(`events {} http { access_log off; server { listen 127.0.0.1:0;
		location = /ret { return 200 "hello\n"; } } }`), 0o644)
	p, err := config.Load(config.Options{Prefix: dir + "/", ConfFile: conf})
	if err != nil {
		b.Fatal(err)
	}
	log, _ := errlog.New([]errlog.Sink{{Path: filepath.Join(dir, "error.log"), Level: errlog.Error}})
	s := New(Options{Log: log})
	st, err := s.newState(p)
	if err != nil {
		b.Fatal(err)
	}
	s.cur.Store(st)
	g := p.Listens[0]
	ci := &connInfo{id: 1, local: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 80}}
	req := httptest.NewRequest("GET", "/ret", nil)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w := httptest.NewRecorder()
		s.serve(st, g, ci, w, req)
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}
