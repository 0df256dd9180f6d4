package e2e

import (
	"os"
	"strings"
	"testing"

	"github.com/goresty/goresty/internal/testserver"
)

// With lua_code_cache off, a *_by_lua_file is read again for every request
// and the start-up alert nginx prints is logged.
func TestCodeCacheOff(t *testing.T) {
	s := testserver.Boot(t, `location /f { content_by_lua_file lua/f.lua; }`, testserver.Options{
		HTTP:  "lua_code_cache off;",
		Files: map[string]string{"lua/f.lua": `ngx.say("v1")`},
	})
	if _, body, _ := s.Get("/f"); body != "v1\n" {
		t.Fatalf("got %q", body)
	}
	if err := os.WriteFile(s.Prefix+"lua/f.lua", []byte(`ngx.say("v2")`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, body, _ := s.Get("/f"); body != "v2\n" {
		t.Fatalf("after edit: got %q, want the new file's output", body)
	}
	if !strings.Contains(s.ErrorLog(), "[alert]") || !strings.Contains(s.ErrorLog(), "lua_code_cache is off; this will hurt performance in ") {
		t.Fatalf("missing alert:\n%s", s.ErrorLog())
	}
}
