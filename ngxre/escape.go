package ngxre

import (
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// rng is an inclusive rune range.
type rng struct{ lo, hi rune }

// ASCII sets PCRE uses for \d \w \s and the POSIX classes (no UCP).
var (
	digitSet = []rng{{'0', '9'}}
	wordSet  = []rng{{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}}
	spaceSet = []rng{{'\t', '\r'}, {' ', ' '}}
	posixSet = map[string][]rng{
		"alnum": {{'0', '9'}, {'A', 'Z'}, {'a', 'z'}}, "alpha": {{'A', 'Z'}, {'a', 'z'}},
		"ascii": {{0, 0x7f}}, "blank": {{'\t', '\t'}, {' ', ' '}}, "cntrl": {{0, 0x1f}, {0x7f, 0x7f}},
		"digit": digitSet, "graph": {{'!', '~'}}, "lower": {{'a', 'z'}}, "print": {{' ', '~'}},
		"punct": {{'!', '/'}, {':', '@'}, {'[', '`'}, {'{', '~'}}, "space": spaceSet,
		"upper": {{'A', 'Z'}}, "word": wordSet, "xdigit": {{'0', '9'}, {'A', 'F'}, {'a', 'f'}},
	}
	// general categories regexp2 knows, as PCRE spells them in \p{..}
	categories = "C Cc Cf Cn Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs"
)

// complement returns the ranges of all runes not in set (set sorted).
func complement(set []rng) []rng {
	var out []rng
	next := rune(0)
	for _, r := range set {
		if r.lo > next {
			out = append(out, rng{next, r.lo - 1})
		}
		next = r.hi + 1
	}
	if next <= 0x10FFFF {
		out = append(out, rng{next, 0x10FFFF})
	}
	return out
}

// rangesText renders ranges for the inside of a regexp2 class.
func rangesText(set []rng) string {
	var b strings.Builder
	for _, r := range set {
		b.WriteString(litClass(r.lo))
		if r.hi != r.lo {
			b.WriteString("-" + litClass(r.hi))
		}
	}
	return b.String()
}

// shorthand returns class-body text for \d \D \w \W \s \S \h \H \v \V.
func (t *translator) shorthand(c rune) string {
	var set []rng
	switch c {
	case 'd', 'D', 'w', 'W', 's', 'S':
		// Ranges in byte mode too: regexp2's own \d \w \s would agree
		// there (bytes >= 0x80 are opaque runes), but they look up a
		// Unicode category in a map for every rune they test (a fifth of
		// BenchmarkExec's time for two \d+).
		set = map[rune][]rng{'d': digitSet, 'w': wordSet, 's': spaceSet}[c|0x20]
	case 'h', 'H':
		set = []rng{{'\t', '\t'}, {' ', ' '}, {t.high(0xa0), t.high(0xa0)}}
		if t.utf {
			set = append(set, rng{0x1680, 0x1680}, rng{0x180e, 0x180e}, rng{0x2000, 0x200a},
				rng{0x202f, 0x202f}, rng{0x205f, 0x205f}, rng{0x3000, 0x3000})
		}
	case 'v', 'V':
		set = []rng{{'\n', '\r'}, {t.high(0x85), t.high(0x85)}}
		if t.utf {
			set = append(set, rng{0x2028, 0x2029})
		}
	}
	if c >= 'A' && c <= 'Z' {
		set = complement(sortRanges(set))
	}
	return rangesText(set)
}

// high maps a Latin-1 code point to the rune that stands for it in the subject.
func (t *translator) high(r rune) rune {
	if t.utf {
		return r
	}
	return byteBase + r
}

func sortRanges(set []rng) []rng {
	out := append([]rng(nil), set...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].lo < out[j-1].lo; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

const wordClass = `[0-9A-Z_a-z]`

// escape translates a backslash sequence outside a class.
func (t *translator) escape() error {
	start := t.pos
	t.pos++
	if t.pos >= len(t.src) {
		return t.errAt(`\ at end of pattern`, len(t.src))
	}
	c := t.src[t.pos]
	t.pos++
	switch c {
	case 'd', 'D', 'w', 'W', 's', 'S', 'h', 'H', 'v', 'V':
		t.atom("[" + t.shorthand(c) + "]")
	case 'b', 'B':
		t.atomStart = len(t.out)
		switch {
		case !t.utf:
			t.emit(`\` + string(c))
		case c == 'b':
			t.emit(`(?:(?<=` + wordClass + `)(?!` + wordClass + `)|(?<!` + wordClass + `)(?=` + wordClass + `))`)
		default:
			t.emit(`(?:(?<=` + wordClass + `)(?=` + wordClass + `)|(?<!` + wordClass + `)(?!` + wordClass + `))`)
		}
	case 'A', 'z', 'Z', 'G':
		t.atomStart = len(t.out)
		t.emit(`\` + string(c))
	case 'R':
		t.atom(`(?>\r\n|[` + t.shorthand('v') + `])`)
	case 'N':
		if t.peek(0) == '{' {
			return t.errAt(`PCRE does not support \L, \l, \N{name}, \U, or \u`, t.pos-1)
		}
		t.atom(`[^\n]`)
	case 'C':
		if t.utf {
			return t.unsupported(`\C in UTF-8 mode`, start)
		}
		t.atom(`[\s\S]`)
	case 'K', 'X':
		return t.unsupported(`\`+string(c), start)
	case 'L', 'l', 'U', 'u':
		return t.errAt(`PCRE does not support \L, \l, \N{name}, \U, or \u`, t.pos-1)
	case 'Q':
		t.quoted(false)
	case 'E':
	case 'k', 'g':
		return t.namedRef(c, start)
	case 'p', 'P':
		s, err := t.property(c == 'P', start)
		if err != nil {
			return err
		}
		t.atom(s)
	default:
		if c >= '1' && c <= '9' {
			if n, ok := t.backrefNumber(); ok {
				t.backref(n)
				return nil
			}
		}
		r, err := t.charEscape(c)
		if err != nil {
			return err
		}
		t.atom(litOut(r))
	}
	return nil
}

// quoted translates \Q...\E; pos is just after \Q.
func (t *translator) quoted(inClass bool) string {
	var b strings.Builder
	for t.pos < len(t.src) {
		if t.src[t.pos] == '\\' && t.peek(1) == 'E' {
			t.pos += 2
			break
		}
		r := t.src[t.pos]
		t.pos++
		if inClass {
			b.WriteString(litClass(r))
		} else {
			t.atom(litOut(r))
		}
	}
	return b.String()
}

// backrefNumber reads \N (pos just after the first digit): a back reference
// when N < 10 or that many groups were opened, else (false) an octal escape.
func (t *translator) backrefNumber() (int, bool) {
	i := t.pos - 1
	j := i
	for j < len(t.src) && t.src[j] >= '0' && t.src[j] <= '9' {
		j++
	}
	n, err := strconv.Atoi(string(t.src[i:j]))
	if err == nil && (n < 8 || n <= t.ncap) { // else \8 and \9 are digits, \1x octal
		t.pos = j
		return n, true
	}
	return 0, false
}

// charEscape returns the character of an escape whose letter c was read.
func (t *translator) charEscape(c rune) (rune, error) {
	switch c {
	case 'a':
		return 7, nil
	case 'e':
		return 0x1b, nil
	case 'f':
		return '\f', nil
	case 'n':
		return '\n', nil
	case 'r':
		return '\r', nil
	case 't':
		return '\t', nil
	case 'c':
		x := t.peek(0)
		if x < 0 {
			return 0, t.errAt(`\c at end of pattern`, t.pos)
		}
		if x > 0x7f {
			return 0, t.errAt(`\c must be followed by an ASCII character`, t.pos)
		}
		t.pos++
		if x >= 'a' && x <= 'z' {
			x -= 0x20
		}
		return x ^ 0x40, nil
	case 'x':
		return t.numEscape(16)
	case 'o':
		if t.peek(0) == '{' {
			return t.numEscape(8)
		}
	case '0', '1', '2', '3', '4', '5', '6', '7':
		t.pos--
		v := rune(0)
		for k := 0; k < 3 && t.peek(0) >= '0' && t.peek(0) <= '7'; k++ {
			v = v*8 + t.src[t.pos] - '0'
			t.pos++
		}
		return t.checkValue(v, t.pos)
	}
	return c, nil // unknown escapes of letters and punctuation are literal
}

// numEscape reads \xhh, \x{h..} or \o{o..}; pos is after the letter.
func (t *translator) numEscape(base int) (rune, error) {
	isDigit := func(r rune) bool {
		return r >= '0' && r <= '7' || base == 16 && (r >= '8' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F')
	}
	v := int64(0)
	if t.peek(0) == '{' {
		i := t.pos + 1
		for i < len(t.src) && isDigit(t.src[i]) {
			v = v*int64(base) + int64(digitVal(t.src[i]))
			if v > 0x7fffffff {
				v = 0x7fffffff
			}
			i++
		}
		if i < len(t.src) && t.src[i] == '}' && i > t.pos+1 {
			t.pos = i + 1
			return t.checkValue(rune(v), i)
		}
		return 'x', nil // not a valid \x{..}: PCRE reads "x" literally
	}
	for k := 0; k < 2 && isDigit(t.peek(0)); k++ {
		v = v*16 + int64(digitVal(t.src[t.pos]))
		t.pos++
	}
	return t.checkValue(rune(v), t.pos)
}

func digitVal(r rune) int {
	switch {
	case r >= 'a':
		return int(r-'a') + 10
	case r >= 'A':
		return int(r-'A') + 10
	}
	return int(r - '0')
}

// checkValue validates a character value and maps it to a subject rune.
func (t *translator) checkValue(v rune, at int) (rune, error) {
	if !t.utf {
		if v > 0xff {
			return 0, t.errAt(`character value in \x{} or \o{} is too large`, at)
		}
		return mapByte(byte(v)), nil
	}
	if v > 0x10FFFF || (v >= 0xd800 && v <= 0xdfff) {
		return 0, t.errAt(`character value in \x{} or \o{} is too large`, at)
	}
	return v, nil
}

// namedRef translates \k<name>, \k'name', \k{name}, \g{..}, \gN and \g-N.
func (t *translator) namedRef(c rune, start int) error {
	open := t.peek(0)
	if c == 'g' && (open == '<' || open == '\'') {
		return t.unsupported(`subroutine call \g<...>`, start)
	}
	if c == 'g' && open != '{' {
		return t.numberRef(start, -1)
	}
	term := map[rune]rune{'<': '>', '\'': '\'', '{': '}'}[open]
	if term == 0 {
		return t.errAt(`\k is not followed by a braced, angle-bracketed, or quoted name`, t.pos)
	}
	t.pos++
	if c == 'g' {
		if d := t.peek(0); d == '-' || d == '+' || (d >= '0' && d <= '9') {
			return t.numberRef(start, '}')
		}
	}
	name, err := t.readName(term)
	if err != nil {
		return err
	}
	n, err := t.groupByName(name, t.pos)
	if err != nil {
		return err
	}
	t.pos++
	t.backref(n)
	return nil
}

// numberRef reads [-]N (then term if >= 0) for \g references.
func (t *translator) numberRef(start int, term rune) error {
	rel := t.peek(0) == '-'
	if rel || t.peek(0) == '+' {
		t.pos++
	}
	i := t.pos
	for t.pos < len(t.src) && t.src[t.pos] >= '0' && t.src[t.pos] <= '9' {
		t.pos++
	}
	n, err := strconv.Atoi(string(t.src[i:t.pos]))
	if err != nil || n == 0 {
		return t.errAt(`a numbered reference must not be zero`, t.pos)
	}
	if term >= 0 {
		if t.peek(0) != term {
			return t.errAt(`\g is not followed by a braced, angle-bracketed, or quoted name/number or by a plain number`, t.pos)
		}
		t.pos++
	}
	if rel {
		n = t.ncap - n + 1
		if n <= 0 {
			at := t.pos
			if term >= 0 {
				at-- // at the terminator, as PCRE
			}
			return t.errAt("reference to non-existent subpattern", at)
		}
	}
	t.backref(n)
	_ = start
	return nil
}

// property translates \p / \P; pos is after the letter. The text returned is
// a class body when the caller is inside a class (see classProperty).
// Without "u" the subject is bytes, which PCRE tests as code points 0-255.
func (t *translator) property(neg bool, start int) (string, error) {
	name, err := t.propertyName()
	if err != nil {
		return "", err
	}
	if strings.HasPrefix(name, "^") {
		neg, name = !neg, name[1:]
	}
	p := "p"
	if neg {
		p = "P"
	}
	set, known := propertySet(name)
	switch {
	case known && !t.utf:
		set = byteSet(set)
	case name == "Any":
		if neg {
			return emptyClass, nil
		}
		return `[\s\S]`, nil
	case strings.Contains(" "+categories+" ", " "+name+" "):
		return `\` + p + `{` + name + `}`, nil
	case !known:
		return "", t.errAt(`unknown property name after \P or \p`, t.pos-1)
	}
	if neg {
		set = complement(set)
	}
	if len(set) == 0 {
		return emptyClass, nil
	}
	return "[" + rangesText(set) + "]", nil
}

// emptyClass matches nothing; a class body of nothing inside a class.
const emptyClass = `[^\s\S]`

// propertySet returns the code points of a PCRE property name: a general
// category, L&, Any, a script or one of PCRE's X properties.
func propertySet(name string) ([]rng, bool) {
	var tabs []*unicode.RangeTable
	switch {
	case name == "Any":
		return []rng{{0, unicode.MaxRune}}, true
	case name == "L&":
		tabs = []*unicode.RangeTable{unicode.Lu, unicode.Ll, unicode.Lt}
	case strings.Contains(" "+categories+" ", " "+name+" "):
		if tab, ok := unicode.Categories[name]; ok {
			tabs = []*unicode.RangeTable{tab}
		} else { // Cn: unassigned, none of them below 256
			return nil, true
		}
	case name == "Xan": // alphanumeric
		tabs = []*unicode.RangeTable{unicode.L, unicode.N}
	case name == "Xwd": // Perl word
		tabs = []*unicode.RangeTable{unicode.L, unicode.N, {R16: []unicode.Range16{{'_', '_', 1}}}}
	case name == "Xsp" || name == "Xps": // Perl and POSIX space
		tabs = []*unicode.RangeTable{unicode.Z, {R16: []unicode.Range16{{'\t', '\r', 1}}}}
	case name == "Xuc": // what a universal character name may be
		tabs = []*unicode.RangeTable{{R16: []unicode.Range16{{'$', '$', 1}, {'@', '@', 1}, {'`', '`', 1},
			{0xa0, 0xd7ff, 1}, {0xe000, 0xffff, 1}}, R32: []unicode.Range32{{0x10000, unicode.MaxRune, 1}}}}
	default:
		tab, ok := unicode.Scripts[name]
		if !ok {
			return nil, false
		}
		tabs = []*unicode.RangeTable{tab}
	}
	var set []rng
	add := func(lo, hi, stride rune) {
		for r := lo; r <= hi; r += stride {
			if stride == 1 {
				set = append(set, rng{lo, hi})
				return
			}
			set = append(set, rng{r, r})
		}
	}
	for _, tab := range tabs {
		for _, r := range tab.R16 {
			add(rune(r.Lo), rune(r.Hi), rune(r.Stride))
		}
		for _, r := range tab.R32 {
			add(rune(r.Lo), rune(r.Hi), rune(r.Stride))
		}
	}
	sort.Slice(set, func(i, j int) bool { return set[i].lo < set[j].lo })
	return set, true
}

// byteSet keeps the code points below 256 of set, moving 0x80-0xff where
// byte mode puts those bytes (see mapByte).
func byteSet(set []rng) []rng {
	var out []rng
	for b := rune(0); b < 256; b++ {
		for _, r := range set {
			if b >= r.lo && b <= r.hi {
				m := mapByte(byte(b))
				if n := len(out); n > 0 && out[n-1].hi == m-1 {
					out[n-1].hi = m
				} else {
					out = append(out, rng{m, m})
				}
				break
			}
		}
	}
	return out
}

func (t *translator) propertyName() (string, error) {
	if t.peek(0) < 0 {
		return "", t.errAt("malformed \\P or \\p sequence", t.pos)
	}
	if t.peek(0) != '{' {
		t.pos++
		return string(t.src[t.pos-1]), nil
	}
	i := t.pos + 1
	for i < len(t.src) && t.src[i] != '}' {
		i++
	}
	if i >= len(t.src) {
		return "", t.errAt("malformed \\P or \\p sequence", i)
	}
	name := string(t.src[t.pos+1 : i])
	t.pos = i + 1
	return name, nil
}
