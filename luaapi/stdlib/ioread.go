package stdlib

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"

	lua "github.com/yuin/gopher-lua"
)

// read is f:read with LuaJIT's formats: a count, "n", "l", "L", "a"
// (each with an optional "*"; only the first letter counts). No format
// reads a line. Reading stops at the first format that fails, which gives
// nil. On a read error, the results are dropped and the error returned.
// The format at formats[i] is argument base+i in error messages.
func (f *ioFile) read(L *lua.LState, formats []lua.LValue, base int) (int, error) {
	if f.r == nil {
		f.r = bufio.NewReader(f.f)
	}
	top := L.GetTop()
	var rerr error
	if len(formats) == 0 {
		formats = []lua.LValue{lua.LString("l")}
	}
	for i, v := range formats {
		var ok bool
		switch v := v.(type) {
		case lua.LNumber:
			ok = f.readCount(L, v, &rerr)
		case lua.LString:
			p := string(v)
			if p != "" && p[0] == '*' {
				p = p[1:]
			}
			switch {
			case p == "":
				argError(L, base+i, "invalid format")
			case p[0] == 'n':
				var n float64
				if n, ok = scanNumber(f.r); ok {
					L.Push(lua.LNumber(n))
				} else {
					L.Push(lua.LNil)
				}
			case p[0] == 'l' || p[0] == 'L':
				ok = f.readLine(L, p[0] == 'l', &rerr)
			case p[0] == 'a':
				b, err := io.ReadAll(f.r)
				keepErr(&rerr, err)
				L.Push(bytesString(b))
				ok = true
			default:
				argError(L, base+i, "invalid format")
			}
		default:
			argError(L, base+i, "invalid option")
		}
		if !ok {
			L.Replace(-1, lua.LNil)
			break
		}
	}
	if rerr != nil {
		L.SetTop(top)
		return 0, rerr
	}
	return L.GetTop() - top, nil
}

// keepErr records err in *dst unless it is io.EOF or one is recorded.
func keepErr(dst *error, err error) {
	if err != nil && !errors.Is(err, io.EOF) && *dst == nil {
		*dst = err
	}
}

// readCount reads up to n bytes; 0 tests for the end of the file. It
// fails when nothing could be read.
func (f *ioFile) readCount(L *lua.LState, v lua.LNumber, rerr *error) bool {
	n := toInt64(float64(v))
	if n < 0 || n >= 1<<31 {
		// LuaJIT allocates the buffer first, and its buffers stop at 2 GB
		L.Error(lua.LString("not enough memory"), 0)
	}
	if n == 0 {
		_, err := f.r.Peek(1)
		keepErr(rerr, err)
		L.Push(lua.LString(""))
		return err == nil
	}
	var buf bytes.Buffer
	_, err := io.Copy(&buf, io.LimitReader(f.r, n))
	keepErr(rerr, err)
	L.Push(bytesString(buf.Bytes()))
	return buf.Len() > 0
}

// readLine reads a line, without its "\n" when chop. It fails at the end
// of the file.
func (f *ioFile) readLine(L *lua.LState, chop bool, rerr *error) bool {
	b, err := f.r.ReadBytes('\n')
	keepErr(rerr, err)
	if len(b) == 0 {
		L.Push(lua.LString(""))
		return false
	}
	if chop && b[len(b)-1] == '\n' {
		b = b[:len(b)-1]
	}
	L.Push(bytesString(b))
	return true
}

// scanNumber reads a number as glibc's scanf("%lf") does in LuaJIT's
// "*n": blanks skipped, then the longest prefix of a decimal or hex
// number, inf or nan. A character that cannot go on is left unread, except
// inside "inf", "infinity" and "nan", where it is consumed. A dangling
// exponent ("1e", "0x1p+") is consumed and ignored. Read errors count as
// the end of the file.
func scanNumber(r *bufio.Reader) (float64, bool) {
	peek := func() byte {
		b, err := r.Peek(1)
		if err != nil {
			return 0
		}
		return b[0]
	}
	c := peek()
	for c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' {
		_, _ = r.ReadByte()
		c = peek()
	}
	var s []byte
	take := func() {
		s = append(s, c)
		_, _ = r.ReadByte()
		c = peek()
	}
	if c == '+' || c == '-' {
		take()
	}
	if c|0x20 == 'i' || c|0x20 == 'n' {
		return scanWord(r, s, c|0x20 == 'i')
	}
	hex, digits := false, 0
	if c == '0' {
		take()
		digits++
		if c|0x20 == 'x' {
			take()
			hex, digits = true, 0
		}
	}
	isDigit := func(c byte) bool {
		return c >= '0' && c <= '9' || hex && (c|0x20 >= 'a' && c|0x20 <= 'f')
	}
	for isDigit(c) {
		take()
		digits++
	}
	if c == '.' {
		take()
		for isDigit(c) {
			take()
			digits++
		}
	}
	if digits == 0 {
		return 0, false
	}
	mant := len(s)
	if hex && c|0x20 == 'p' || !hex && c|0x20 == 'e' {
		take()
		if c == '+' || c == '-' {
			take()
		}
		expDigits := 0
		for c >= '0' && c <= '9' {
			take()
			expDigits++
		}
		if expDigits == 0 {
			s = s[:mant]
		}
	}
	if hex && len(s) == mant {
		s = append(s, "p0"...)
	}
	n, err := strconv.ParseFloat(string(s), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return n, true
}

// scanWord reads the rest of "inf"/"infinity" or "nan" after the sign in
// sign, case-insensitively.
func scanWord(r *bufio.Reader, sign []byte, inf bool) (float64, bool) {
	match := func(word string) bool {
		for i := 0; i < len(word); i++ {
			b, err := r.ReadByte()
			if err != nil || b|0x20 != word[i] {
				return false
			}
		}
		return true
	}
	word := "nan"
	if inf {
		word = "inf"
	}
	if !match(word) {
		return 0, false
	}
	if inf {
		if b, err := r.Peek(1); err == nil && b[0]|0x20 == 'i' {
			if !match("infinity"[3:]) {
				return 0, false
			}
		}
	}
	n, _ := strconv.ParseFloat(string(sign)+word, 64)
	return n, true
}
