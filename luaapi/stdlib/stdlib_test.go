package stdlib

import (
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// harness runs a case the same way on LuaJIT and here: compile with
// loadstring as chunk "=t", pcall it, tostring every result, join with " ".
const harness = `
local code = ...
local function pack(...) return {n = select('#', ...), ...} end
local f, err = loadstring(code, "=t")
if not f then return "compile: " .. tostring(err) end
local r = pack(pcall(f))
local out = {}
for i = 1, r.n do out[i] = tostring(r[i]) end
return table.concat(out, " ")
`

// newState returns a state opened as goresty will: registry sized for
// LuaJIT's 8000-result limit, Open and Preload applied.
func newState(t testing.TB) *lua.LState {
	t.Helper()
	L := lua.NewState(lua.Options{RegistrySize: 1024, RegistryMaxSize: 1 << 16, RegistryGrowStep: 1024})
	Open(L)
	Preload(L)
	t.Cleanup(L.Close)
	return L
}

func runCase(t *testing.T, L *lua.LState, code string) string {
	t.Helper()
	fn, err := L.LoadString(harness)
	if err != nil {
		t.Fatal(err)
	}
	L.Push(fn)
	L.Push(lua.LString(code))
	if err := L.PCall(1, 1, nil); err != nil {
		t.Fatalf("harness failed: %v", err)
	}
	got := L.Get(-1).String()
	L.Pop(1)
	return got
}

func TestAgainstLuaJIT(t *testing.T) {
	for _, tc := range luajitCases {
		t.Run(tc.group+"/"+tc.code, func(t *testing.T) {
			L := newState(t)
			if got := runCase(t, L, tc.code); got != tc.want {
				t.Errorf("got  %q\nwant %q (LuaJIT)", got, tc.want)
			}
		})
	}
}
