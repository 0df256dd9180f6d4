package cjson

import (
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// token kinds, named in errors as lua-cjson names them.
type tokenKind uint8

const (
	tObjBegin tokenKind = iota
	tObjEnd
	tArrBegin
	tArrEnd
	tString
	tNumber
	tBoolean
	tNull
	tColon
	tComma
	tEnd
	tError
)

var tokenNames = [...]string{
	"T_OBJ_BEGIN", "T_OBJ_END", "T_ARR_BEGIN", "T_ARR_END", "T_STRING",
	"T_NUMBER", "T_BOOLEAN", "T_NULL", "T_COLON", "T_COMMA", "T_END", "",
}

type token struct {
	kind  tokenKind
	index int    // 0-based offset of the token (of the error for tError)
	str   string // tString value, or the tError reason
	num   float64
	b     bool
}

type decoder struct {
	L     *lua.LState
	cfg   *config
	data  string
	pos   int
	depth int
	tmp   []byte       // unescaped string scratch
	stack []lua.LValue // values of the arrays and objects being built
	keys  []string     // keys of the objects being built
}

// decode parses s with cfg's settings into Lua values of L.
func decode(L *lua.LState, cfg *config, s string) (v lua.LValue, err jsonError) {
	if len(s) >= 2 && (s[0] == 0 || s[1] == 0) {
		return lua.LNil, "JSON parser does not support UTF-16 or UTF-32"
	}
	if z := strings.IndexByte(s, 0); z >= 0 {
		s = s[:z] // like lua-cjson, a NUL byte ends the input
	}
	d := decoder{L: L, cfg: cfg, data: s}
	defer func() {
		if r := recover(); r != nil {
			je, ok := r.(jsonError)
			if !ok {
				panic(r)
			}
			v, err = lua.LNil, je
		}
	}()
	var tok token
	d.next(&tok)
	v = d.value(&tok)
	d.next(&tok)
	if tok.kind != tEnd {
		d.fail("the end", &tok)
	}
	return v, ""
}

func (d *decoder) fail(expected string, tok *token) {
	found := tokenNames[tok.kind]
	if tok.kind == tError {
		found = tok.str
	}
	panic(jsonError("Expected " + expected + " but found " + found +
		" at character " + itoa(tok.index+1)))
}

func (d *decoder) errToken(tok *token, reason string) {
	tok.kind, tok.index, tok.str = tError, d.pos, reason
}

// at returns the byte at i, or 0 past the end.
func (d *decoder) at(i int) byte {
	if i < len(d.data) {
		return d.data[i]
	}
	return 0
}

func (d *decoder) next(tok *token) {
	for {
		c := d.at(d.pos)
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			break
		}
		d.pos++
	}
	tok.index = d.pos
	c := d.at(d.pos)
	switch c {
	case 0:
		tok.kind = tEnd
		return
	case '{', '}', '[', ']', ',', ':':
		tok.kind = singleTokens[c]
		d.pos++
		return
	case '"':
		d.string(tok)
		return
	}
	rest := d.data[d.pos:]
	switch {
	case c == '-' || isDigit(c):
		if !d.cfg.decodeInvalid && invalidNumber(rest) {
			d.errToken(tok, "invalid number")
			return
		}
		d.number(tok)
	case len(rest) >= 4 && rest[:4] == "true":
		tok.kind, tok.b = tBoolean, true
		d.pos += 4
	case len(rest) >= 5 && rest[:5] == "false":
		tok.kind, tok.b = tBoolean, false
		d.pos += 5
	case len(rest) >= 4 && rest[:4] == "null":
		tok.kind = tNull
		d.pos += 4
	case d.cfg.decodeInvalid && (c == '+' || c == 'i' || c == 'I' || c == 'n' || c == 'N') &&
		invalidNumber(rest):
		d.number(tok)
	default:
		d.errToken(tok, "invalid token")
	}
}

var singleTokens = [256]tokenKind{
	'{': tObjBegin, '}': tObjEnd, '[': tArrBegin, ']': tArrEnd, ',': tComma, ':': tColon,
}

// invalidNumber reports numbers strtod accepts but strict JSON does not:
// a leading '+', leading zeros, hexadecimal, inf and nan.
func invalidNumber(p string) bool {
	i := 0
	if i < len(p) && p[i] == '+' {
		return true
	}
	if i < len(p) && p[i] == '-' {
		i++
	}
	c := byte(0)
	if i < len(p) {
		c = p[i]
	}
	if c == '0' {
		next := byte(0)
		if i+1 < len(p) {
			next = p[i+1]
		}
		return lower(next) == 'x' || isDigit(next)
	}
	if c <= '9' {
		return false
	}
	return hasPrefixFold(p[i:], "inf") || hasPrefixFold(p[i:], "nan")
}

func (d *decoder) number(tok *token) {
	v, n := scanNumber(d.data[d.pos:])
	if n == 0 {
		d.errToken(tok, "invalid number")
		return
	}
	tok.kind, tok.num = tNumber, v
	d.pos += n
}

func (d *decoder) string(tok *token) {
	d.pos++ // opening quote
	start := d.pos
	d.tmp = d.tmp[:0]
	escaped := false
	for {
		c := d.at(d.pos)
		if c == '"' {
			break
		}
		if c == 0 {
			d.errToken(tok, "unexpected end of string")
			return
		}
		if c != '\\' {
			d.pos++
			continue
		}
		if !escaped {
			d.tmp = append(d.tmp, d.data[start:d.pos]...)
			escaped = true
		}
		if !d.escape(tok) {
			return
		}
	}
	if escaped {
		tok.str = string(d.tmp)
	} else {
		tok.str = string([]byte(d.data[start:d.pos])) // copy: do not pin the input
	}
	tok.kind = tString
	d.pos++ // closing quote
}

