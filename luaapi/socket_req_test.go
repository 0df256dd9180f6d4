package luaapi_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

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

// ngx.req.socket(true) is the client connection itself, full duplex, as
// websocket servers use it after sending their 101.
func TestRawReqSocket(t *testing.T) {
	s := testserver.Boot(t, `location /ws { content_by_lua_block {
		ngx.status = 101
		ngx.header["Upgrade"] = "echo"
		ngx.header["Connection"] = "upgrade"
		ngx.send_headers()
		ngx.flush(true)
		local sock, err = ngx.req.socket(true)
		if not sock then ngx.log(ngx.ERR, "raw: ", err) return end
		for i = 1, 2 do
			local data, err = sock:receive(5)
			if not data then ngx.log(ngx.ERR, "receive: ", err) return end
			sock:send("echo:" .. data)
		end
	} }`)
	c, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	fmt.Fprintf(c, "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: upgrade\r\n\r\nhello")
	br := bufio.NewReader(c)
	status, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(status, "HTTP/1.1 101") {
		t.Fatalf("status line %q, %v\n%s", status, err, s.ErrorLog())
	}
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if line == "\r\n" {
			break
		}
	}
	buf := make([]byte, 10)
	if _, err := io.ReadFull(br, buf); err != nil || string(buf) != "echo:hello" {
		t.Fatalf("first echo %q, %v\n%s", buf, err, s.ErrorLog())
	}
	c.Write([]byte("world"))
	if _, err := io.ReadFull(br, buf); err != nil || string(buf) != "echo:world" {
		t.Fatalf("second echo %q, %v", buf, err)
	}
	s.NoErrors()
}
