package e2e

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/goresty/goresty/internal/testserver"
)

// The client has the whole response before log_by_lua runs, as in nginx: a
// slow log handler does not delay it.
func TestLogPhaseAfterResponse(t *testing.T) {
	s := testserver.Boot(t, `location /t {
		content_by_lua_block { ngx.say("done") }
		log_by_lua_block { local t0 = ngx.now() while ngx.now() - t0 < 0.5 do ngx.update_time() end }
	}`)
	start := time.Now()
	resp, err := http.Get(s.URL + "/t")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "done\n" {
		t.Fatalf("got %q", body)
	}
	if el := time.Since(start); el > 300*time.Millisecond {
		t.Fatalf("the response waited for the log phase: %v", el)
	}
}
