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
