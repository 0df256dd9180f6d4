package luaapi_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/goresty/goresty/internal/testserver"
)

func TestVarOracle(t *testing.T) {
	s := rhBoot(t, "var")
	notFound := func(name string) string {
		return `variable "` + name + `" not found for writing; maybe it is a built-in variable that is not changeable ` +
			`or you forgot to use "set $` + name + ` '';" in the config file to define it first`
	}
	cases := []rhCase{
		{name: "read", path: "/read?a=1&b=2", hdr: map[string]string{"X-Foo": "foo", "Cookie": "c=cv"},
			want: "/read /read a=1&b=2 1 foo\nnil nil nil\ninit [] nil string\ncv GET nil\nbad variable name\nok nil\n"},
		{name: "captures", path: "/cap/abc/def", want: "abc def nil def nil\nnil nil\n"},
		{name: "write", path: "/write?orig=1", want: "b\n12 string\nnil\nx=1 1 /write?orig=1\nchanged\n" +
			notFound("undefined") + "\n" + `variable "uri" not changeable` + "\n" + notFound("http_x_foo") + "\n" +
			"bad variable name\nok\nok\n" + `variable "query_string" not changeable` + "\n"},
		{name: "phases", path: "/phases", want: "/phases|ok\n", hdrs: map[string]string{"X-Var": "/phases|set in hf|/phases|ok"}},
		{name: "timer", path: "/timer", want: "ok\n"},
	}
	rhRun(t, s, cases)
	log := s.ErrorLog()
	for _, want := range []string{"LOG /phases bf 200", "TIMER API disabled in the current context"} {
		if !strings.Contains(log, want) {
			t.Errorf("error log lacks %q:\n%s", want, log)
		}
	}
}

// BenchmarkVarRead measures ngx.var reads, a hot path: one user
// variable, one built-in and one $http_ header per iteration, all in a
// single request.
func BenchmarkVarRead(b *testing.B) {
	s := testserver.Boot(b, `set $myvar "v";
	location /bench { content_by_lua_block {
		local var = ngx.var
		for i = 1, tonumber(var.arg_n) do
			local a, u, h = var.myvar, var.uri, var.http_x_foo
		end
		ngx.say("ok")
	} }`)
	b.ReportAllocs()
	b.ResetTimer()
	status, body, _ := s.Do("GET", "/bench?n="+strconv.Itoa(b.N), "", map[string]string{"X-Foo": "foo"})
	if status != 200 || body != "ok\n" {
		b.Fatalf("got %d %q", status, body)
	}
}
