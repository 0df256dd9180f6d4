package ngxre

import (
	"reflect"
	"unsafe"

	"github.com/dlclark/regexp2"
)

// regexp2 only exposes groups through Match.GroupByNumber, which builds a
// Group (with its name and a Captures slice) for every group of the pattern:
// a fifth of the time of a short match. groupSpan reads the raw spans from
// the Match instead, when the fields it needs have the expected types;
// otherwise (another regexp2 version) it falls back to GroupByNumber.
// TestGroupSpanFallback checks both paths agree.
var (
	matchesOff, countsOff uintptr
	fastGroups            = initFastGroups()
)

func initFastGroups() bool {
	t := reflect.TypeOf(regexp2.Match{})
	m, ok1 := t.FieldByName("matches")
	c, ok2 := t.FieldByName("matchcount")
	s, ok3 := t.FieldByName("sparseCaps")
	if !ok1 || !ok2 || !ok3 || m.Type != reflect.TypeOf([][]int(nil)) || c.Type != reflect.TypeOf([]int(nil)) ||
		s.Type.Kind() != reflect.Map {
		return false
	}
	matchesOff, countsOff = m.Offset, c.Offset
	return true
}

// groupSpan returns the rune index and length of the last capture of group
// i, ok false when the group did not take part in the match.
func groupSpan(m *regexp2.Match, i int, fast bool) (index, length int, ok bool) {
	if fast {
		matches := *(*[][]int)(unsafe.Add(unsafe.Pointer(m), matchesOff))
		counts := *(*[]int)(unsafe.Add(unsafe.Pointer(m), countsOff))
		if i >= len(counts) || counts[i] == 0 {
			return 0, 0, false
		}
		n := counts[i]
		return matches[i][(n-1)*2], matches[i][n*2-1], true
	}
	g := m.GroupByNumber(i)
	if g == nil || len(g.Captures) == 0 {
		return 0, 0, false
	}
	return g.Index, g.Length, true
}
