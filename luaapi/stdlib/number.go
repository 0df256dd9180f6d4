package stdlib

import (
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// FormatNumber formats f as LuaJIT's tostring does ("%.14g", with "inf",
// "-inf", "nan" and "-0"). ngx.say, ngx.print and ngx.log should use it for
// numbers.
func FormatNumber(f float64) string {
	return string(AppendNumber(nil, f))
}

// ToString is tostring(v) as LuaJIT does it: numbers in "%.14g",
// anything else through its __tostring metamethod.
func ToString(L *lua.LState, v lua.LValue) string {
	switch x := v.(type) {
	case lua.LString:
		return string(x)
	case lua.LNumber:
		return FormatNumber(float64(x))
	}
	return L.ToStringMeta(v).String()
}

// AppendNumber appends FormatNumber(f) to b.
func AppendNumber(b []byte, f float64) []byte {
	// the commonest numbers (counters, indexes, statuses' digits) without
	// the checks and calls below; -0 is not among them
	if f >= 1 && f < 1000 {
		if n := int(f); float64(n) == f {
			switch {
			case n < 10:
				return append(b, byte('0'+n))
			case n < 100:
				return append(b, byte('0'+n/10), byte('0'+n%10))
			}
			return append(b, byte('0'+n/100), byte('0'+n/10%10), byte('0'+n%10))
		}
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e14 {
		if f == 0 && math.Signbit(f) {
			return append(b, "-0"...)
		}
		return strconv.AppendInt(b, int64(f), 10)
	}
	switch {
	case math.IsNaN(f):
		return append(b, "nan"...)
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	}
	return strconv.AppendFloat(b, f, 'g', 14, 64)
}

// appendInt32 is strconv.AppendInt(b, n, 10) for a 32-bit n, with less
// ceremony (a counter printed per request is most of what ngx.say formats).
func appendInt32(b []byte, n int64) []byte {
	var buf [11]byte
	i := len(buf)
	u := uint64(n)
	if n < 0 {
		u = uint64(-n)
	}
	for u >= 10 {
		i--
		buf[i] = byte('0' + u%10)
		u /= 10
	}
	i--
	buf[i] = byte('0' + u)
	if n < 0 {
		i--
		buf[i] = '-'
	}
	return append(b, buf[i:]...)
}

// AppendNumberOut appends f as ngx.say, ngx.print, ngx.log and
// tcpsock:send write numbers, which is not tostring's way: a whole number
// that fits 32 bits is printed as an integer (so -0 is "0"), anything else
// with C's "%.14g", where a NaN with its sign bit set (what 0/0 gives) is
// "-nan".
func AppendNumberOut(b []byte, f float64) []byte {
	if f >= math.MinInt32 && f <= math.MaxInt32 && f == math.Trunc(f) {
		return appendInt32(b, int64(f))
	}
	if math.IsNaN(f) && math.Signbit(f) {
		return append(b, "-nan"...)
	}
	return AppendNumber(b, f)
}

// ToNumber is tonumber(v) without a base: a number as it is, a string in
// LuaJIT's number syntax, anything else (or a malformed string) not ok.
func ToNumber(v lua.LValue) (float64, bool) {
	switch x := v.(type) {
	case lua.LNumber:
		return float64(x), true
	case lua.LString:
		return parseNumber(string(x))
	}
	return 0, false
}

// parseNumber converts a string to a number as LuaJIT's lua_tonumber does:
// surrounding whitespace, decimal with exponent, hex with optional fraction
// and binary exponent, binary ("0b101"), and "inf", "infinity" and "nan" in
// any case.
func parseNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	neg := false
	body := s
	if body[0] == '-' || body[0] == '+' {
		neg = body[0] == '-'
		body = body[1:]
	}
	switch strings.ToLower(body) {
	case "inf", "infinity":
		if neg {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	case "nan":
		return math.NaN(), true
	}
	if len(body) > 2 && body[0] == '0' && body[1]|0x20 == 'b' {
		u, err := strconv.ParseUint(body[2:], 2, 64)
		if err != nil && !isRangeErr(err) {
			return 0, false
		}
		f := float64(u)
		if neg {
			f = -f
		}
		return f, true
	}
	if len(body) > 2 && body[0] == '0' && body[1]|0x20 == 'x' {
		f, ok := parseHexBody(body[2:])
		if neg {
			f = -f
		}
		return f, ok
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !isRangeErr(err) {
		return 0, false
	}
	return f, true
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func parseHexBody(s string) (float64, bool) {
	var mant float64
	exp, digits, i := 0, 0, 0
	for ; i < len(s) && hexDigit(s[i]) >= 0; i++ {
		mant = mant*16 + float64(hexDigit(s[i]))
		digits++
	}
	if i < len(s) && s[i] == '.' {
		for i++; i < len(s) && hexDigit(s[i]) >= 0; i++ {
			mant = mant*16 + float64(hexDigit(s[i]))
			exp -= 4
			digits++
		}
	}
	if digits == 0 {
		return 0, false
	}
	if i < len(s) && s[i]|0x20 == 'p' {
		e, err := strconv.Atoi(s[i+1:])
		if err != nil {
			return 0, false
		}
		exp += e
		i = len(s)
	}
	if i != len(s) {
		return 0, false
	}
	return math.Ldexp(mant, exp), true
}

func hexDigit(c byte) int {
	if d := digitValue(c); d < 16 {
		return d
	}
	return -1
}

// digitValue is the value of c as a digit of base 36 (0-9, then a-z in
// either case), or -1.
func digitValue(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c|0x20 && c|0x20 <= 'z':
		return int(c|0x20-'a') + 10
	}
	return -1
}

// toInt64 converts like a C (int64_t) cast on x86-64: truncation, and
// INT64_MIN for NaN and values out of range.
func toInt64(f float64) int64 {
	if f != f || f >= 9223372036854775807 || f < -9223372036854775808 {
		return math.MinInt64
	}
	return int64(f)
}

// toUint64 is LuaJIT's conversion for %x %o %u: values in [2^63, 2^64)
// convert directly, others through int64.
func toUint64(f float64) uint64 {
	if f >= 9223372036854775808 && f < 18446744073709551616 {
		return uint64(f)
	}
	return uint64(toInt64(f))
}
