package stdlib

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// fmtSpec is one parsed "%..." conversion.
type fmtSpec struct {
	flags string
	width string
	prec  string // includes the dot, "" when absent
	verb  byte
}

func (s fmtSpec) goFormat(verb byte) string {
	return "%" + s.flags + s.width + s.prec + string(verb)
}

// parseSpec parses the conversion starting after '%' at f[i:]. It returns
// the spec and the index after it, or the text LuaJIT shows in
// "invalid option '%...' to 'format'".
func parseSpec(f string, i int) (fmtSpec, int, string) {
	start := i
	var s fmtSpec
	for i < len(f) && strings.IndexByte("-+ #0", f[i]) >= 0 {
		i++
	}
	s.flags = f[start:i]
	w := i
	for i < len(f) && isDigit(f[i]) {
		i++
		if i-w > 2 {
			return s, 0, f[start-1 : i]
		}
	}
	s.width = f[w:i]
	if i < len(f) && f[i] == '.' {
		p := i
		i++
		for i < len(f) && isDigit(f[i]) {
			i++
			if i-p > 3 {
				return s, 0, f[start-1 : i]
			}
		}
		s.prec = f[p:i]
	}
	if i >= len(f) || strings.IndexByte("diouxXcaAeEfgGqs", f[i]) < 0 {
		end := i + 1
		if end > len(f) {
			end = len(f)
		}
		return s, 0, f[start-1 : end]
	}
	s.verb = f[i]
	return s, i + 1, ""
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// strFormat is string.format with C printf semantics as LuaJIT implements it.
func strFormat(L *lua.LState) int {
	f := checkString(L, 1)
	var b strings.Builder
	arg := 1
	for i := 0; i < len(f); {
		c := f[i]
		if c != '%' {
			j := strings.IndexByte(f[i:], '%')
			if j < 0 {
				j = len(f) - i
			}
			b.WriteString(f[i : i+j])
			i += j
			continue
		}
		if i+1 < len(f) && f[i+1] == '%' {
			b.WriteByte('%')
			i += 2
			continue
		}
		spec, next, bad := parseSpec(f, i+1)
		if bad != "" {
			raise(L, "invalid option '%s' to 'format'", bad)
		}
		i = next
		arg++
		if arg > L.GetTop() {
			argError(L, arg, "value expected")
		}
		formatOne(L, &b, spec, arg)
	}
	L.Push(lua.LString(b.String()))
	return 1
}

func formatOne(L *lua.LState, b *strings.Builder, spec fmtSpec, arg int) {
	switch spec.verb {
	case 'd', 'i':
		n := toInt64(checkNumber(L, arg))
		b.WriteString(fmtInt(spec, 'd', n == 0, func(f string) string { return fmt.Sprintf(f, n) }))
	case 'u':
		u := toUint64(checkNumber(L, arg))
		spec.flags = strings.NewReplacer("+", "", " ", "").Replace(spec.flags)
		b.WriteString(fmtInt(spec, 'd', u == 0, func(f string) string { return fmt.Sprintf(f, u) }))
	case 'o', 'x', 'X':
		u := toUint64(checkNumber(L, arg))
		spec.flags = strings.NewReplacer("+", "", " ", "").Replace(spec.flags)
		b.WriteString(fmtInt(spec, spec.verb, u == 0, func(f string) string { return fmt.Sprintf(f, u) }))
	case 'c':
		ch := byte(toInt64(checkNumber(L, arg)))
		b.WriteString(pad(spec, string([]byte{ch})))
	case 'e', 'E', 'f', 'g', 'G':
		b.WriteString(fmtFloat(spec, checkNumber(L, arg)))
	case 'a', 'A':
		b.WriteString(fmtHexFloat(spec, checkNumber(L, arg)))
	case 'q':
		writeQuoted(b, checkString(L, arg))
	case 's':
		s := toStringMeta(L, L.Get(arg))
		if spec.prec != "" {
			p, _ := strconv.Atoi(spec.prec[1:])
			if p < len(s) {
				s = s[:p]
			}
		}
		b.WriteString(pad(spec, s))
	}
}

// fmtInt formats an integer conversion with Go's fmt, which follows C for
// every flag except '#' with a zero value (C prints no prefix).
func fmtInt(spec fmtSpec, verb byte, zero bool, sprint func(string) string) string {
	if zero && strings.IndexByte(spec.flags, '#') >= 0 && verb != 'o' {
		spec.flags = strings.ReplaceAll(spec.flags, "#", "")
	}
	if spec.prec == "." {
		spec.prec = ".0"
	}
	return sprint(spec.goFormat(verb))
}

// fmtFloat formats %e %E %f %g %G; C's default precision is 6 where Go's
// %g would print the shortest representation.
func fmtFloat(spec fmtSpec, f float64) string {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return fmtNonFinite(spec, f)
	}
	if spec.prec == "" {
		spec.prec = ".6"
	} else if spec.prec == "." {
		spec.prec = ".0"
	}
	if spec.verb == 'f' {
		f = roundTiesAway(f, spec.prec)
	}
	return fmt.Sprintf(spec.goFormat(spec.verb), f)
}

