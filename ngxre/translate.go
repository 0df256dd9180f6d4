package ngxre

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// byteBase is added to bytes 0x80-0xff to move them to private-use runes in
// byte mode, so regexp2 treats them as opaque (no case, no class).
const byteBase = 0xF700

// frame is an open group of the pattern being translated.
type frame struct {
	outStart int  // where the group starts in the output
	ext      bool // extended (x) mode outside the group
	multi    bool // multiline (m) mode outside the group
}

// translator rewrites one PCRE pattern into regexp2 (.NET) syntax.
type translator struct {
	raw       string // original pattern, for error messages
	src       []rune // pattern runes (bytes mapped in byte mode)
	offs      []int  // byte offset of each rune of src (nil in byte mode)
	pos       int
	out       []rune
	utf       bool
	dupNames  bool
	ext       bool
	multi     bool
	stack     []frame
	atomStart int  // output index of the last quantifiable atom, -1 if none
	emptyName bool // readName accepts ""
	ncap      int
	names     map[string][]int
	nameOrder []string
}

// translation is the result of translating a pattern.
type translation struct {
	pattern   string
	ncap      int
	names     map[string][]int
	nameOrder []string
}

func translate(pattern string, o Options) (*translation, error) {
	t := &translator{raw: pattern, utf: o.UTF8, dupNames: o.DupNames, ext: o.Extended,
		multi: o.Multiline, atomStart: -1}
	if err := t.load(); err != nil {
		return nil, err
	}
	t.pos, _ = leadingVerbs(pattern)
	for t.pos < len(t.src) {
		if err := t.step(); err != nil {
			return nil, err
		}
	}
	if len(t.stack) > 0 {
		return nil, t.errAt("missing )", len(t.src))
	}
	return &translation{pattern: string(t.out), ncap: t.ncap, names: t.names, nameOrder: t.nameOrder}, nil
}

// load fills src from the pattern: runes in UTF-8 mode, mapped bytes otherwise.
func (t *translator) load() error {
	s := t.raw
	if !t.utf {
		t.src = make([]rune, len(s))
		for i := 0; i < len(s); i++ {
			t.src[i] = mapByte(s[i])
		}
		return nil
	}
	t.src = make([]rune, 0, len(s))
	t.offs = make([]int, 0, len(s)+1)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			t.offs = append(t.offs, i)
			return t.errAt("invalid UTF-8 string", len(t.offs)-1)
		}
		t.src = append(t.src, r)
		t.offs = append(t.offs, i)
		i += n
	}
	t.offs = append(t.offs, len(s))
	return nil
}

// leadingVerbs returns the length of the (*UTF8), (*UTF), (*NO_START_OPT),
// (*NO_AUTO_POSSESS) and (*LF) items that start pattern, and whether one of them
// turns UTF-8 mode on. Other start-of-pattern items are refused by open.
func leadingVerbs(pattern string) (n int, utf bool) {
	for {
		rest := pattern[n:]
		switch {
		case strings.HasPrefix(rest, "(*UTF8)"):
			n, utf = n+len("(*UTF8)"), true
		case strings.HasPrefix(rest, "(*UTF)"):
			n, utf = n+len("(*UTF)"), true
		case strings.HasPrefix(rest, "(*NO_START_OPT)"):
			n += len("(*NO_START_OPT)")
		case strings.HasPrefix(rest, "(*NO_AUTO_POSSESS)"):
			n += len("(*NO_AUTO_POSSESS)")
		case strings.HasPrefix(rest, "(*LF)"):
			n += len("(*LF)")
		default:
			return n, utf
		}
	}
}

func mapByte(b byte) rune {
	if b < 0x80 {
		return rune(b)
	}
	return byteBase + rune(b)
}

// errAt builds a compile error located at rune index i of the pattern.
func (t *translator) errAt(msg string, i int) error {
	off := i
	if t.offs != nil && i < len(t.offs) {
		off = t.offs[i]
	}
	if off > len(t.raw) {
		off = len(t.raw)
	}
	return &CompileError{Msg: msg, Pattern: t.raw, Offset: off}
}

func (t *translator) unsupported(what string, i int) error {
	return t.errAt(what+" is not supported by goresty", i)
}

func (t *translator) peek(k int) rune {
	if t.pos+k < len(t.src) {
		return t.src[t.pos+k]
	}
	return -1
}

