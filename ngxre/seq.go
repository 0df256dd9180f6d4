package ngxre

import (
	"regexp/syntax"
	"strings"
)

// Most patterns OpenResty code caches are a sequence: literals, character
// classes with counts, groups around parts of it, ^ and $. Routes
// (^/api/v(\d+)/users/(\d+)$), tokens (^Bearer (.+)$), host:port, UUIDs
// and IPv4 addresses all are. When every loop of such a sequence is
// followed by something no character of the loop can start, a
// backtracking matcher never gives a character back: the loop stops at
// the first character outside its class, and giving one back would leave
// the rest of the pattern in front of a character it cannot take. The
// match from a start position is then one left-to-right pass, which a seq
// runs directly on the bytes, without regexp's instruction machine or its
// allocations. It answers only where the Go twin would (ASCII subjects not
// ending in a newline), so its results are the twin's, and a search that
// scans much more than the subject (a loop rescanned from many starts)
// hands over to the twin, which is linear.

// seqOp is one step of a seq.
type seqOp struct {
	kind     uint8
	lit      string     // seqLit: the bytes, lower-cased when fold
	fold     bool       // seqLit: ASCII case-insensitive
	set      *[4]uint64 // seqSet: the bytes it takes
	min, max int        // seqSet: how many (max -1: no limit)
	group    int        // seqOpen, seqClose: the group
}

const (
	seqLit   = iota // a literal string
	seqSet          // min to max bytes of a set, greedy
	seqOpen         // a group starts
	seqClose        // a group ends
	seqBegin        // \A, or ^ without m
	seqEnd          // \z, or $ without m (the twin sees no final newline)
)

// seq is a pattern compiled for the one-pass match above.
type seq struct {
	ops  []seqOp
	ncap int
	// prefix: the pattern starts with this literal (case-sensitive), so a
	// search jumps to where it occurs
	prefix string
	// anchored: the pattern starts with seqBegin
	anchored bool
}

// newSeq compiles a parsed pattern with ncap groups, or returns nil when it
// is not such a sequence.
func newSeq(re *syntax.Regexp, ncap int) *seq {
	q := &seq{ncap: ncap}
	if !q.add(re) || !q.oneWay() {
		return nil
	}
	for _, op := range q.ops {
		if op.kind == seqOpen || op.kind == seqClose {
			continue
		}
		if op.kind == seqLit && !op.fold {
			q.prefix = op.lit
		}
		q.anchored = op.kind == seqBegin
		break
	}
	for i, op := range q.ops {
		if op.kind == seqBegin && i > 0 {
			return nil // ^ after the start: never seen in practice
		}
	}
	return q
}

// add appends the steps of re; false when re is not a sequence.
func (q *seq) add(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpEmptyMatch:
		return true
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			if !q.add(sub) {
				return false
			}
		}
		return true
	case syntax.OpCapture:
		q.ops = append(q.ops, seqOp{kind: seqOpen, group: re.Cap})
		if !q.add(re.Sub[0]) {
			return false
		}
		q.ops = append(q.ops, seqOp{kind: seqClose, group: re.Cap})
		return true
	case syntax.OpBeginText:
		q.ops = append(q.ops, seqOp{kind: seqBegin})
		return true
	case syntax.OpEndText:
		q.ops = append(q.ops, seqOp{kind: seqEnd})
		return true
	case syntax.OpLiteral:
		fold := re.Flags&syntax.FoldCase != 0
		var b strings.Builder
		for _, r := range re.Rune {
			if r >= 0x80 {
				return false
			}
			if fold {
				r = lowerASCII(r)
			}
			b.WriteRune(r)
		}
		q.ops = append(q.ops, seqOp{kind: seqLit, lit: b.String(), fold: fold})
		return true
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return q.addSet(re, 1, 1)
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		if re.Flags&syntax.NonGreedy != 0 {
			return false
		}
		min, max := re.Min, re.Max
		switch re.Op {
		case syntax.OpStar:
			min, max = 0, -1
		case syntax.OpPlus:
			min, max = 1, -1
		case syntax.OpQuest:
			min, max = 0, 1
		}
		return q.addSet(re.Sub[0], min, max)
	}
	return false
}