// roundTiesAway nudges f when it lies exactly halfway between two values
// at the %f precision: LuaJIT's own formatter rounds such ties away from
// zero (string.format("%.0f", 2.5) is "3") where Go rounds to even.
func roundTiesAway(f float64, prec string) float64 {
	p, _ := strconv.Atoi(prec[1:])
	if p > 20 || math.Abs(f) >= 1<<52 {
		return f
	}
	scaled := math.Ldexp(f, p+1) // exact: a tie needs <= p+1 binary fraction digits
	if scaled != math.Trunc(scaled) {
		return f
	}
	s := strconv.FormatFloat(f, 'f', p+1, 64)
	if s[len(s)-1] != '5' {
		return f
	}
	return math.Nextafter(f, math.Copysign(math.Inf(1), f))
}

// fmtNonFinite prints inf and nan as glibc does: "inf", "-inf", "nan"
// (upper case for %E %G %A), space padded.
func fmtNonFinite(spec fmtSpec, f float64) string {
	var s string
	switch {
	case math.IsNaN(f):
		s = "nan"
	case f > 0:
		s = "inf"
	default:
		s = "-inf"
	}
	if f > 0 || math.IsNaN(f) {
		if strings.IndexByte(spec.flags, '+') >= 0 {
			s = "+" + s
		} else if strings.IndexByte(spec.flags, ' ') >= 0 {
			s = " " + s
		}
	}
	if spec.verb == 'E' || spec.verb == 'G' || spec.verb == 'A' {
		s = strings.ToUpper(s)
	}
	spec.flags = strings.ReplaceAll(spec.flags, "0", "")
	return pad(spec, s)
}

// fmtHexFloat is %a / %A: Go writes the exponent with at least two digits,
// C with as few as needed.
func fmtHexFloat(spec fmtSpec, f float64) string {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return fmtNonFinite(spec, f)
	}
	prec := -1
	if spec.prec != "" {
		prec, _ = strconv.Atoi(spec.prec[1:])
	}
	s := strconv.FormatFloat(f, 'x', prec, 64)
	if p := strings.IndexByte(s, 'p'); p >= 0 && p+2 < len(s) {
		exp := strings.TrimLeft(s[p+2:], "0")
		if exp == "" {
			exp = "0"
		}
		s = s[:p+2] + exp
	}
	if !strings.HasPrefix(s, "-") {
		if strings.IndexByte(spec.flags, '+') >= 0 {
			s = "+" + s
		} else if strings.IndexByte(spec.flags, ' ') >= 0 {
			s = " " + s
		}
	}
	if spec.verb == 'A' {
		s = strings.ToUpper(s)
	}
	return pad(spec, s)
}

// pad applies the width and '-' flag of spec to s.
func pad(spec fmtSpec, s string) string {
	if spec.width == "" {
		return s
	}
	w, _ := strconv.Atoi(spec.width)
	if len(s) >= w {
		return s
	}
	fill := strings.Repeat(" ", w-len(s))
	if strings.IndexByte(spec.flags, '-') >= 0 {
		return s + fill
	}
	return fill + s
}

// writeQuoted is %q: a string Lua can read back.
func writeQuoted(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString("\\\n")
		case c < 32 || c == 127:
			// LuaJIT writes control characters as decimal escapes, three
			// digits when a digit follows.
			if i+1 < len(s) && isDigit(s[i+1]) {
				fmt.Fprintf(b, "\\%03d", c)
			} else {
				fmt.Fprintf(b, "\\%d", c)
			}
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}
