package luaapi_test

import (
	"strings"
	"testing"

	"github.com/goresty/goresty/internal/testserver"
	"github.com/goresty/goresty/luaapi"
)

func TestWorkerOracle(t *testing.T) {
	utilOracle(t, "worker", map[string]string{
		// Debian's nginx is a debug build; goresty is not
		"config_debug": "false",
		// the oracle has lua-resty-core 0.1.25; goresty follows 0.10.26 / 0.1.28
		"module_versions": `"0.1.28", "0.1.28", "0.1.28"`,
	})
}

func TestErrlogRawLog(t *testing.T) {
	s := testserver.Boot(t, `location /t { content_by_lua_block {
		local errlog = require "ngx.errlog"
		errlog.raw_log(ngx.WARN, "raw line as is")
		errlog.raw_log(ngx.DEBUG, "raw debug line")
		ngx.say(errlog.get_sys_filter_level())
	} }`)
	status, body, _ := s.Get("/t")
	if status != 200 || body != "8\n" {
		t.Fatalf("got %d %q, want 200 \"8\\n\"", status, body)
	}
	log := s.ErrorLog()
	for _, want := range []string{"[warn] ", "raw line as is, client: 127.0.0.1", "[debug] ", "raw debug line"} {
		if !strings.Contains(log, want) {
			t.Errorf("error log lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "[lua]") {
		t.Errorf("raw_log wrote a [lua] prefix:\n%s", log)
	}
}

func TestErrlogFilterLevel(t *testing.T) {
	s := testserver.Boot(t, `location /t { content_by_lua_block {
		local errlog = require "ngx.errlog"
		errlog.raw_log(ngx.INFO, "below the filter")
		ngx.say(errlog.get_sys_filter_level() == ngx.WARN)
	} }`, testserver.Options{Main: "error_log logs/warn.log warn;"})
	_, body, _ := s.Get("/t")
	// the testserver's own debug log is there too: debug wins
	if body != "false\n" {
		t.Errorf("got %q", body)
	}
}

func TestWorkerMany(t *testing.T) {
	s := testserver.Boot(t, `location /t { content_by_lua_block {
		local seen = {}
		ngx.say(ngx.worker.count(), " ", #ngx.worker.pids(), " ", INIT_TYPE, " ", require("ngx.process").type())
		local id = ngx.worker.id()
		ngx.say(id >= 0 and id < ngx.worker.count())
	} }`, testserver.Options{
		Main: "worker_processes 2;",
		HTTP: `init_by_lua_block { INIT_TYPE = require("ngx.process").type() }`,
	})
	_, body, _ := s.Get("/t")
	if want := "2 2 single single\ntrue\n"; body != want {
		t.Errorf("got %q, want %q; log:\n%s", body, want, s.ErrorLog())
	}
}

func TestWorkerNotSupported(t *testing.T) {
	s := testserver.Boot(t, `location /t { content_by_lua_block {
		local p, e = require "ngx.process", require "ngx.errlog"
		for _, f in ipairs{ p.enable_privileged_agent, p.signal_graceful_exit, e.set_filter_level, e.get_logs } do
			local ok, err = pcall(f, 1)
			ngx.say(ok, (err:gsub("^.-:%d+: ", "")))
		end
	} }`)
	_, body, _ := s.Get("/t")
	want := "falsengx.process.enable_privileged_agent is not supported by goresty\n" +
		"falsengx.process.signal_graceful_exit is not supported by goresty\n" +
		"falsengx.errlog.set_filter_level is not supported by goresty\n" +
		"falsengx.errlog.get_logs is not supported by goresty\n"
	if body != want {
		t.Errorf("got %q, want %q", body, want)
	}
}

func TestVersionNumber(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{{"1.27.1", 1027001}, {"1.22.1", 1022001}, {"1.9.15", 1009015}}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := luaapi.VersionNumber(tt.in); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}