func (t *translator) emit(s string) { t.out = append(t.out, []rune(s)...) }

// atom emits s as a quantifiable atom.
func (t *translator) atom(s string) {
	t.atomStart = len(t.out)
	t.emit(s)
}

// step translates one token outside a character class.
func (t *translator) step() error {
	c := t.src[t.pos]
	if t.ext {
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' {
			t.pos++
			return nil
		}
		if c == '#' {
			for t.pos < len(t.src) && t.src[t.pos] != '\n' {
				t.pos++
			}
			return nil
		}
	}
	switch c {
	case '\\':
		return t.escape()
	case '[':
		return t.class()
	case '(':
		return t.open()
	case ')':
		return t.close()
	case '*', '+', '?':
		return t.quantifier()
	case '{':
		if _, ok := t.braceQuant(); ok {
			return t.quantifier()
		}
		t.pos++
		t.atom(`\{`)
	case '|':
		t.pos++
		t.atomStart = -1
		t.emit("|")
	case '^':
		t.pos++
		t.atomStart = len(t.out)
		if t.multi {
			// PCRE's multiline ^ does not match after a final newline.
			t.emit(`(?:\A|^(?!\z))`)
		} else {
			t.emit("^")
		}
	case '$', '.':
		t.pos++
		t.atom(string(c))
	default:
		t.pos++
		t.atom(litOut(c))
	}
	return nil
}

