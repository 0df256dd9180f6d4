package stdlib

import (
	"math"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

func TestFormatNumber(t *testing.T) {
	// want values printed by LuaJIT 2.1 (OpenResty luajit2 2.1-20230119) tostring.
	tests := []struct {
		in   float64
		want string
	}{
		{0.1 + 0.2, "0.3"}, {1e15, "1e+15"}, {1e14, "1e+14"}, {99999999999999, "99999999999999"},
		{1700000000.123, "1700000000.123"}, {math.Copysign(0, -1), "-0"}, {0, "0"},
		{math.NaN(), "nan"}, {math.Inf(1), "inf"}, {math.Inf(-1), "-inf"}, {1.0 / 3, "0.33333333333333"},
		{1e-5, "1e-05"}, {math.Pow(2, 63), "9.2233720368548e+18"}, {-1.5e-7, "-1.5e-07"}, {2147483648, "2147483648"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := FormatNumber(tt.in); got != tt.want {
				t.Errorf("FormatNumber(%v) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name, src, chunk, want string
	}{
		{"luasrc escape", `return "\q"`, "=c", `c:1: invalid escape sequence near '"'`},
		{"eof", "x =", "=c", "c:1: unexpected symbol near '<eof>'"},
		{"string chunk id", "x =", "x =", `[string "x ="]:1: unexpected symbol near '<eof>'`},
		{"file chunk id", "x =", "@/a/b.lua", "/a/b.lua:1: unexpected symbol near '<eof>'"},
		{"multi-line chunk id", "local a\nx =", "local a\nx =", `[string "local a..."]:2: unexpected symbol near '<eof>'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile([]byte(tt.src), tt.chunk)
			if err == nil || err.Error() != tt.want {
				t.Errorf("Compile error = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestRuntimeErrorLine checks that a \z swallowing newlines keeps the line
// of later code (LuaJIT reports c:3: boom).
func TestRuntimeErrorLine(t *testing.T) {
	L := newState(t)
	err := L.DoString(`local f = load("local s = 'a\\z\n\n  b' error(s .. 'oom')", "=c") f()`)
	if err == nil || !strings.Contains(err.Error(), "c:3: aboom") {
		t.Errorf("error = %v, want c:3: aboom", err)
	}
}

// TestUnpackRegistry documents the registry size unpack needs: with
// gopher-lua's default fixed registry (5120 slots) 7999 results overflow.
func TestUnpackRegistry(t *testing.T) {
	code := `local t = {} for i = 1, 7999 do t[i] = i end
		local function n(...) return select('#', ...) end return n(unpack(t))`
	t.Run("default registry overflows", func(t *testing.T) {
		L := lua.NewState()
		defer L.Close()
		Open(L)
		if err := L.DoString(code); err == nil || !strings.Contains(err.Error(), "registry overflow") {
			t.Errorf("err = %v, want registry overflow", err)
		}
	})
	t.Run("growing registry", func(t *testing.T) {
		L := newState(t)
		if err := L.DoString(code); err != nil {
			t.Fatal(err)
		}
		if got := L.Get(-1); got != lua.LNumber(7999) {
			t.Errorf("got %v, want 7999", got)
		}
	})
}

func TestPrintUsesTostring(t *testing.T) {
	L := newState(t)
	err := L.DoString(`local got
		tostring = function(v) got = v return "x" end
		print(0.5)
		assert(got == 0.5)`)
	if err != nil {
		t.Fatal(err)
	}
}

func BenchmarkFormatNumber(b *testing.B) {
	b.ReportAllocs()
	buf := make([]byte, 0, 32)
	for b.Loop() {
		buf = AppendNumber(buf[:0], 1700000000.123)
		buf = AppendNumber(buf[:0], 42)
	}
}

func BenchmarkStringFormat(b *testing.B) {
	L := newState(b)
	fn, err := L.LoadString(`local f = string.format return function() return f("%s=%d %.2f %5s", "k", 42, 3.14159, "v") end`)
	if err != nil {
		b.Fatal(err)
	}
	L.Push(fn)
	L.Call(0, 1)
	inner := L.Get(-1)
	L.Pop(1)
	b.ReportAllocs()
	for b.Loop() {
		L.Push(inner)
		L.Call(0, 1)
		L.Pop(1)
	}
}

func BenchmarkTableConcat100k(b *testing.B) {
	L := newState(b)
	if err := L.DoString(`T = {} for i = 1, 100000 do T[i] = i % 2 == 0 and "ab" or i end`); err != nil {
		b.Fatal(err)
	}
	concat := L.GetField(L.GetGlobal("table"), "concat")
	tbl := L.GetGlobal("T")
	b.ReportAllocs()
	for b.Loop() {
		L.Push(concat)
		L.Push(tbl)
		L.Push(lua.LString(","))
		L.Call(2, 1)
		L.Pop(1)
	}
}

// BenchmarkHeapCount compares the runtime/metrics read behind
// collectgarbage("count") with runtime.ReadMemStats.
func BenchmarkHeapCount(b *testing.B) {
	b.Run("metrics", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = heapKB()
		}
	})
	b.Run("ReadMemStats", func(b *testing.B) {
		b.ReportAllocs()
		var ms runtime.MemStats
		for b.Loop() {
			runtime.ReadMemStats(&ms)
		}
	})
	_ = metrics.All
}
