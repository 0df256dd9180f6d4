package luavm

import (
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// TestGuardTable: the dispatch table reached by go:linkname has an entry
// for every opcode (a change of gopher-lua's layout fails here), and a VM
// that is no worker's runs on while a worker's run is being stopped.
func TestGuardTable(t *testing.T) {
	for op, f := range jumpTable {
		if f == nil {
			t.Fatalf("gopher-lua's jumpTable has no entry for opcode %d", op)
		}
	}
	stopping.Add(1)
	defer stopping.Add(-1)
	L := lua.NewState()
	defer L.Close()
	if err := L.DoString(`local n = 0 for i = 1, 1000 do n = n + i end
		local function f(k) if k > 0 then return f(k - 1) end return k end
		assert(n == 500500 and f(100) == 0)`); err != nil {
		t.Fatal(err)
	}
}
