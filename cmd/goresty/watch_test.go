package main_test

import (
	"os"
	"strings"
	"testing"
)

// With "auto_reload on", editing the configuration or a Lua file reloads
// goresty without a signal; a broken edit keeps the old configuration.
func TestAutoReload(t *testing.T) {
	port := freePort(t)
	conf := "auto_reload on;\n" + strings.Replace(serveConfig("one"), `location /slow`,
		`location /lua { content_by_lua_file lua/v.lua; }
    location /slow`, 1)
	dir := prefix(t, conf, port)
	if err := os.MkdirAll(dir+"lua", 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir+"lua/v.lua", `ngx.say("lua one")`)
	s := start(t, dir, port, "-g", foreground)
	if got := mustGet(t, s.addr, "/lua"); got != "lua one\n" {
		t.Fatalf("GET /lua = %q", got)
	}
	writeFile(t, dir+"lua/v.lua", `ngx.say("lua two")`)
	waitFor(t, "the Lua file's new output", func() bool {
		_, body, err := get(s.addr, "/lua")
		return err == nil && body == "lua two\n"
	})
	rewriteConf(t, dir, port, strings.Replace(conf, `"one\n"`, `"two\n"`, 1))
	waitBody(t, dir, s.addr, "two\n")
	rewriteConf(t, dir, port, conf+"foo;\n")
	waitFor(t, "[emerg] for the broken edit", func() bool {
		return strings.Contains(readFile(t, dir+"logs/error.log"), `unknown directive "foo"`)
	})
	if got := mustGet(t, s.addr, "/"); got != "two\n" {
		t.Errorf("after a broken edit GET / = %q, want the old configuration's two", got)
	}
}
