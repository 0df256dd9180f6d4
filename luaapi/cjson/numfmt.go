package cjson

import (
	"math"
	"strconv"
)

// appendNumber appends f formatted like C's printf("%.<prec>g"), which is
// what lua-cjson uses for every number it encodes.
func appendNumber(buf []byte, f float64, prec int) []byte {
	if f == math.Trunc(f) && math.Abs(f) < pow10[prec] {
		if f == 0 && math.Signbit(f) {
			return append(buf, "-0"...)
		}
		return strconv.AppendInt(buf, int64(f), 10)
	}
	var scratch [40]byte
	if prec <= 15 && math.Abs(f) >= 0x1p-1022 { // normal numbers only
		// When the shortest representation has at most prec digits it is
		// also what %.<prec>g prints: a double is within 1.2e-16 (relative)
		// of it, less than half a unit in the 15th digit.
		e := strconv.AppendFloat(scratch[:0], f, 'e', -1, 64)
		epos, digits := 0, 0
		for ; e[epos] != 'e'; epos++ {
			if isDigit(e[epos]) {
				digits++
			}
		}
		if digits <= prec {
			exp, _ := strconv.Atoi(string(e[epos+1:]))
			if exp < -4 || exp >= prec {
				return append(buf, e...)
			}
			return strconv.AppendFloat(buf, f, 'f', -1, 64)
		}
	}
	e := strconv.AppendFloat(scratch[:0], f, 'e', prec-1, 64)
	// e is [-]d[.ddd]e±XX
	epos := len(e) - 1
	for e[epos] != 'e' {
		epos--
	}
	exp, _ := strconv.Atoi(string(e[epos+1:]))
	if exp < -4 || exp >= prec {
		mant := trimZeros(e[:epos])
		buf = append(buf, mant...)
		buf = append(buf, 'e')
		if exp < 0 {
			buf = append(buf, '-')
			exp = -exp
		} else {
			buf = append(buf, '+')
		}
		if exp < 10 {
			buf = append(buf, '0')
		}
		return strconv.AppendInt(buf, int64(exp), 10)
	}
	start := len(buf)
	buf = strconv.AppendFloat(buf, f, 'f', prec-1-exp, 64)
	return append(buf[:start], trimZeros(buf[start:])...)
}

// trimZeros removes trailing fraction zeros (and a bare '.') as %g does.
func trimZeros(b []byte) []byte {
	dot := -1
	for i, c := range b {
		if c == '.' {
			dot = i
			break
		}
	}
	if dot < 0 {
		return b
	}
	n := len(b)
	for n > dot+1 && b[n-1] == '0' {
		n--
	}
	if n == dot+1 {
		n = dot
	}
	return b[:n]
}

var pow10 = func() [18]float64 {
	var p [18]float64
	v := 1.0
	for i := range p {
		p[i] = v
		v *= 10
	}
	return p
}()

// scanNumber reads the longest prefix of s that C's strtod accepts (decimal,
// hexadecimal, inf, infinity, nan) and returns its value and length; n is 0
// when s does not start with a number.
func scanNumber(s string) (v float64, n int) {
	i := 0
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	if m := matchWord(s[i:]); m > 0 {
		v = math.Inf(1)
		if lower(s[i]) == 'n' {
			v = math.NaN()
		}
		if neg {
			v = -v
		}
		return v, i + m
	}
	if i+1 < len(s) && s[i] == '0' && lower(s[i+1]) == 'x' {
		if v, m := scanHex(s[i+2:]); m > 0 {
			if neg {
				v = -v
			}
			return v, i + 2 + m
		}
	}
	digits := 0
	j := i
	for j < len(s) && isDigit(s[j]) {
		j++
		digits++
	}
	if j < len(s) && s[j] == '.' {
		j++
		for j < len(s) && isDigit(s[j]) {
			j++
			digits++
		}
	}
	if digits == 0 {
		return 0, 0
	}
	if j < len(s) && lower(s[j]) == 'e' {
		k := j + 1
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			k++
		}
		if k < len(s) && isDigit(s[k]) {
			for k < len(s) && isDigit(s[k]) {
				k++
			}
			j = k
		}
	}
	v, _ = strconv.ParseFloat(s[:j], 64) // out of range gives ±Inf or 0, as strtod
	return v, j
}

// matchWord matches strtod's "inf", "infinity" and "nan[(chars)]".
func matchWord(s string) int {
	if hasPrefixFold(s, "infinity") {
		return 8
	}
	if hasPrefixFold(s, "inf") {
		return 3
	}
	if !hasPrefixFold(s, "nan") {
		return 0
	}
	if len(s) > 3 && s[3] == '(' {
		for k := 4; k < len(s); k++ {
			c := s[k]
			if c == ')' {
				return k + 1
			}
			if !isDigit(c) && !(lower(c) >= 'a' && lower(c) <= 'z') && c != '_' {
				break
			}
		}
	}
	return 3
}

// scanHex reads hex digits with an optional fraction and p exponent (after
// "0x"); it returns n == 0 when no hex digit follows.
func scanHex(s string) (float64, int) {
	var mant [64]byte
	m := append(mant[:0], "0x"...)
	digits := 0
	j := 0
	for j < len(s) && isHex(s[j]) {
		m = append(m, s[j])
		j++
		digits++
	}
	if j < len(s) && s[j] == '.' {
		m = append(m, '.')
		j++
		for j < len(s) && isHex(s[j]) {
			m = append(m, s[j])
			j++
			digits++
		}
	}
	if digits == 0 {
		return 0, 0
	}
	exp := "p0"
	if j < len(s) && lower(s[j]) == 'p' {
		k := j + 1
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			k++
		}
		if k < len(s) && isDigit(s[k]) {
			for k < len(s) && isDigit(s[k]) {
				k++
			}
			exp = s[j:k]
			j = k
		}
	}
	m = append(m, exp...)
	v, _ := strconv.ParseFloat(string(m), 64)
	return v, j
}

func hasPrefixFold(s, word string) bool {
	if len(s) < len(word) {
		return false
	}
	for i := 0; i < len(word); i++ {
		if lower(s[i]) != word[i] {
			return false
		}
	}
	return true
}

func lower(c byte) byte { return c | 0x20 }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHex(c byte) bool {
	return isDigit(c) || (lower(c) >= 'a' && lower(c) <= 'f')
}
