package luavm

import (
	"testing"

	"github.com/goresty/goresty/luaapi/stdlib"
)

// TestHandlerChunksStartAtTheMark: handler chunks carry the entry mark, so
// their coroutines start at the chunk itself (runEntry).
func TestHandlerChunksStartAtTheMark(t *testing.T) {
	c, err := NewInlineChunk("content_by_lua(nginx.conf:1)", `ngx.say("x")`)
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.Proto()
	if err != nil || !stdlib.IsEntry(p) {
		t.Fatalf("inline chunk: entry mark %v, %v", stdlib.IsEntry(p), err)
	}
}
