package luaapi_test

import (
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/goresty/goresty/internal/testserver"
)

// TestMemcachedClient drives testdata/lua/memcached.lua (a client written
// in plain Lua on cosockets) against a real memcached: multi-key gets in
// one round trip, stores, incr, pool reuse and a read timeout.
func TestMemcachedClient(t *testing.T) {
	bin, err := exec.LookPath("memcached")
	if err != nil {
		t.Skip("memcached is not installed (make test installs it)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	cmd := exec.Command(bin, "-p", port, "-l", "127.0.0.1", "-U", "0", "-u", "root")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("tcp", "127.0.0.1:"+port); err == nil {
			c.Close()
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	lib, _ := filepath.Abs("../testdata/lua")
	s := testserver.Boot(t, `
location /t { content_by_lua_block {
	local mc = require "memcached"
	local c = assert(mc.new(1000))
	assert(c:connect("127.0.0.1", tonumber(ngx.var.arg_port), { pool = "mc" }))
	ngx.say("reused: ", c:get_reused_times())
	ngx.say("set: ", c:set("a", "alpha", 0, 7), " ", c:set("n", 41))
	ngx.say("add existing: ", select(2, c:add("a", "x")))
	local v, flags = c:get("a")
	ngx.say("get: ", v, " ", flags)
	local res = c:get_multi({ "a", "n", "missing" })
	ngx.say("multi: ", res.a[1], " ", res.n[1], " ", tostring(res.missing))
	ngx.say("incr: ", c:incr("n", 1))
	ngx.say("delete: ", c:delete("a"), " ", select(2, c:delete("a")))
	ngx.say("keepalive: ", c:set_keepalive(10000, 10))
} }
location /timeout { content_by_lua_block {
	-- a server that accepts and never answers: the read times out
	local mc = require "memcached"
	local c = assert(mc.new(50))
	assert(c:connect("127.0.0.1", tonumber(ngx.var.arg_port)))
	ngx.say("get: ", select(3, c:get("x")))
} }`, testserver.Options{HTTP: `lua_package_path "` + lib + `/?.lua;;"; lua_socket_log_errors off;`})
	for i, reused := range []string{"0", "1"} {
		_, body, _ := s.Get("/t?port=" + port)
		want := "reused: " + reused + "\nset: 1 1\nadd existing: NOT_STORED\nget: alpha 7\n" +
			"multi: alpha 41 nil\nincr: 42\ndelete: 1 NOT_FOUND\nkeepalive: 1\n"
		if body != want {
			t.Fatalf("request %d: got %q, want %q\n%s", i, body, want, s.ErrorLog())
		}
	}
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	_, body, _ := s.Get("/timeout?port=" + strconv.Itoa(silent.Addr().(*net.TCPAddr).Port))
	if body != "get: timeout\n" {
		t.Fatalf("timeout: got %q", body)
	}
	s.NoErrors()
}
