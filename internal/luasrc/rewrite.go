package luasrc

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// SyntaxError is a lexical error found by Rewrite, worded as LuaJIT words it.
// Callers usually render it as "chunkname:Line: Msg".
type SyntaxError struct {
	// Line is the 1-based source line of the offending token.
	Line int
	// Msg is LuaJIT's message, e.g. `invalid escape sequence near '"ab'`.
	Msg string
}

// Error implements error.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("luasrc: line %d: %s", e.Line, e.Msg)
}

// Rewrite returns src with LuaJIT-only literal forms replaced by Lua 5.1
// forms gopher-lua compiles to the same values. When nothing needs rewriting
// it returns src itself (no copy). Unterminated strings, long strings and
// comments are left as they are for the compiler to report.
func Rewrite(src []byte) ([]byte, error) {
	if bytes.IndexByte(src, '\\') < 0 && !hasHexPrefix(src) {
		return src, nil
	}
	r := rewriter{src: src, line: 1}
	if err := r.run(); err != nil {
		return nil, err
	}
	if r.out == nil {
		return src, nil
	}
	r.out = append(r.out, src[r.copied:]...)
	return r.out, nil
}

func hasHexPrefix(src []byte) bool {
	for i := bytes.IndexByte(src, '0'); i >= 0 && i+1 < len(src); {
		if src[i+1] == 'x' || src[i+1] == 'X' {
			return true
		}
		j := bytes.IndexByte(src[i+1:], '0')
		if j < 0 {
			return false
		}
		i += 1 + j
	}
	return false
}

type rewriter struct {
	src    []byte
	pos    int
	line   int
	out    []byte // nil until the first change
	copied int    // src[:copied] is already in out
}

// replace substitutes src[from:to] with repl in the output.
func (r *rewriter) replace(from, to int, repl []byte) {
	if r.out == nil {
		r.out = make([]byte, 0, len(r.src)+len(r.src)/8)
	}
	r.out = append(r.out, r.src[r.copied:from]...)
	r.out = append(r.out, repl...)
	r.copied = to
}

func (r *rewriter) run() error {
	src := r.src
	for r.pos < len(src) {
		c := src[r.pos]
		switch {
		case c == '\n':
			r.line++
			r.pos++
		case c == '-' && r.pos+1 < len(src) && src[r.pos+1] == '-':
			r.pos += 2
			if lvl, ok := longOpen(src, r.pos); ok {
				r.skipLong(lvl)
			} else {
				r.skipLine()
			}
		case c == '[':
			if lvl, ok := longOpen(src, r.pos); ok {
				r.skipLong(lvl)
			} else {
				r.pos++
			}
		case c == '"' || c == '\'':
			if err := r.shortString(c); err != nil {
				return err
			}
		case isDigit(c) || (c == '.' && r.pos+1 < len(src) && isDigit(src[r.pos+1])):
			r.number()
		case isIdentStart(c):
			for r.pos < len(src) && isIdent(src[r.pos]) {
				r.pos++
			}
		default:
			r.pos++
		}
	}
	return nil
}

func (r *rewriter) skipLine() {
	i := bytes.IndexByte(r.src[r.pos:], '\n')
	if i < 0 {
		r.pos = len(r.src)
		return
	}
	r.pos += i // the newline itself is counted by run
}

// longOpen reports whether a long bracket [==[ opens at i, and its level.
func longOpen(src []byte, i int) (int, bool) {
	if i >= len(src) || src[i] != '[' {
		return 0, false
	}
	j := i + 1
	for j < len(src) && src[j] == '=' {
		j++
	}
	if j < len(src) && src[j] == '[' {
		return j - i - 1, true
	}
	return 0, false
}

// skipLong skips a long string or comment opening at r.pos with level lvl.
func (r *rewriter) skipLong(lvl int) {
	src := r.src
	i := r.pos + lvl + 2
	for i < len(src) {
		switch src[i] {
		case '\n':
			r.line++
		case ']':
			j := i + 1
			for j < len(src) && src[j] == '=' {
				j++
			}
			if j-i-1 == lvl && j < len(src) && src[j] == ']' {
				r.pos = j + 1
				return
			}
			i = j
			continue
		}
		i++
	}
	r.pos = len(src)
}

// number scans a numeric literal the way LuaJIT delimits it and rewrites hex
// literals gopher-lua cannot read (fraction, binary exponent, above 2^53).
func (r *rewriter) number() {
	src := r.src
	start := r.pos
	i := start
	var prev byte
	for i < len(src) {
		c := src[i]
		if isIdent(c) || c == '.' {
			prev = c | 0x20
			i++
			continue
		}
		if (c == '+' || c == '-') && (prev == 'e' || prev == 'p') {
			prev = c
			i++
			continue
		}
		break
	}
	r.pos = i
	lit := src[start:i]
	if len(lit) < 3 || lit[0] != '0' || lit[1]|0x20 != 'x' {
		return
	}
	if f, ok := parseHex(lit[2:]); ok {
		r.replace(start, i, strconv.AppendFloat(nil, f, 'g', -1, 64))
	}
}

// parseHex parses the digits of a hex literal after 0x. ok is false when the
// literal is malformed, has a suffix (LL, ULL, i), or gopher-lua reads it
// correctly anyway (a plain integer below 2^53).
func parseHex(s []byte) (float64, bool) {
	var mant float64
	exp, i, digits, plain := 0, 0, 0, true
	for ; i < len(s) && hexVal(s[i]) >= 0; i++ {
		mant = mant*16 + float64(hexVal(s[i]))
		digits++
	}
	if i < len(s) && s[i] == '.' {
		plain = false
		for i++; i < len(s) && hexVal(s[i]) >= 0; i++ {
			mant = mant*16 + float64(hexVal(s[i]))
			exp -= 4
			digits++
		}
	}
	if digits == 0 {
		return 0, false
	}
	if i < len(s) && s[i]|0x20 == 'p' {
		plain = false
		i++
		neg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			neg = s[i] == '-'
			i++
		}
		if i == len(s) {
			return 0, false
		}
		e := 0
		for ; i < len(s) && isDigit(s[i]); i++ {
			if e < 100000 {
				e = e*10 + int(s[i]-'0')
			}
		}
		if neg {
			e = -e
		}
		exp += e
	}
	if i != len(s) || (plain && mant < 1<<53) {
		return 0, false
	}
	return math.Ldexp(mant, exp), true
}

func hexVal(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func isDigit(c byte) bool      { return '0' <= c && c <= '9' }
func isIdentStart(c byte) bool { return c == '_' || 'a' <= c|0x20 && c|0x20 <= 'z' }
func isIdent(c byte) bool      { return isIdentStart(c) || isDigit(c) }

// appendDecimalEscape appends b as a three-digit \ddd escape.
func appendDecimalEscape(out []byte, b byte) []byte {
	return append(out, '\\', '0'+b/100, '0'+b/10%10, '0'+b%10)
}

// appendUTF8 appends the UTF-8 encoding of a valid code point as decimal
// escapes.
func appendUTF8(out []byte, cp rune) []byte {
	var buf [4]byte
	n := utf8.EncodeRune(buf[:], cp)
	for _, b := range buf[:n] {
		out = appendDecimalEscape(out, b)
	}
	return out
}
