package ngxre

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/dlclark/regexp2"
)

// DefaultMatchLimit is PCRE's default match limit, used when the configured
// lua_regex_match_limit is 0.
const DefaultMatchLimit = 10000000

// StepCost is the time budget given to one PCRE match step: a match limit of
// N becomes a regexp2 MatchTimeout of N*StepCost (1 s for the default limit).
// regexp2 checks timeouts on a ~100 ms clock, so small limits round up.
const StepCost = 100 * time.Nanosecond

// CompileError is a pattern that does not compile.
type CompileError struct {
	Msg     string
	Pattern string
	Offset  int // byte offset of the error in Pattern, -1 when unknown
}

// Error returns the text OpenResty returns:
// pcre_compile() failed: MSG in "PATTERN"[ at "REST"].
func (e *CompileError) Error() string {
	s := "pcre_compile() failed: " + e.Msg + ` in "` + e.Pattern + `"`
	if e.Offset >= 0 && e.Offset < len(e.Pattern) {
		s += ` at "` + e.Pattern[e.Offset:] + `"`
	}
	return s
}

// ExecError is a failed match, with PCRE's error code
// (-8 match limit, -10 bad UTF-8 subject, -11 bad UTF-8 offset).
type ExecError struct{ Code int }

// Error returns the text OpenResty returns: pcre_exec() failed: -8.
func (e *ExecError) Error() string { return "pcre_exec() failed: " + strconv.Itoa(e.Code) }

// PCRE exec error codes goresty reports.
const (
	ErrCodeMatchLimit = -8
	ErrCodeBadUTF8    = -10
	ErrCodeBadOffset  = -11
)

// Regex is a compiled pattern. It is safe for concurrent use.
type Regex struct {
	re        *regexp2.Regexp
	fast      *fastTwin // Go's regexp where it matches as PCRE does (fast.go), nil if none
	opts      Options
	ncap      int
	names     map[string][]int
	nameOrder []string
}

// Compile compiles a PCRE pattern with OpenResty option letters. matchLimit
// is lua_regex_match_limit (0 means DefaultMatchLimit). An unknown letter
// gives an *OptionError, a bad or unsupported pattern a *CompileError.
func Compile(pattern, options string, matchLimit int) (*Regex, error) {
	o, err := ParseOptions(options)
	if err != nil {
		return nil, err
	}
	return CompileOptions(pattern, o, matchLimit)
}

// CompileOptions is Compile with parsed options.
func CompileOptions(pattern string, o Options, matchLimit int) (*Regex, error) {
	if o.DFA {
		return nil, fmt.Errorf(`ngxre: regex option "d" (DFA mode) is not supported by goresty`)
	}
	if o.JSCompat {
		return nil, fmt.Errorf(`ngxre: regex option "J" (JavaScript compatible mode) is not supported by goresty`)
	}
	if _, utf := leadingVerbs(pattern); utf {
		o.UTF8 = true
	}
	tr, err := translate(pattern, o)
	if err != nil {
		return nil, err
	}
	p := tr.pattern
	if o.Anchored {
		p = `\G(?:` + p + `)`
	}
	var ro regexp2.RegexOptions
	if o.Caseless {
		ro |= regexp2.IgnoreCase
	}
	if o.Multiline {
		ro |= regexp2.Multiline
	}
	if o.Dotall {
		ro |= regexp2.Singleline
	}
	re, err := regexp2.Compile(p, ro)
	if err != nil {
		return nil, &CompileError{Msg: pcreMessage(err), Pattern: pattern, Offset: -1}
	}
	if matchLimit <= 0 {
		matchLimit = DefaultMatchLimit
	}
	re.MatchTimeout = time.Duration(matchLimit) * StepCost
	r := &Regex{re: re, opts: o, ncap: tr.ncap, names: tr.names, nameOrder: tr.nameOrder}
	if o.Once && fastTwins {
		// a cached regex matches many times: worth a second compile
		r.fast = newFastTwin(tr.pattern, o, tr.ncap)
	}
	return r, nil
}

// pcreMessage turns a regexp2 syntax error into PCRE's wording where known.
func pcreMessage(err error) string {
	msg := err.Error()
	known := map[string]string{
		"missing closing )":                       "missing )",
		"unexpected )":                            "unmatched parentheses",
		"unterminated [] set":                     "missing terminating ] for character class",
		"missing argument to repetition operator": "nothing to repeat",
		"invalid nested repetition operator":      "nothing to repeat",
		"illegal \\ at end of pattern":            `\ at end of pattern`,
		"reference to undefined group":            "reference to non-existent subpattern",
	}
	for k, v := range known {
		if strings.Contains(msg, k) {
			return v
		}
	}
	msg = strings.TrimPrefix(msg, "error parsing regexp: ")
	if i := strings.LastIndex(msg, " in `"); i >= 0 {
		msg = msg[:i]
	}
	return msg
}

