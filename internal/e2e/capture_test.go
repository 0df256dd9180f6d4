package e2e

import (
	"testing"

	"github.com/goresty/goresty/internal/testserver"
)

func TestCapture(t *testing.T) {
	s := testserver.Boot(t, `
location /sub { content_by_lua_block {
	ngx.sleep(0.01)
	ngx.header["X-Sub"] = "yes"
	ngx.say("sub ", ngx.var.arg_n, " ", ngx.req.get_method(), " ", ngx.is_subrequest, " ", ngx.ctx.who or "-")
} }
location /missing { return 404; }
location /t { content_by_lua_block {
	local res = ngx.location.capture("/sub?n=1", { ctx = { who = "parent" } })
	ngx.print(res.status, " ", res.header["X-Sub"], " ", res.body)
	local a, b, c = ngx.location.capture_multi({ {"/sub", {args = {n = 2}}}, {"/sub?n=3", {method = ngx.HTTP_POST, body = "x"}}, {"/missing"} })
	ngx.print(a.status, " ", a.body, b.status, " ", b.body, c.status, "\n")
	ngx.say(ngx.is_subrequest)
} }`)
	code, body, _ := s.Get("/t")
	want := "200 yes sub 1 GET true parent\n200 sub 2 GET true -\n200 sub 3 POST true -\n404\nfalse\n"
	if code != 200 || body != want {
		t.Fatalf("got %d %q, want %q\nlog:\n%s", code, body, want, s.ErrorLog())
	}
	s.NoErrors()
}
