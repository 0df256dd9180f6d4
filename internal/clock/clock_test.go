package clock

import (
	"testing"
	"time"
)

// Now stays within a few microseconds of time.Now, across a resync, and
// its times carry a monotonic reading (durations between them are exact).
func TestNowFollowsTimeNow(t *testing.T) {
	deadline := time.Now().Add(2500 * time.Millisecond) // more than two bases
	prev := Now()
	for n := 0; time.Now().Before(deadline); n++ {
		before := time.Now()
		got := Now()
		after := time.Now()
		if got.Before(before.Add(-50*time.Microsecond)) || got.After(after.Add(50*time.Microsecond)) {
			t.Fatalf("Now %v outside [%v, %v]", got, before, after)
		}
		if got.Sub(prev) < 0 {
			t.Fatalf("Now went back: %v after %v", got, prev)
		}
		if got.Round(0) == got {
			t.Fatal("Now has no monotonic reading")
		}
		prev = got
		if n%1000 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
}

func BenchmarkNow(b *testing.B) {
	for b.Loop() {
		Now()
	}
}

func BenchmarkTimeNow(b *testing.B) {
	for b.Loop() {
		time.Now()
	}
}
