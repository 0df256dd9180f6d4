package gctune

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestPercent(t *testing.T) {
	const mb = 1 << 20
	for _, c := range []struct {
		live, headroom int64
		want           int
	}{
		{2 * mb, 64 * mb, 1650},   // capped: 4 MB x 16.5 = 66 MB = live + headroom
		{16 * mb, 64 * mb, 400},   // 16 + 64 = 80 MB
		{64 * mb, 64 * mb, 100},   // as large as the headroom: the default
		{300 * mb, 64 * mb, 100},  // larger: never below the default
		{0, 64 * mb, 1600},        // nothing live yet
		{8 * mb, 16 * mb, 200},    // 8 + 16 = 24 MB
		{100 * mb, 256 * mb, 256}, // 100 + 256 = 356 MB
	} {
		if got := Percent(c.live, c.headroom); got != c.want {
			t.Errorf("Percent(%d MB, %d MB) = %d, want %d", c.live/mb, c.headroom/mb, got, c.want)
		}
		// the goal never passes live + headroom when that is more than twice live
		p := int64(Percent(c.live, c.headroom))
		goal := max(c.live*(100+p)/100, heapMinimum*p/100)
		if limit := max(c.live+c.headroom, 2*c.live, heapMinimum); goal > limit+limit/100 {
			t.Errorf("live %d MB, headroom %d MB: goal %d MB over %d MB", c.live/mb, c.headroom/mb, goal/mb, limit/mb)
		}
	}
}

// After a collection the tuner has set GOGC from the live heap; with GOGC
// in the environment it does nothing.
func TestTunerFollowsCollections(t *testing.T) {
	t.Setenv("GOGC", "")
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	tu := Start(64 << 20)
	if tu == nil {
		t.Fatal("no tuner without GOGC")
	}
	defer tu.Stop()
	debug.SetGCPercent(100)
	tu.last.Store(100)
	for i := 0; i < 50 && tu.Last() == 100; i++ {
		runtime.GC()
		time.Sleep(10 * time.Millisecond) // finalizers run on their own goroutine
	}
	got := debug.SetGCPercent(100)
	debug.SetGCPercent(got)
	if got <= 100 || got != tu.Last() {
		t.Errorf("GOGC after collections: %d (tuner set %d), want more than 100 for a small test heap", got, tu.Last())
	}
	t.Setenv("GOGC", "200")
	if Start(64<<20) != nil {
		t.Error("a tuner started though GOGC is set")
	}
}
