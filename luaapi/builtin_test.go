package luaapi

import "testing"

// TestBuiltinsCompileOnce: every module shipped as Lua source compiles,
// and once: the workers share its prototype.
func TestBuiltinsCompileOnce(t *testing.T) {
	for _, b := range []*builtin{jitUUIDModule, limitReqModule, lockModule, websocketProtocolModule} {
		p, err := b.compiled()
		if err != nil || p == nil {
			t.Fatalf("%s: %v", b.name, err)
		}
		if again, _ := b.compiled(); again != p {
			t.Errorf("%s was compiled twice", b.name)
		}
	}
}
