package luasrc

// shortString scans a '...' or "..." literal opening at r.pos and rewrites
// the escapes gopher-lua lacks. A \z that swallows newlines moves them after
// the closing quote so later tokens keep their line numbers.
func (r *rewriter) shortString(q byte) error {
	src := r.src
	start := r.pos
	i := start + 1
	moved := 0   // newlines removed by \z, re-emitted after the quote
	spanned := 0 // newlines inside the literal (escaped newlines and \z)
	for {
		if i >= len(src) || src[i] == '\n' || src[i] == '\r' {
			r.pos = i // unfinished string: left for the compiler to report
			r.line += spanned
			if moved > 0 {
				r.replace(i, i, newlines(moved))
			}
			return nil
		}
		c := src[i]
		if c == q {
			break
		}
		if c != '\\' {
			i++
			continue
		}
		if i+1 >= len(src) {
			r.pos = len(src)
			r.line += spanned
			if moved > 0 {
				r.replace(i, i, newlines(moved))
			}
			return nil
		}
		next, nl, err := r.escape(start, i)
		if err != nil {
			return err
		}
		if src[i+1] == 'z' {
			moved += nl
		}
		spanned += nl
		i = next
	}
	r.pos = i + 1
	r.line += spanned
	if moved > 0 {
		r.replace(r.pos, r.pos, newlines(moved))
	}
	return nil
}

// escape handles the escape whose backslash is at src[i] inside the string
// opening at start. It returns the index after the escape and the number of
// source newlines it spans.
func (r *rewriter) escape(start, i int) (next, nl int, err error) {
	src := r.src
	switch d := src[i+1]; {
	case d == 'x':
		if i+3 < len(src) && hexVal(src[i+2]) >= 0 && hexVal(src[i+3]) >= 0 {
			b := byte(hexVal(src[i+2])<<4 | hexVal(src[i+3]))
			r.replace(i, i+4, appendDecimalEscape(make([]byte, 0, 4), b))
			return i + 4, 0, nil
		}
	case d == 'z':
		j := i + 2
		for j < len(src) && isSpace(src[j]) {
			if src[j] == '\n' {
				nl++
			}
			j++
		}
		r.replace(i, j, nil)
		return j, nl, nil
	case d == 'u':
		if cp, j, ok := unicodeEscape(src, i+2); ok {
			r.replace(i, j, appendUTF8(make([]byte, 0, 16), cp))
			return j, 0, nil
		}
	case isDigit(d):
		j, v := i+1, 0
		for ; j < len(src) && j < i+4 && isDigit(src[j]); j++ {
			v = v*10 + int(src[j]-'0')
		}
		if v <= 255 {
			return j, 0, nil
		}
	case d == '\n':
		return i + 2, 1, nil
	case d == '\r':
		if i+2 < len(src) && src[i+2] == '\n' {
			return i + 3, 1, nil
		}
		return i + 2, 0, nil
	case d == 'a' || d == 'b' || d == 'f' || d == 'n' || d == 'r' || d == 't' || d == 'v' ||
		d == '\\' || d == '"' || d == '\'':
		return i + 2, 0, nil
	}
	return 0, 0, &SyntaxError{
		Line: r.line + countNewlines(src[start:i]),
		Msg:  "invalid escape sequence near '" + string(src[start:i]) + "'",
	}
}

// unicodeEscape parses "{XXXX}" at src[i:] and returns the code point and
// the index after the closing brace. LuaJIT rejects surrogates and values
// above U+10FFFF.
func unicodeEscape(src []byte, i int) (rune, int, bool) {
	if i >= len(src) || src[i] != '{' {
		return 0, 0, false
	}
	j, cp, digits := i+1, 0, 0
	for ; j < len(src) && hexVal(src[j]) >= 0; j++ {
		cp = cp<<4 | hexVal(src[j])
		digits++
		if cp > 0x10FFFF {
			return 0, 0, false
		}
	}
	if digits == 0 || j >= len(src) || src[j] != '}' || (cp >= 0xD800 && cp <= 0xDFFF) {
		return 0, 0, false
	}
	return rune(cp), j + 1, true
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func countNewlines(b []byte) int {
	n := 0
	for _, c := range b {
		if c == '\n' {
			n++
		}
	}
	return n
}

func newlines(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = '\n'
	}
	return b
}