// escape decodes the escape at d.pos into d.tmp and advances past it,
// appending later plain bytes too until the next escape or the end quote.
func (d *decoder) escape(tok *token) bool {
	var c byte
	switch d.at(d.pos + 1) {
	case '"':
		c = '"'
	case '\\':
		c = '\\'
	case '/':
		c = '/'
	case 'b':
		c = '\b'
	case 'f':
		c = '\f'
	case 'n':
		c = '\n'
	case 'r':
		c = '\r'
	case 't':
		c = '\t'
	case 'u':
		if !d.unicode() {
			d.errToken(tok, "invalid unicode escape code")
			return false
		}
		d.copyPlain()
		return true
	default:
		d.errToken(tok, "invalid escape code")
		return false
	}
	d.tmp = append(d.tmp, c)
	d.pos += 2
	d.copyPlain()
	return true
}

// copyPlain appends bytes up to the next backslash, quote or NUL.
func (d *decoder) copyPlain() {
	start := d.pos
	for {
		c := d.at(d.pos)
		if c == '\\' || c == '"' || c == 0 {
			break
		}
		d.pos++
	}
	d.tmp = append(d.tmp, d.data[start:d.pos]...)
}

func (d *decoder) hex4(i int) int {
	v := 0
	for k := 0; k < 4; k++ {
		c := d.at(i + k)
		switch {
		case isDigit(c):
			v = v<<4 | int(c-'0')
		case lower(c) >= 'a' && lower(c) <= 'f':
			v = v<<4 | int(lower(c)-'a'+10)
		default:
			return -1
		}
	}
	return v
}

// unicode decodes \uXXXX (or a surrogate pair) at d.pos to UTF-8.
func (d *decoder) unicode() bool {
	cp := d.hex4(d.pos + 2)
	if cp < 0 {
		return false
	}
	size := 6
	if cp&0xF800 == 0xD800 {
		if cp&0x400 != 0 || d.at(d.pos+6) != '\\' || d.at(d.pos+7) != 'u' {
			return false
		}
		low := d.hex4(d.pos + 8)
		if low < 0 || low&0xFC00 != 0xDC00 {
			return false
		}
		cp = ((cp&0x3FF)<<10 | low&0x3FF) + 0x10000
		size = 12
	}
	switch {
	case cp <= 0x7F:
		d.tmp = append(d.tmp, byte(cp))
	case cp <= 0x7FF:
		d.tmp = append(d.tmp, byte(cp>>6|0xC0), byte(cp&0x3F|0x80))
	case cp <= 0xFFFF:
		d.tmp = append(d.tmp, byte(cp>>12|0xE0), byte(cp>>6&0x3F|0x80), byte(cp&0x3F|0x80))
	default:
		d.tmp = append(d.tmp, byte(cp>>18|0xF0), byte(cp>>12&0x3F|0x80),
			byte(cp>>6&0x3F|0x80), byte(cp&0x3F|0x80))
	}
	d.pos += size
	return true
}

func (d *decoder) value(tok *token) lua.LValue {
	switch tok.kind {
	case tString:
		return lua.LString(tok.str)
	case tNumber:
		return lua.LNumber(tok.num)
	case tBoolean:
		return lua.LBool(tok.b)
	case tNull:
		if d.cfg.decodeJSONNull {
			return d.cfg.shared.null
		}
		return lua.LNil
	case tObjBegin:
		return d.object()
	case tArrBegin:
		return d.array()
	}
	d.fail("value", tok)
	return nil
}

func (d *decoder) descend() {
	d.depth++
	if d.depth > d.cfg.decodeMaxDepth {
		panic(jsonError("Found too many nested data structures (" + itoa(d.depth) +
			") at character " + itoa(d.pos)))
	}
}

func (d *decoder) object() lua.LValue {
	d.descend()
	base := len(d.stack)
	var tok token
	d.next(&tok)
	if tok.kind != tObjEnd {
		for {
			if tok.kind != tString {
				d.fail("object key string", &tok)
			}
			d.keys = append(d.keys, tok.str)
			d.next(&tok)
			if tok.kind != tColon {
				d.fail("colon", &tok)
			}
			d.next(&tok)
			d.stack = append(d.stack, d.value(&tok))
			d.next(&tok)
			if tok.kind == tObjEnd {
				break
			}
			if tok.kind != tComma {
				d.fail("comma or object end", &tok)
			}
			d.next(&tok)
		}
	}
	d.depth--
	vals := d.stack[base:]
	keys := d.keys[len(d.keys)-len(vals):]
	t := d.L.CreateTable(0, len(vals))
	for i, v := range vals {
		if v != lua.LNil {
			t.RawSetString(keys[i], v)
		}
	}
	clear(vals)
	clear(keys)
	d.stack = d.stack[:base]
	d.keys = d.keys[:len(d.keys)-len(vals)]
	return t
}

func (d *decoder) array() lua.LValue {
	d.descend()
	base := len(d.stack)
	var tok token
	d.next(&tok)
	if tok.kind != tArrEnd {
		for {
			d.stack = append(d.stack, d.value(&tok))
			d.next(&tok)
			if tok.kind == tArrEnd {
				break
			}
			if tok.kind != tComma {
				d.fail("comma or array end", &tok)
			}
			d.next(&tok)
		}
	}
	d.depth--
	vals := d.stack[base:]
	t := d.L.CreateTable(len(vals), 0)
	for i, v := range vals {
		if v != lua.LNil {
			t.RawSetInt(i+1, v)
		}
	}
	if d.cfg.decodeArrayWithArrayMT {
		t.Metatable = d.cfg.shared.arrayMT
	}
	clear(vals)
	d.stack = d.stack[:base]
	return t
}
