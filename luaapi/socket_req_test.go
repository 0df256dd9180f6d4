package luaapi_test

import (
	"strings"
	"testing"

	"github.com/goresty/goresty/internal/testserver"
)

// ngx.req.socket reads the request body as a cosocket, the way
// lua-resty-upload reads multipart bodies.
func TestReqSocket(t *testing.T) {
	s := testserver.Boot(t, `
location /up { content_by_lua_block {
	local sock, err = ngx.req.socket()
	if not sock then ngx.say("no socket: ", err) return end
	sock:settimeout(1000)
	local line = sock:receive("*l")
	ngx.say("line: ", line)
	local reader = sock:receiveuntil("--b")
	local part = reader()
	ngx.say("part: ", part)
	local rest, err, partial = sock:receive(100)
	ngx.say("rest: ", rest, " ", err, " ", partial)
	local again, err2 = ngx.req.socket()
	ngx.say("again: ", again, " ", err2)
} }
location /empty { content_by_lua_block {
	ngx.say(select(2, ngx.req.socket()))
} }`)
	body := "first line\r\nhello part--btail"
	_, got, _ := s.Do("POST", "/up", body, map[string]string{"Content-Type": "text/plain"})
	want := "line: first line\npart: hello part\nrest: nil closed tail\nagain: nil request body already exists\n"
	if got != want {
		t.Fatalf("got %q, want %q\n%s", got, want, s.ErrorLog())
	}
	if _, got, _ := s.Get("/empty"); strings.TrimSpace(got) != "no body" {
		t.Fatalf("empty: got %q", got)
	}
}
