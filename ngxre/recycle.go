package ngxre

import (
	"reflect"
	"sync"
	"unsafe"

	"github.com/dlclark/regexp2"
)

// regexp2 gives every successful match a new Match: the struct, its capture
// tables and a slice per group, six allocations for two groups and about a
// third of the time of a short match. A runner (regexp2's pooled matching
// machine) only allocates one when it holds none: the Match of a failed
// search stays with it and is reset for the next search. recycle puts a
// Match whose spans Exec has read back into an idle runner of its Regexp,
// so the next search reuses it the same way.
//
// It needs three unexported fields (Regexp.muRun, Regexp.runner and
// runner.runmatch); when they are missing or of other types (another
// regexp2 version), recycling is off and every match allocates as before.
// TestRecycle checks it is on and that reused Matches give the same results.
var (
	muRunOff, runnersOff, runmatchOff uintptr
	recycling                         = initRecycling()
)

func initRecycling() bool {
	// A recycled Match must not carry Groups built by GroupByNumber, which
	// the slow group path caches in it.
	if !fastGroups {
		return false
	}
	t := reflect.TypeOf(regexp2.Regexp{})
	mu, ok1 := t.FieldByName("muRun")
	rs, ok2 := t.FieldByName("runner")
	if !ok1 || !ok2 || mu.Type != reflect.TypeOf((*sync.Mutex)(nil)) || rs.Type.Kind() != reflect.Slice ||
		rs.Type.Elem().Kind() != reflect.Pointer || rs.Type.Elem().Elem().Kind() != reflect.Struct {
		return false
	}
	rm, ok3 := rs.Type.Elem().Elem().FieldByName("runmatch")
	if !ok3 || rm.Type != reflect.TypeOf((*regexp2.Match)(nil)) {
		return false
	}
	muRunOff, runnersOff, runmatchOff = mu.Offset, rs.Offset, rm.Offset
	return true
}

// recycle gives m, a Match that re returned and that nobody reads any more,
// to the most recently pooled runner of re that has no Match (the one the
// next search takes); it drops m when every pooled runner has one.
func recycle(re *regexp2.Regexp, m *regexp2.Match) {
	m.Captures = nil // the only part of the result that tidy does not overwrite in place
	mu := *(**sync.Mutex)(unsafe.Add(unsafe.Pointer(re), muRunOff))
	mu.Lock()
	runners := *(*[]unsafe.Pointer)(unsafe.Add(unsafe.Pointer(re), runnersOff))
	for i := len(runners) - 1; i >= 0; i-- {
		slot := (**regexp2.Match)(unsafe.Add(runners[i], runmatchOff))
		if *slot == nil {
			*slot = m
			break
		}
	}
	mu.Unlock()
}