// addSet appends a loop of one-byte sub-pattern re; false when re takes
// more than one character.
func (q *seq) addSet(re *syntax.Regexp, min, max int) bool {
	set := new([4]uint64)
	switch re.Op {
	case syntax.OpCharClass:
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= re.Rune[i+1] && r < 0x80; r++ {
				set[r>>6] |= 1 << (r & 63)
			}
		}
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		set[0], set[1] = ^uint64(0), ^uint64(0)
		if re.Op == syntax.OpAnyCharNotNL {
			set[0] &^= 1 << '\n'
		}
	case syntax.OpLiteral:
		if len(re.Rune) != 1 || re.Rune[0] >= 0x80 {
			return false
		}
		r := re.Rune[0]
		set[r>>6] |= 1 << (r & 63)
		if re.Flags&syntax.FoldCase != 0 {
			for _, f := range []rune{lowerASCII(r), upperASCII(r)} {
				set[f>>6] |= 1 << (f & 63)
			}
		}
	default:
		return false
	}
	q.ops = append(q.ops, seqOp{kind: seqSet, set: set, min: min, max: max})
	return true
}

// oneWay reports whether no loop can start what follows it: every
// character the rest of the pattern may take first is outside the loop's
// set.
func (q *seq) oneWay() bool {
	for i, op := range q.ops {
		if op.kind != seqSet || op.max == op.min {
			continue
		}
		var first [4]uint64
		q.firstAfter(i, &first)
		for k := range first {
			if first[k]&op.set[k] != 0 {
				return false
			}
		}
	}
	return true
}

// firstAfter collects the bytes the pattern after step i may take first.
func (q *seq) firstAfter(i int, first *[4]uint64) {
	for _, op := range q.ops[i+1:] {
		switch op.kind {
		case seqLit:
			c := rune(op.lit[0])
			first[c>>6] |= 1 << (c & 63)
			if op.fold {
				c = upperASCII(c)
				first[c>>6] |= 1 << (c & 63)
			}
			return
		case seqSet:
			for k := range first {
				first[k] |= op.set[k]
			}
			if op.min > 0 {
				return
			}
		case seqEnd:
			return
		}
	}
}

func lowerASCII(r rune) rune {
	if 'A' <= r && r <= 'Z' {
		return r + 'a' - 'A'
	}
	return r
}

func upperASCII(r rune) rune {
	if 'a' <= r && r <= 'z' {
		return r - 'a' + 'A'
	}
	return r
}

// search finds the leftmost match in s from byte offset start, writing the
// groups' offsets into caps (2*(ncap+1) entries). It returns false, true
// when there is none, and ok false when it gave up after scanning more
// than a few times the subject.
func (q *seq) search(s string, start int, caps []int) (found, ok bool) {
	budget := 4*(len(s)-start) + 64
	for p := start; p <= len(s); p++ {
		if q.prefix != "" {
			i := strings.Index(s[p:], q.prefix)
			if i < 0 {
				return false, true
			}
			p += i
		}
		end, steps := q.matchAt(s, p, caps)
		if end >= 0 {
			caps[0], caps[1] = p, end
			return true, true
		}
		if budget -= steps; budget < 0 {
			return false, false
		}
		if q.anchored {
			return false, true
		}
	}
	return false, true
}

// matchAt runs the steps from position p. It returns the end of the match,
// or -1, and the bytes it looked at.
func (q *seq) matchAt(s string, p int, caps []int) (end, steps int) {
	start := p
	for i := range q.ops {
		op := &q.ops[i]
		switch op.kind {
		case seqLit:
			n := len(op.lit)
			if len(s)-p < n {
				return -1, p - start + 1
			}
			if op.fold {
				for k := 0; k < n; k++ {
					c := s[p+k]
					if 'A' <= c && c <= 'Z' {
						c += 'a' - 'A'
					}
					if c != op.lit[k] {
						return -1, p - start + k + 1
					}
				}
			} else if s[p:p+n] != op.lit {
				return -1, p - start + n
			}
			p += n
		case seqSet:
			k := 0
			for (op.max < 0 || k < op.max) && p+k < len(s) {
				c := s[p+k]
				if op.set[c>>6]&(1<<(c&63)) == 0 {
					break
				}
				k++
			}
			if k < op.min {
				return -1, p - start + k + 1
			}
			p += k
		case seqOpen:
			caps[2*op.group] = p
		case seqClose:
			caps[2*op.group+1] = p
		case seqBegin:
			if p != 0 {
				return -1, 1
			}
		case seqEnd:
			if p != len(s) {
				return -1, p - start + 1
			}
		}
	}
	return p, p - start + 1
}
