package stdlib

import (
	"runtime"
	"strconv"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// The one-block strings must stay intact through garbage collections,
// whether the collector reaches them through the Lua value or only through
// a Go string taken out of it.
func TestStringBlockSurvivesGC(t *testing.T) {
	const n = 2000
	vals := make([]lua.LValue, n)
	strs := make([]string, n)
	for i := range vals {
		want := "s" + strconv.Itoa(i*7919)
		blk := newStringBlock(len(want) + 5) // room to spare, as for numbers
		blk.SetBytes(append(blk.Bytes(), want...))
		vals[i] = blk.Value()
		if i%2 == 0 {
			strs[i] = string(vals[i].(lua.LString))
			vals[i] = nil // only the Go string keeps the block now
		}
	}
	for round := 0; round < 3; round++ {
		runtime.GC()
		garbage := make([][]byte, 0, 1000)
		for i := 0; i < 1000; i++ {
			garbage = append(garbage, make([]byte, 32)) // reuse freed memory if any was freed wrongly
		}
		_ = garbage
		for i := range vals {
			want := "s" + strconv.Itoa(i*7919)
			var got string
			if i%2 == 0 {
				got = strs[i]
			} else {
				got = string(vals[i].(lua.LString))
			}
			if got != want {
				t.Fatalf("round %d: string %d is %q, want %q", round, i, got, want)
			}
		}
	}
	if v := vals[1]; v.Type() != lua.LTString || v != lua.LValue(lua.LString("s7919")) || v.String() != "s7919" {
		t.Fatalf("value %#v does not behave as the LString s7919", v)
	}
	m := map[lua.LValue]int{lua.LString("s7919"): 1}
	if m[vals[1]] != 1 {
		t.Fatal("a one-block string does not find its equal as a map key")
	}
	empty := newStringBlock(0)
	if v := empty.Value(); v != lua.LValue(lua.LString("")) {
		t.Fatalf("empty block gives %#v", v)
	}
}

// table.concat still refuses a value it cannot join, even when every
// other part is empty.
func TestTableConcatBadValueWithEmptyParts(t *testing.T) {
	L := newState(t)
	err := L.DoString(`return table.concat({{}})`)
	if err == nil || !strings.Contains(err.Error(), "invalid value (table) at index 1 in table for 'concat'") {
		t.Fatalf("table.concat({{}}) gave %v", err)
	}
	if err := L.DoString(`assert(table.concat({"", ""}) == "" and table.concat({"a", 1.5, "b"}, "-") == "a-1.5-b")`); err != nil {
		t.Fatal(err)
	}
}
