package stdlib

import (
	"math"
	"strconv"
	"testing"
)

// appendInt32 writes what strconv does, at the edges of 32 bits too.
func TestAppendInt32(t *testing.T) {
	for _, n := range []int64{0, 1, -1, 9, 10, -10, 99, 100, 12345, -987654, math.MaxInt32, math.MinInt32, math.MaxInt32 - 1, math.MinInt32 + 1} {
		if got, want := string(appendInt32([]byte("x"), n)), "x"+strconv.FormatInt(n, 10); got != want {
			t.Errorf("%d: %q, want %q", n, got, want)
		}
	}
}

// AppendNumber prints integers as strconv does (its fast path below 1000
// included), -0 as LuaJIT does, and fractions as %.14g.
func TestAppendNumberIntegers(t *testing.T) {
	for n := -1100; n <= 1100; n++ {
		for _, f := range []float64{float64(n), float64(n) + 0.5} {
			want := strconv.FormatFloat(f, 'g', 14, 64)
			if f == math.Trunc(f) {
				want = strconv.FormatInt(int64(f), 10)
			}
			if got := string(AppendNumber([]byte("x"), f)); got != "x"+want {
				t.Fatalf("%v: %q, want %q", f, got, "x"+want)
			}
		}
	}
	if got := FormatNumber(math.Copysign(0, -1)); got != "-0" {
		t.Errorf("-0: %q", got)
	}
	if got := FormatNumber(999.9999999999999); got != "1000" {
		t.Errorf("999.9999999999999: %q, want %%.14g's 1000", got)
	}
}
