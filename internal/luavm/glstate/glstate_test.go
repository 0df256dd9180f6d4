package glstate

import (
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// TestLayout reads a Go function's own frame and arguments while it runs,
// and its Lua caller's frame.
func TestLayout(t *testing.T) {
	if !Readable() {
		t.Fatal("gopher-lua's frames and registers are not where glstate looks: check its layout")
	}
	L := lua.NewState()
	defer L.Close()
	var seen bool
	var probe *lua.LFunction
	probe = L.NewFunction(func(L *lua.LState) int {
		f := CurrentFrame(L)
		if f.Fn() != probe {
			t.Errorf("the running frame's function is %v, want the probe", f.Fn())
		}
		regs, top := Registers(L)
		base := f.LocalBase()
		if *top != base+L.GetTop() {
			t.Errorf("top %d, want local base %d + %d arguments", *top, base, L.GetTop())
		}
		for i := 1; i <= L.GetTop(); i++ {
			if (*regs)[base+i-1] != L.Get(i) {
				t.Errorf("register of argument %d is %v, want %v", i, (*regs)[base+i-1], L.Get(i))
			}
		}
		caller := f.Parent()
		if caller.Nil() || caller.Fn() == nil || caller.Fn().IsG {
			t.Fatal("the caller's frame is not the Lua chunk")
		}
		// the caller's next instruction follows the CALL that runs the probe
		if op := int(caller.Fn().Proto.Code[caller.Pc()-1] >> OpShift); op != lua.OP_CALL {
			t.Errorf("the caller's last instruction is opcode %d, want CALL", op)
		}
		seen = true
		return 0
	})
	L.SetGlobal("probe", probe)
	if err := L.DoString(`local a, b = "x", 2; probe(a, b, "three")`); err != nil {
		t.Fatal(err)
	}
	if !seen {
		t.Fatal("the probe did not run")
	}
	if JumpTable[lua.OP_CALL] == nil {
		t.Fatal("gopher-lua's dispatch table has no CALL entry")
	}
}

// TestPrepareTable fills a prepared table from Go and reads it from Lua.
func TestPrepareTable(t *testing.T) {
	var blk struct {
		t    lua.LTable
		arr  [2]lua.LValue
		keys [1]lua.LValue
	}
	if !PrepareTable(&blk.t, blk.arr[:], blk.keys[:], lua.LString("zero")) {
		t.Fatal("gopher-lua's table layout is not the known one")
	}
	blk.t.RawSetInt(1, lua.LString("one"))
	blk.t.RawSetInt(2, lua.LString("two"))
	if blk.arr[1] != lua.LString("two") || blk.keys[0] != lua.LNumber(0) {
		t.Errorf("the table's parts are not in the given memory: %v %v", blk.arr, blk.keys)
	}
	L := lua.NewState()
	defer L.Close()
	L.SetGlobal("t", &blk.t)
	err := L.DoString(`
		t.x = "ex" t[3] = "three" t[-1] = "minus"
		local n = 0 for k, v in pairs(t) do n = n + 1 end
		assert(n == 6 and #t == 3 and t[0] == "zero" and t.x == "ex" and t[-1] == "minus" and getmetatable(t) == nil, n)
		t[0] = nil
		n = 0 for k, v in pairs(t) do n = n + 1 end
		assert(n == 5 and t[0] == nil, n)`)
	if err != nil {
		t.Fatal(err)
	}
}

// TestPrepareTableKeepsTemplates: a table's key 0 index is its own.
func TestPrepareTableKeepsTemplates(t *testing.T) {
	var a, b lua.LTable
	var ka, kb [1]lua.LValue
	PrepareTable(&a, nil, ka[:], lua.LTrue)
	PrepareTable(&b, nil, kb[:], lua.LFalse)
	a.RawSetString("k", lua.LString("v"))
	if len(zeroIndex) != 1 || b.RawGetString("k") != lua.LNil || a.RawGet(lua.LNumber(0)) != lua.LTrue || b.RawGet(lua.LNumber(0)) != lua.LFalse {
		t.Fatalf("tables share their hash parts: template %v", zeroIndex)
	}
	n := 0
	for k, _ := b.Next(lua.LNil); k != lua.LNil; k, _ = b.Next(k) {
		n++
	}
	if n != 1 {
		t.Fatalf("the second table iterates %d keys, want 1", n)
	}
}

// TestSetString: a table filled with SetString, presized or not, reads
// and iterates as one filled with RawSetString, and later RawSetString
// calls on it keep its key list whole.
func TestSetString(t *testing.T) {
	for _, presize := range []int{-1, 0, 2, 8} {
		var tb lua.LTable
		tb.Metatable = lua.LNil
		if presize >= 0 && !PresizeStrings(&tb, presize) {
			t.Fatal("gopher-lua's table layout is not the known one")
		}
		for i, k := range []string{"host", "user-agent", "accept", "host"} {
			if !SetString(&tb, k, lua.LString(k), lua.LNumber(i)) {
				t.Fatal("gopher-lua's table layout is not the known one")
			}
		}
		tb.RawSetString("x-late", lua.LTrue)
		tb.RawSetInt(1, lua.LFalse)
		seen := map[string]lua.LValue{}
		n := 0
		for k, v := tb.Next(lua.LNil); k != lua.LNil; k, v = tb.Next(k) {
			seen[k.String()] = v
			if n++; n > 10 {
				t.Fatal("iteration does not end")
			}
		}
		want := map[string]lua.LValue{"1": lua.LFalse, "host": lua.LNumber(3), "user-agent": lua.LNumber(1),
			"accept": lua.LNumber(2), "x-late": lua.LTrue}
		if len(seen) != len(want) || n != len(want) {
			t.Errorf("presize %d: iterated %v (%d steps), want %v", presize, seen, n, want)
		}
		for k, v := range want {
			if seen[k] != v || k != "1" && tb.RawGetString(k) != v {
				t.Errorf("presize %d: [%s] = %v / %v, want %v", presize, k, seen[k], tb.RawGetString(k), v)
			}
		}
	}
}
