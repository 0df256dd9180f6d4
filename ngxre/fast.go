package ngxre

import (
	"regexp"
	"regexp/syntax"
)

// Go's regexp package matches the patterns most OpenResty code uses
// (routes, header values, tokens) in about half the time regexp2 takes,
// and with PCRE's results wherever both can express the pattern: it too
// picks the leftmost match and, among the matches starting there, the one
// a backtracking matcher finds first, submatches included. A cached ("o")
// regex gets a Go twin when that holds for certain:
//
//   - Go's parser accepts the translated pattern. It refuses back
//     references, lookaround, atomic groups, conditionals, \G and \Z,
//     which regexp2 alone runs; the translation has already written
//     \d, \w, \s and the POSIX classes as PCRE's ASCII ranges.
//   - No loop repeats a sub-pattern that can match the empty string
//     (where Perl and RE2 may leave different submatches), or one that
//     holds another loop or an alternation. Those are the shapes that
//     backtrack without end, where PCRE stops at lua_regex_match_limit
//     with an error that a linear-time matcher would never give.
//   - Case-insensitive patterns are ASCII (Go folds K to the Kelvin sign).
//
// and it is used only for subjects that cannot tell the two apart: ASCII
// (PCRE without "u" sees bytes, Go sees UTF-8), not ending in a newline
// (PCRE's $ also matches before a final one), and for a match from the
// subject's start unless the pattern looks left of where it starts
// (^, \A, \b, \B).

// fastTwins turns the twins off for tests that compare.
var fastTwins = true

// fastTwin is a Regex's Go twin and what it needs to know about it.
type fastTwin struct {
	re *regexp.Regexp
	// seq: the pattern as a one-pass sequence (seq.go), nil if it is not one
	seq *seq
	// leftContext: the pattern has an assertion that looks at the text
	// before the match (^, \A, \b, \B), so the twin matches only from 0
	leftContext bool
}

// newFastTwin returns the Go twin of the translated pattern p, or nil.
func newFastTwin(p string, o Options, ncap int) *fastTwin {
	if o.Caseless && !isASCII(p) {
		return nil
	}
	flags := ""
	if o.Caseless {
		flags += "i"
	}
	if o.Multiline {
		flags += "m"
	}
	if o.Dotall {
		flags += "s"
	}
	if o.Anchored {
		p = `\A(?:` + p + `)`
	}
	if flags != "" {
		p = "(?" + flags + ")" + p
	}
	tree, err := syntax.Parse(p, syntax.Perl)
	if err != nil || !linear(tree) {
		return nil
	}
	re, err := regexp.Compile(p)
	if err != nil || re.NumSubexp() != ncap {
		return nil
	}
	return &fastTwin{re: re, seq: newSeq(tree, ncap), leftContext: looksLeft(tree)}
}

// exec matches s from byte offset start into caps as Regex.Exec does; ok
// false means the twin cannot tell for this subject and regexp2 must.
func (f *fastTwin) exec(s string, start int, caps []int) (res []int, ok bool) {
	if start > 0 && f.leftContext || len(s) > 0 && s[len(s)-1] == '\n' || !isASCII(s) {
		return nil, false
	}
	if f.seq != nil {
		n := 2 * (f.seq.ncap + 1)
		if cap(caps) < n {
			caps = make([]int, n)
		}
		caps = caps[:n]
		if found, ok := f.seq.search(s, start, caps); ok {
			if !found {
				return nil, true
			}
			return caps, true
		}
	}
	loc := f.re.FindStringSubmatchIndex(s[start:])
	if loc == nil {
		return nil, true
	}
	if cap(caps) < len(loc) {
		caps = make([]int, len(loc))
	}
	caps = caps[:len(loc)]
	for i, v := range loc {
		if v >= 0 {
			v += start
		}
		caps[i] = v
	}
	return caps, true
}

// linear reports whether no loop of re repeats a sub-pattern that can
// match the empty string or holds a loop or an alternation.
func linear(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpStar, syntax.OpPlus, syntax.OpRepeat:
		sub := re.Sub[0]
		if re.Op == syntax.OpRepeat && re.Max == 1 {
			if matchesEmpty(sub) {
				return false
			}
			break
		}
		if matchesEmpty(sub) || branches(sub) {
			return false
		}
	case syntax.OpQuest:
		if matchesEmpty(re.Sub[0]) {
			return false
		}
	}
	for _, sub := range re.Sub {
		if !linear(sub) {
			return false
		}
	}
	return true
}

// branches reports whether re holds a loop or an alternation.
func branches(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpStar, syntax.OpPlus, syntax.OpAlternate:
		return true
	case syntax.OpRepeat:
		if re.Max != 1 {
			return true
		}
	}
	for _, sub := range re.Sub {
		if branches(sub) {
			return true
		}
	}
	return false
}

// matchesEmpty reports whether re can match the empty string.
func matchesEmpty(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpLiteral:
		return len(re.Rune) == 0
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL, syntax.OpNoMatch:
		return false
	case syntax.OpCapture, syntax.OpPlus:
		return matchesEmpty(re.Sub[0])
	case syntax.OpRepeat:
		return re.Min == 0 || matchesEmpty(re.Sub[0])
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			if !matchesEmpty(sub) {
				return false
			}
		}
		return true
	case syntax.OpAlternate:
		for _, sub := range re.Sub {
			if matchesEmpty(sub) {
				return true
			}
		}
		return false
	}
	return true // the empty match, the assertions, star and quest
}

// looksLeft reports whether re asserts something about the text before a
// position: ^, \A, \b, \B.
func looksLeft(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpBeginLine, syntax.OpBeginText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return true
	}
	for _, sub := range re.Sub {
		if looksLeft(sub) {
			return true
		}
	}
	return false
}
