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

// intended lists cases where goresty differs from LuaJIT on purpose or
// cannot match it; the value is goresty's expected output.
var intended = map[string]string{
	// ffi is a stub: every ffi call raises so pcall-guarded code falls back.
	`local ffi = require "ffi" return pcall(ffi.cdef, "int x;")`:                                   "true false ffi.cdef is not supported by goresty",
	`local ok, err = pcall(function() local ffi = require "ffi" ffi.cdef[[int x;]] end) return ok`: "true false",
	// LuaJIT reports its reader error as "not enough memory".
	`return load(function() return 1 end)`: "true nil reader function must return a string",
	// no jit table and no package.searchpath in gopher-lua (see COMPAT-NOTES.md).
	`return type(table.pack), type(table.unpack), type(math.pow), type(string.gfind), type(table.getn), type(table.maxn), type(setfenv), type(math.mod), type(bit32), type(rawlen), type(package.searchpath), type(table.foreachi), _VERSION, type(newproxy), type(gcinfo), type(module), type(rawequal), type(xpcall), type(jit)`: "true nil nil function nil function function function nil nil nil nil function Lua 5.1 function function function function function nil",
}

func TestAgainstLuaJIT(t *testing.T) {
	for _, tc := range luajitCases {
		t.Run(tc.group+"/"+tc.code, func(t *testing.T) {
			L := newState(t)
			want, source := tc.want, "LuaJIT"
			if w, ok := intended[tc.code]; ok {
				want, source = w, "intended difference"
			}
			if got := runCase(t, L, tc.code); got != want {
				t.Errorf("got  %q\nwant %q (%s)", got, want, source)
			}
		})
	}
}
