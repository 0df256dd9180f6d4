package luavm_test

import (
	"os"
	"strings"
	"testing"

	"github.com/goresty/goresty/internal/luavm"
)

// TestStaleStopSparesTheNextRun: a watchdog stop that lands after the run
// it was meant for has ended must not stop the worker's next run.
func TestStaleStopSparesTheNextRun(t *testing.T) {
	v := newPoolVM(t, `lua_max_run_time 10s;
server { listen 127.0.0.1:0;
	location /n { content_by_lua_block { local s = 0 for i = 1, 100 do s = s + i end ngx.say(s) } }
}`)
	if code, body := v.get("/n"); code >= 400 || body != "5050\n" {
		t.Fatalf("first run: %d %q", code, body)
	}
	v.w.StaleStop()
	if code, body := v.get("/n"); code >= 400 || body != "5050\n" {
		t.Fatalf("run after a stale stop: %d %q", code, body)
	}
	if n := luavm.Stopping(); n != 0 {
		t.Fatalf("%d stops still pending", n)
	}
	if log, _ := os.ReadFile(v.logf); strings.Contains(string(log), "lua_max_run_time") {
		t.Fatalf("the next run was stopped:\n%s", log)
	}
	// a stop still pending when the VM closes (a reload) is dropped too
	v.w.StaleStop()
	v.rt.Close(false)
	if n := luavm.Stopping(); n != 0 {
		t.Fatalf("%d stops still pending after the runtime closed", n)
	}
}
