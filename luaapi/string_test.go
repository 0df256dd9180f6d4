package luaapi_test

import (
	"os"
	"strings"
	"testing"

	"github.com/goresty/goresty/internal/testserver"
)

// utilOracle runs testdata/<group>/cases.lua through the harness that made
// testdata/<group>/nginx_output.txt on real nginx + lua-nginx-module, and
// compares line by line. overrides maps a case name to goresty's line
// where goresty differs on purpose.
func utilOracle(t *testing.T, group string, overrides map[string]string, opts ...testserver.Options) {
	t.Helper()
	read := func(name string) string {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	var o testserver.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.Files == nil {
		o.Files = map[string]string{}
	}
	o.Files["harness.lua"] = read("utilgroups/harness.lua")
	o.Files["cases.lua"] = read(group + "/cases.lua")
	s := testserver.Boot(t, `location /t { content_by_lua_block {
		local prefix = ngx.config.prefix()
		local cases = dofile(prefix .. "cases.lua")
		local harness = assert(loadfile(prefix .. "harness.lua"))
		ngx.print(harness(cases))
	} }`, o)
	want := map[string]string{}
	var order []string
	for _, line := range strings.Split(strings.TrimSuffix(read(group+"/nginx_output.txt"), "\n"), "\n") {
		name, _, _ := strings.Cut(line, ": ")
		want[name] = line
		order = append(order, name)
	}
	for name, line := range overrides {
		if _, ok := want[name]; !ok {
			t.Fatalf("override of unknown case %q", name)
		}
		want[name] = name + ": " + line
	}
	// twice: state must not leak between requests
	for round := 0; round < 2; round++ {
		status, body, _ := s.Get("/t")
		if status != 200 {
			t.Fatalf("status %d, body %q, log:\n%s", status, body, s.ErrorLog())
		}
		got := map[string]string{}
		for _, line := range strings.Split(strings.TrimSuffix(body, "\n"), "\n") {
			name, _, _ := strings.Cut(line, ": ")
			got[name] = line
		}
		for _, name := range order {
			t.Run(name, func(t *testing.T) {
				if got[name] != want[name] {
					t.Errorf("got  %s\nwant %s", got[name], want[name])
				}
			})
		}
	}
	s.NoErrors()
}

func TestStringOracle(t *testing.T) {
	utilOracle(t, "string", nil)
}

func TestRestyOracle(t *testing.T) {
	utilOracle(t, "resty", nil)
}

// TestDecodeBase64Mime: lua-nginx-module 0.10.23 (the oracle) predates
// ngx.decode_base64mime; these follow its README: characters outside the
// alphabet are skipped, the rest decodes as ngx.decode_base64.
func TestDecodeBase64Mime(t *testing.T) {
	s := testserver.Boot(t, `location /t { content_by_lua_block {
		local d = ngx.decode_base64mime
		for _, in_ in ipairs{ "aGVsbG8=", "aGVs\r\nbG8=", "aG!Vs*bG8", "aGVs bG8", "a", "YQ==YQ==", "", "!!!" } do
			ngx.say(tostring(d(in_)))
		end
		ngx.say(pcall(d, 12))
	} }`)
	_, body, _ := s.Get("/t")
	want := "hello\nhello\nhello\nhello\nnil\na\n\n\nfalsestring argument only\n"
	if body != want {
		t.Errorf("got %q, want %q", body, want)
	}
}

// TestUtilInInit: the time, string and worker functions work outside
// requests too, as in OpenResty.
func TestUtilInInit(t *testing.T) {
	s := testserver.Boot(t, `location /t { content_by_lua_block { ngx.print(INIT) } }`, testserver.Options{
		HTTP: `init_by_lua_block {
			INIT = table.concat({ ngx.md5("a"), ngx.encode_base64("a"), ngx.http_time(0), type(ngx.now()),
				ngx.worker.id(), ngx.worker.count(), ngx.config.subsystem, require("ngx.base64").encode_base64url("?") }, " ")
		}`,
	})
	_, body, _ := s.Get("/t")
	want := "0cc175b9c0f1b6a831c399e269772661 YQ== Thu, 01 Jan 1970 00:00:00 GMT number 0 1 http Pw"
	if body != want {
		t.Errorf("got %q, want %q; log:\n%s", body, want, s.ErrorLog())
	}
}
