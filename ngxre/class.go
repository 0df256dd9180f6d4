package ngxre

import "strings"

// classItem is one element of a character class: a single character
// (isChar) or a ready-made piece of class text.
type classItem struct {
	isChar bool
	r      rune
	text   string
}

// class translates a [...] character class; pos is at "[".
func (t *translator) class() error {
	start := t.pos
	t.pos++
	var b strings.Builder
	b.WriteString("[")
	if t.peek(0) == '^' {
		b.WriteString("^")
		t.pos++
	}
	first := true
	for {
		if t.pos >= len(t.src) {
			return t.errAt("missing terminating ] for character class", len(t.src))
		}
		if t.src[t.pos] == ']' && !first {
			t.pos++
			break
		}
		first = false
		it, err := t.classAtom()
		if err != nil {
			return err
		}
		if it.isChar && t.peek(0) == '-' && t.peek(1) >= 0 && t.peek(1) != ']' {
			save := t.pos
			t.pos++
			hi, err := t.classAtom()
			if err != nil {
				return err
			}
			if hi.isChar {
				if hi.r < it.r {
					return t.errAt("range out of order in character class", t.pos-1)
				}
				b.WriteString(litClass(it.r) + "-" + litClass(hi.r))
				continue
			}
			t.pos = save // "-" before a class shorthand is literal
		}
		b.WriteString(it.text)
	}
	b.WriteString("]")
	t.atomStart = len(t.out)
	t.emit(b.String())
	_ = start
	return nil
}

// classAtom reads one class element.
func (t *translator) classAtom() (classItem, error) {
	c := t.src[t.pos]
	if c == '[' && (t.peek(1) == ':' || t.peek(1) == '.' || t.peek(1) == '=') {
		return t.posixClass()
	}
	if c != '\\' {
		t.pos++
		return charItem(c), nil
	}
	t.pos++
	if t.pos >= len(t.src) {
		return classItem{}, t.errAt(`\ at end of pattern`, len(t.src))
	}
	e := t.src[t.pos]
	start := t.pos - 1
	t.pos++
	switch e {
	case 'd', 'D', 'w', 'W', 's', 'S', 'h', 'H', 'v', 'V':
		return classItem{text: t.shorthand(e)}, nil
	case 'b':
		return charItem(8), nil
	case 'p', 'P':
		s, err := t.property(e == 'P', start)
		if err != nil {
			return classItem{}, err
		}
		if s == emptyClass {
			return classItem{}, nil
		}
		if strings.HasPrefix(s, "[^") {
			return classItem{}, t.unsupported(`negated \p{Any} or \p{L&} inside a class`, start)
		}
		return classItem{text: strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")}, nil
	case 'Q':
		return classItem{text: t.quoted(true)}, nil
	case 'E':
		return classItem{}, nil
	case 'N':
		return classItem{}, t.errAt(`\N is not supported in a class`, t.pos-1)
	case 'R', 'X', 'B':
		return classItem{}, t.errAt("escape sequence is invalid in character class", t.pos-1)
	case 'L', 'l', 'U', 'u':
		return classItem{}, t.errAt(`PCRE does not support \L, \l, \N{name}, \U, or \u`, t.pos-1)
	}
	r, err := t.charEscape(e)
	if err != nil {
		return classItem{}, err
	}
	return charItem(r), nil
}

func charItem(r rune) classItem {
	return classItem{isChar: true, r: r, text: litClass(r)}
}

// posixClass reads [:name:] or [:^name:]; pos is at "[".
func (t *translator) posixClass() (classItem, error) {
	kind := t.src[t.pos+1]
	end := -1
	for i := t.pos + 2; i+1 < len(t.src); i++ {
		if t.src[i] == kind && t.src[i+1] == ']' {
			end = i
			break
		}
		if t.src[i] == ']' {
			break
		}
	}
	if end < 0 { // not a POSIX class: a literal "["
		t.pos++
		return charItem('['), nil
	}
	if kind != ':' {
		return classItem{}, t.errAt("POSIX collating elements are not supported", t.pos)
	}
	name := string(t.src[t.pos+2 : end])
	neg := strings.HasPrefix(name, "^")
	set, ok := posixSet[strings.TrimPrefix(name, "^")]
	if !ok {
		return classItem{}, t.errAt("unknown POSIX class name", t.pos+2)
	}
	t.pos = end + 2
	if neg {
		set = complement(set)
	}
	return classItem{text: rangesText(set)}, nil
}