// NumCaptures returns the number of capturing groups.
func (r *Regex) NumCaptures() int { return r.ncap }

// Options returns the options the regex was compiled with.
func (r *Regex) Options() Options { return r.opts }

// Names returns the group names in order of first appearance.
func (r *Regex) Names() []string { return r.nameOrder }

// NameGroups returns the group numbers called name (several with "D").
func (r *Regex) NameGroups(name string) []int { return r.names[name] }

// subject is a subject converted to runes for regexp2.
type subject struct {
	runes []rune
	offs  []int // byte offset of each rune (len(runes)+1), nil when runes are bytes
}

// subjectBuf holds the slices a subject is converted into; they are pooled,
// as a match only needs them until its offsets are read.
type subjectBuf struct {
	runes []rune
	offs  []int
}

var subjectPool = sync.Pool{New: func() any { return new(subjectBuf) }}

// load converts s into a subject using the slices of buf.
func (r *Regex) load(s string, buf *subjectBuf) (subject, error) {
	if !r.opts.UTF8 || isASCII(s) {
		if cap(buf.runes) < len(s) {
			buf.runes = make([]rune, len(s))
		}
		rs := buf.runes[:len(s)]
		for i := 0; i < len(s); i++ {
			rs[i] = mapByte(s[i])
		}
		return subject{runes: rs}, nil
	}
	rs, offs := buf.runes[:0], buf.offs[:0]
	for i := 0; i < len(s); {
		c, n := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && n <= 1 {
			if !r.opts.NoUTF8Check {
				return subject{}, &ExecError{Code: ErrCodeBadUTF8}
			}
			c = mapByte(s[i])
		}
		rs = append(rs, c)
		offs = append(offs, i)
		i += n
	}
	offs = append(offs, len(s))
	buf.runes, buf.offs = rs, offs
	return subject{runes: rs, offs: offs}, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// runeIndex converts byte offset start to a rune index (-1: inside a char).
func (s subject) runeIndex(start int) int {
	if s.offs == nil {
		return start
	}
	lo, hi := 0, len(s.offs)-1
	for lo <= hi {
		mid := (lo + hi) / 2
		switch {
		case s.offs[mid] == start:
			return mid
		case s.offs[mid] < start:
			lo = mid + 1
		default:
			hi = mid - 1
		}
	}
	if lo < len(s.offs) {
		return -1 - lo // encoded: next boundary is lo
	}
	return -1 - (len(s.offs) - 1)
}

func (s subject) byteOffset(i int) int {
	if s.offs == nil {
		return i
	}
	return s.offs[i]
}

// Exec matches subject from byte offset start. It returns the byte offsets
// of group i in caps[2i] and caps[2i+1] (-1 for an unset group), reusing caps
// when it is big enough, or nil when there is no match.
func (r *Regex) Exec(s string, start int, caps []int) ([]int, error) {
	if start < 0 {
		start = 0
	}
	if start > len(s) {
		return nil, nil
	}
	if r.fast != nil {
		if res, ok := r.fast.exec(s, start, caps); ok {
			return res, nil
		}
	}
	buf := subjectPool.Get().(*subjectBuf)
	defer subjectPool.Put(buf)
	sub, err := r.load(s, buf)
	if err != nil {
		return nil, err
	}
	at := sub.runeIndex(start)
	if at < 0 {
		if !r.opts.NoUTF8Check {
			return nil, &ExecError{Code: ErrCodeBadOffset}
		}
		at = -1 - at
	}
	m, err := r.re.FindRunesMatchStartingAt(sub.runes, at)
	if err != nil {
		return nil, &ExecError{Code: ErrCodeMatchLimit}
	}
	if m == nil {
		return nil, nil
	}
	n := 2 * (r.ncap + 1)
	if cap(caps) < n {
		caps = make([]int, n)
	}
	caps = caps[:n]
	caps[0], caps[1] = sub.byteOffset(m.Index), sub.byteOffset(m.Index+m.Length)
	for i := 1; i <= r.ncap; i++ {
		idx, n, ok := groupSpan(m, i, fastGroups)
		if !ok {
			caps[2*i], caps[2*i+1] = -1, -1
			continue
		}
		caps[2*i], caps[2*i+1] = sub.byteOffset(idx), sub.byteOffset(idx+n)
	}
	if recycling {
		recycle(r.re, m)
	}
	return caps, nil
}
