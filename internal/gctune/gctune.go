// Package gctune sets the Go collector's pace for a server whose live heap
// is small most of the time and large at times (many requests parked).
//
// Go's default (GOGC=100) collects when the heap has grown by as much as
// is live. goresty's live heap is a few megabytes under a steady load of
// short requests, so the collector ran every few megabytes of allocation:
// every few milliseconds at tens of thousands of requests per second. A
// larger GOGC makes that rarer but also multiplies the heap of a process
// holding thousands of parked requests. So after every collection the
// percentage is set for the next one: the heap may grow by the larger of
// the live heap (GOGC=100) and a fixed headroom (16 MB by default). A
// small live heap then grows by the headroom between collections; a large
// one is collected as by default.
//
// An explicit GOGC in the environment is left alone; GOMEMLIMIT applies
// as always.
package gctune

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
)

// heapMinimum is the Go runtime's smallest heap goal at GOGC=100; it
// scales with GOGC.
const heapMinimum = 4 << 20

// Percent returns the GOGC percentage that lets a heap of live bytes grow
// by the larger of live and headroom before the next collection: never
// below 100, and low enough that the runtime's minimum heap (4 MB times
// GOGC/100) stays within live + headroom.
func Percent(live, headroom int64) int {
	if live <= 0 {
		live = 1
	}
	p := headroom * 100 / live
	if ceil := (live + headroom) * 100 / heapMinimum; p > ceil {
		p = ceil
	}
	return int(min(max(p, 100), 1<<20))
}

// Tuner adjusts GOGC after every collection until Stop.
type Tuner struct {
	headroom int64
	stopped  atomic.Bool
	sample   []metrics.Sample
	last     atomic.Int64 // the percentage set last
}

// Start begins tuning with the given headroom in bytes; it returns nil
// (no tuning) when GOGC is set in the environment or headroom is not
// positive.
func Start(headroom int64) *Tuner {
	if headroom <= 0 || os.Getenv("GOGC") != "" {
		return nil
	}
	t := &Tuner{headroom: headroom, sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	t.adjust()
	t.arm()
	return t
}

// Stop ends the tuning; the percentage set last stays.
func (t *Tuner) Stop() {
	if t != nil {
		t.stopped.Store(true)
	}
}

// Last is the percentage set last.
func (t *Tuner) Last() int { return int(t.last.Load()) }

// arm puts an object on the heap whose finalizer runs after the next
// collection that finds it unreachable, that is after every collection.
func (t *Tuner) arm() {
	s := new([16]byte)
	runtime.SetFinalizer(s, func(*[16]byte) {
		if t.stopped.Load() {
			return
		}
		t.adjust()
		t.arm()
	})
}

func (t *Tuner) adjust() {
	metrics.Read(t.sample)
	live := int64(0)
	if v := t.sample[0].Value; v.Kind() == metrics.KindUint64 {
		live = int64(v.Uint64())
	}
	p := Percent(live, t.headroom)
	if int64(p) != t.last.Load() {
		debug.SetGCPercent(p)
		t.last.Store(int64(p))
	}
}
