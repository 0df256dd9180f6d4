package config

import (
	"fmt"
	"regexp/syntax"
	"strconv"
	"strings"
)

// pcreError renders a Go regexp compile error of pattern pat the way nginx
// reports a PCRE2 one: `pcre2_compile() failed: MSG in "PAT"`, followed by
// ` at "REST"` when PCRE stops before the end of the pattern. PCRE features
// that Go's regexp lacks (look-around, back references...) are reported as
// not supported by goresty.
func pcreError(pat string, err error) string {
	se, ok := err.(*syntax.Error)
	if !ok {
		return fmt.Sprintf(`pcre2_compile() failed: %v in "%s"`, err, pat)
	}
	msg, at := pcreText(pat, se)
	if msg == "" {
		return fmt.Sprintf(`regex "%s": "%s" is not supported by goresty`, pat, se.Expr)
	}
	if at < 0 || at >= len(pat) {
		return fmt.Sprintf(`pcre2_compile() failed: %s in "%s"`, msg, pat)
	}
	return fmt.Sprintf(`pcre2_compile() failed: %s in "%s" at "%s"`, msg, pat, pat[at:])
}

// pcreText maps a Go error to PCRE2's message and error offset (-1: the
// end of the pattern). An empty message means a PCRE feature Go lacks.
func pcreText(pat string, se *syntax.Error) (string, int) {
	i := strings.Index(pat, se.Expr)
	switch se.Code {
	case syntax.ErrMissingParen:
		return "missing closing parenthesis", -1
	case syntax.ErrUnexpectedParen:
		return "unmatched closing parenthesis", unmatchedParen(pat)
	case syntax.ErrMissingBracket:
		return "missing terminating ] for character class", -1
	case syntax.ErrTrailingBackslash:
		return `\ at end of pattern`, -1
	case syntax.ErrMissingRepeatArgument:
		return "quantifier does not follow a repeatable item", i
	case syntax.ErrInvalidRepeatOp:
		// "**": PCRE stops at the second operator
		return "quantifier does not follow a repeatable item", i + 1
	case syntax.ErrInvalidRepeatSize:
		return repeatSizeText(se.Expr), i + strings.IndexByte(se.Expr, '}')
	case syntax.ErrInvalidCharRange:
		if strings.HasPrefix(se.Expr, "[:") {
			return "unknown POSIX class name", i + 2
		}
		if strings.HasPrefix(se.Expr, `\p`) || strings.HasPrefix(se.Expr, `\P`) {
			return "unknown property name after \\P or \\p", i + len(se.Expr) - 1
		}
		return "range out of order in character class", i + 2
	case syntax.ErrInvalidNamedCapture:
		return "subpattern name expected", i + len(se.Expr) - 1
	case syntax.ErrInvalidPerlOp:
		switch se.Expr {
		case "(?=", "(?!", "(?<=", "(?<!", "(?>", "(?|", "(?#", "(?R", "(?&", "(?(":
			return "", 0
		}
		return "unrecognized character after (? or (?-", i + 2
	case syntax.ErrInvalidEscape:
		if len(se.Expr) == 2 && se.Expr[1] >= '1' && se.Expr[1] <= '9' {
			return "", 0 // a back reference
		}
		if se.Expr == `\k` {
			return `\k is not followed by a braced, angle-bracketed, or quoted name`, -1
		}
		return "", 0 // \h, \R, \X...: PCRE escapes Go's regexp lacks
	}
	return se.Code.String(), -1
}

// repeatSizeText tells PCRE's two {n,m} errors apart (a number over PCRE's
// 65535 limit, or numbers out of order) from Go's own limit of 1000.
func repeatSizeText(expr string) string {
	nums := strings.FieldsFunc(strings.Trim(expr, "{}"), func(r rune) bool { return r == ',' })
	prev := -1
	for _, n := range nums {
		v, err := strconv.Atoi(n)
		if err != nil || v > 65535 {
			return "number too big in {} quantifier"
		}
		if v < prev {
			return "numbers out of order in {} quantifier"
		}
		prev = v
	}
	return "" // over Go's limit of 1000 repetitions
}

// unmatchedParen returns the offset of the first ")" that closes nothing.
func unmatchedParen(pat string) int {
	depth, class := 0, false
	for i := 0; i < len(pat); i++ {
		switch c := pat[i]; {
		case c == '\\':
			i++
		case class:
			class = c != ']'
		case c == '[':
			class = true
		case c == '(':
			depth++
		case c == ')':
			if depth == 0 {
				return i
			}
			depth--
		}
	}
	return -1
}