// litOut returns the regexp2 text for literal rune r outside a class.
func litOut(r rune) string {
	if r < 0x20 || r == 0x7f {
		return `\x` + hex2(r)
	}
	if strings.ContainsRune(`\.^$|?*+()[]{}#`, r) {
		return `\` + string(r)
	}
	return string(r)
}

// litClass returns the regexp2 text for literal rune r inside a class.
func litClass(r rune) string {
	if r < 0x20 || r == 0x7f {
		return `\x` + hex2(r)
	}
	if strings.ContainsRune(`\]-[^`, r) {
		return `\` + string(r)
	}
	return string(r)
}

func hex2(r rune) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[r>>4], digits[r&15]})
}

// braceQuant reports whether a {n}, {n,} or {n,m} quantifier starts at pos
// and returns its length in runes.
func (t *translator) braceQuant() (int, bool) {
	i := t.pos + 1
	digits := func() int {
		n := 0
		for i < len(t.src) && t.src[i] >= '0' && t.src[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if digits() == 0 {
		return 0, false
	}
	if i < len(t.src) && t.src[i] == ',' {
		i++
		digits()
	}
	if i < len(t.src) && t.src[i] == '}' {
		return i + 1 - t.pos, true
	}
	return 0, false
}

// quantifier translates *, +, ?, {n,m} and their lazy and possessive forms.
func (t *translator) quantifier() error {
	start := t.pos
	if t.atomStart < 0 {
		if n, ok := t.braceQuant(); ok && t.src[start] == '{' {
			start += n - 1 // PCRE points at the closing brace
		}
		return t.errAt("nothing to repeat", start)
	}
	q := string(t.src[t.pos])
	if t.src[t.pos] == '{' {
		n, _ := t.braceQuant()
		q = string(t.src[t.pos : t.pos+n])
		if err := t.checkBounds(q, t.pos+n-1); err != nil {
			return err
		}
		t.pos += n
	} else {
		t.pos++
	}
	switch t.peek(0) {
	case '?':
		q += "?"
		t.pos++
	case '+':
		t.pos++
		at := t.atomStart
		body := append([]rune(nil), t.out[at:]...)
		t.out = append(append(t.out[:at], []rune("(?>")...), body...)
		t.emit(q + ")")
		t.atomStart = -1
		return nil
	}
	t.emit(q)
	t.atomStart = -1
	return nil
}

func (t *translator) checkBounds(q string, closeAt int) error {
	parts := strings.SplitN(q[1:len(q)-1], ",", 2)
	lo, err1 := strconv.Atoi(parts[0])
	hi := lo
	var err2 error
	if len(parts) == 2 && parts[1] != "" {
		hi, err2 = strconv.Atoi(parts[1])
	}
	if err1 != nil || err2 != nil || lo > 65535 || hi > 65535 {
		return t.errAt("number too big in {} quantifier", closeAt)
	}
	if hi < lo {
		return t.errAt("numbers out of order in {} quantifier", closeAt)
	}
	return nil
}

// close translates ")".
func (t *translator) close() error {
	if len(t.stack) == 0 {
		return t.errAt("unmatched parentheses", t.pos)
	}
	f := t.stack[len(t.stack)-1]
	t.stack = t.stack[:len(t.stack)-1]
	t.ext, t.multi = f.ext, f.multi
	t.pos++
	t.emit(")")
	t.atomStart = f.outStart
	return nil
}

// push opens a group whose opening text is s.
func (t *translator) push(s string) {
	t.stack = append(t.stack, frame{outStart: len(t.out), ext: t.ext, multi: t.multi})
	t.emit(s)
	t.atomStart = -1
}

// readName reads a group name ending with term; pos is at its first rune.
func (t *translator) readName(term rune) (string, error) {
	start := t.pos
	if c := t.peek(0); c >= '0' && c <= '9' {
		return "", t.errAt("group name must start with a non-digit", start)
	}
	for t.pos < len(t.src) && isWordRune(t.src[t.pos]) {
		t.pos++
	}
	if t.pos >= len(t.src) || t.src[t.pos] != term {
		return "", t.errAt("syntax error in subpattern name (missing terminator)", t.pos)
	}
	name := string(t.src[start:t.pos])
	if name == "" && !t.emptyName {
		return "", t.errAt("group name expected", t.pos)
	}
	if len(name) > 32 {
		return "", t.errAt("subpattern name is too long (maximum 32 characters)", t.pos)
	}
	return name, nil
}

func isWordRune(r rune) bool {
	return r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
}

// namedGroup opens a capturing group called by the name read up to term.
// PCRE 8 accepts an empty name in (?”) and (?P<>).
func (t *translator) namedGroup(term rune) error {
	t.emptyName = true
	name, err := t.readName(term)
	t.emptyName = false
	if err != nil {
		return err
	}
	if _, dup := t.names[name]; dup && !t.dupNames {
		return t.errAt("two named subpatterns have the same name", t.pos)
	}
	t.pos++ // terminator
	t.ncap++
	if t.names == nil {
		t.names = map[string][]int{}
	}
	if _, seen := t.names[name]; !seen {
		t.nameOrder = append(t.nameOrder, name)
	}
	t.names[name] = append(t.names[name], t.ncap)
	t.push("(")
	return nil
}

// groupByName returns the first group called name.
func (t *translator) groupByName(name string, at int) (int, error) {
	g := t.names[name]
	if len(g) == 0 {
		return 0, t.errAt("reference to non-existent subpattern", at)
	}
	return g[0], nil
}

// backref emits a back reference to group n.
func (t *translator) backref(n int) {
	t.atom(`\k<` + strconv.Itoa(n) + `>`)
}

// open translates "(" and every "(?" and "(*" construct.
func (t *translator) open() error {
	start := t.pos
	if t.peek(1) == '*' {
		return t.verb(start)
	}
	if t.peek(1) != '?' {
		t.pos++
		t.ncap++
		t.push("(")
		return nil
	}
	t.pos += 2
	c := t.peek(0)
	switch {
	case c == '#':
		for t.pos < len(t.src) && t.src[t.pos] != ')' {
			t.pos++
		}
		if t.pos >= len(t.src) {
			return t.errAt("missing ) after comment", t.pos)
		}
		t.pos++
		return nil
	case c == ':' || c == '=' || c == '!' || c == '>':
		t.pos++
		t.push("(?" + string(c))
		return nil
	case c == '<' && (t.peek(1) == '=' || t.peek(1) == '!'):
		t.pos += 2
		t.push("(?<" + string(t.src[t.pos-1]))
		return nil
	case c == '<' || c == '\'':
		t.pos++
		if c == '<' && !isWordRune(t.peek(0)) {
			return t.errAt("unrecognized character after (?<", t.pos)
		}
		if c == '<' {
			return t.namedGroup('>')
		}
		return t.namedGroup('\'')
	case c == 'P' && t.peek(1) == '<':
		t.pos += 2
		return t.namedGroup('>')
	case c == 'P' && t.peek(1) == '=':
		t.pos += 2
		name, err := t.readName(')')
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
	case c == '(':
		return t.conditional()
	case c == '|':
		return t.unsupported("branch reset (?|...)", start)
	case c == 'R' || c == '&' || c == '+' || (c >= '0' && c <= '9') ||
		(c == '-' && t.peek(1) >= '0' && t.peek(1) <= '9') || (c == 'P' && t.peek(1) == '>'):
		return t.unsupported("recursion and subroutine calls", start)
	}
	return t.inlineFlags(start)
}

// inlineFlags translates (?imsx-imsx) and (?imsx-imsx:...).
func (t *translator) inlineFlags(start int) error {
	on := true
	var keep []rune
	ext, multi := t.ext, t.multi
	for ; t.pos < len(t.src); t.pos++ {
		c := t.src[t.pos]
		switch c {
		case '-':
			on = false
			keep = append(keep, c)
		case 'i', 's':
			keep = append(keep, c)
		case 'm':
			multi = on
			keep = append(keep, c)
		case 'x':
			ext = on
		case 'J', 'U', 'X':
			return t.unsupported("inline option (?"+string(c)+")", start)
		case ')', ':':
			flags := string(keep)
			if flags == "-" {
				flags = ""
			}
			t.pos++
			if c == ')' {
				if flags != "" {
					t.emit("(?" + flags + ")")
				}
				t.ext, t.multi = ext, multi
				return nil
			}
			t.push("(?" + flags + ":")
			t.ext, t.multi = ext, multi
			return nil
		default:
			return t.errAt("unrecognized character after (? or (?-", t.pos)
		}
	}
	return t.errAt("unrecognized character after (? or (?-", len(t.src))
}

// verb translates "(*NAME)": (*F) and (*FAIL) fail, the other
// backtracking verbs and the start-of-pattern options goresty does not
// implement are refused, and unknown names are PCRE's error.
func (t *translator) verb(start int) error {
	i := start + 2
	for i < len(t.src) && (t.src[i] >= 'A' && t.src[i] <= 'Z' || t.src[i] >= 'a' && t.src[i] <= 'z') {
		i++
	}
	name := string(t.src[start+2 : i])
	switch name {
	case "F", "FAIL":
		if i < len(t.src) && t.src[i] == ')' {
			t.pos = i + 1
			t.atom("(?!)")
			return nil
		}
	case "ACCEPT", "COMMIT", "MARK", "PRUNE", "SKIP", "THEN", "":
		return t.unsupported("(*VERB) and (*OPTION) syntax", start)
	}
	if lead, _ := leadingVerbs(t.raw); start == lead && strings.Contains(" UCP CR CRLF ANYCRLF ANY BSR LIMIT UTF ", " "+name+" ") {
		return t.unsupported("(*VERB) and (*OPTION) syntax", start)
	}
	return t.errAt("(*VERB) not recognized or malformed", i)
}

// conditional translates (?(cond)yes|no); pos is at the inner "(".
func (t *translator) conditional() error {
	start := t.pos
	t.pos++
	c := t.peek(0)
	if c == '?' {
		// assertion condition: "(?" now, the assertion parses as a group
		t.pos = start
		t.push("(?")
		return nil
	}
	var n int
	switch {
	case c >= '0' && c <= '9':
		i := t.pos
		for t.pos < len(t.src) && t.src[t.pos] >= '0' && t.src[t.pos] <= '9' {
			t.pos++
		}
		n, _ = strconv.Atoi(string(t.src[i:t.pos]))
	case c == '<' || c == '\'':
		term := rune('>')
		if c == '\'' {
			term = '\''
		}
		t.pos++
		name, err := t.readName(term)
		if err != nil {
			return err
		}
		t.pos++
		if n, err = t.groupByName(name, t.pos); err != nil {
			return err
		}
	case c == 'R' || (c == 'D' && strings.HasPrefix(string(t.src[t.pos:]), "DEFINE")):
		return t.unsupported("(?(R) and (?(DEFINE) conditions", start)
	default:
		name, err := t.readName(')')
		if err != nil {
			return err
		}
		if n, err = t.groupByName(name, t.pos); err != nil {
			return err
		}
	}
	if t.peek(0) != ')' {
		return t.errAt("malformed number or name after (?(", t.pos)
	}
	t.pos++
	t.push("(?(" + strconv.Itoa(n) + ")")
	return nil
}
