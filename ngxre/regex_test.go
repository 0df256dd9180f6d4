package ngxre

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// run matches and renders the captures as "0=..|1=..", unset groups as "-".
func run(t *testing.T, subject, pattern, opts string, start int) (string, error) {
	t.Helper()
	re, err := Compile(pattern, opts, 0)
	if err != nil {
		return "", err
	}
	caps, err := re.Exec(subject, start, nil)
	if err != nil || caps == nil {
		return "nil", err
	}
	parts := make([]string, 0, len(caps)/2)
	for i := 0; i < len(caps); i += 2 {
		if caps[i] < 0 {
			parts = append(parts, "-")
			continue
		}
		parts = append(parts, subject[caps[i]:caps[i+1]])
	}
	return strings.Join(parts, "|"), nil
}

// Expectations below were observed on nginx 1.22.1 + lua-nginx-module 0.10.23
// (PCRE 8.39) with luaapi/re/testdata/probe.lua.
func TestMatch(t *testing.T) {
	tests := []struct {
		name, subject, pattern, opts string
		start                        int
		want                         string
	}{
		{"named numbered in order", "xy", `(?<a>x)(y)`, "", 0, "xy|x|y"},
		{"(*UTF8) turns on u", "é", `(*UTF8).`, "", 0, "é"},
		{"(*UTF) and (*NO_START_OPT)", "é", `(*NO_START_OPT)(*UTF)^.$`, "", 0, "é"},
		{"Xwd", "-é_1", `\p{Xwd}+`, "u", 0, "é_1"},
		{"empty set outside a class", "x", `\p{Greek}`, "", 0, "nil"},
		{"negated L& in a class", "aB1", `[\P{L&}]`, "u", 0, "1"},
		{"\\8 without 8 groups is a digit", "a8", `\8`, "", 0, "8"},
		{"(*F)", "ab", `a(*F)|b`, "", 0, "b"},
		{"empty name", "ab", `(?''a)b`, "", 0, "ab|a"},
		{"script", "xαβ", `\p{Greek}+`, "u", 0, "αβ"},
		{"negated script in class", "αβx", `[\P{Greek}]`, "u", 0, "x"},
		{"property on bytes", "\xe9", `\p{L}`, "", 0, "\xe9"},
		{"negated property on bytes", "\xe9!", `\P{L}`, "", 0, "!"},
		{"script on bytes", "\xe9", `\p{Latin}`, "", 0, "\xe9"},
		{"unset group", "ab", `(a)(c)?(b)`, "", 0, "ab|a|-|b"},
		{"python named", "xy", `(?P<a>x)(?P=a)?y`, "", 0, "xy|x"},
		{"word ascii in u", "é", `\w`, "u", 0, "nil"},
		{"word ascii bytes", "é", `\w`, "", 0, "nil"},
		{"dot is a byte", "é", `.`, "", 0, "\xc3"},
		{"dot is a char in u", "é", `.`, "u", 0, "é"},
		{"caseless utf8", "É", `é`, "iu", 0, "É"},
		{"kelvin folds in u", "\u212a", `k`, "iu", 0, "\u212a"},
		{"latin1 bytes do not fold", "\xc9", "\xe9", "i", 0, "nil"},
		{"nbsp not space in u", "\u00a0", `\s`, "u", 0, "nil"},
		{"vt is space", "x\v", `\s`, "", 0, "\v"},
		{"byte word boundary", "\xe9x", `\bx`, "", 0, "x"},
		{"utf8 word boundary", "éx", `\bx`, "u", 0, "x"},
		{"not boundary", "ab", `a\Bb`, "u", 0, "ab"},
		{"anchored fails", "hello", `l+`, "a", 0, "nil"},
		{"anchored", "hello", `h(e)`, "a", 0, "he|e"},
		{"anchored at start offset", "hello", `l+`, "a", 2, "ll"},
		{"possessive", "aab", `a++b`, "", 0, "aab"},
		{"possessive fails", "aaa", `a++a`, "", 0, "nil"},
		{"possessive brace", "xx", `x{2}+`, "", 0, "xx"},
		{"quote", "a.b", `\Qa.b\E`, "", 0, "a.b"},
		{"quote class", "a.b", `a[\Q.\E]b`, "", 0, "a.b"},
		{"multiline", "a\nb", `^b`, "m", 0, "b"},
		{"multiline caret not after final newline", "a\n", `^`, "m", 2, "nil"},
		{"dotall", "a\nb", `a.b`, "s", 0, "a\nb"},
		{"extended", "ab", "a b # c", "x", 0, "ab"},
		{"extended escapes", "a b#c", "a\\ b\\#c # comment\n", "x", 0, "a b#c"},
		{"inline extended", "ab", `(?x) a b`, "", 0, "ab"},
		{"inline caseless scoped", "aA", `(?i)a(?-i)A`, "", 0, "aA"},
		{"dollar before final newline", "ab\n", `b$`, "", 0, "b"},
		{"z end", "ab\n", `b\z`, "", 0, "nil"},
		{"backrefs", "abcb", `(b)c\g{-1}`, "", 0, "bcb|b"},
		{"backref g1", "abcb", `(b)c\g1`, "", 0, "bcb|b"},
		{"backref k", "abcb", `(?<x>b)c\k<x>`, "", 0, "bcb|b"},
		{"R newline", "\r\n", `\R`, "", 0, "\r\n"},
		{"h space", "\t", `\h`, "", 0, "\t"},
		{"N", "ab", `a\Nb`, "", 0, "nil"},
		{"N 2", "aXb", `a\Nb`, "", 0, "aXb"},
		{"C byte", "a", `\C`, "", 0, "a"},
		{"literal brace", "x{", `x{`, "", 0, "x{"},
		{"literal brace comma", "x{,2}", `x{,2}`, "", 0, "x{,2}"},
		{"hex escape", "é", `\x{e9}`, "u", 0, "é"},
		{"hex byte escape", "\xe9", `\xe9`, "", 0, "\xe9"},
		{"byte pattern vs utf8", "é", "\xe9", "", 0, "nil"},
		{"posix class", "ab1", `[[:alpha:]]+`, "", 0, "ab"},
		{"negated shorthand in class u", "é1", `[\D]`, "u", 0, "é"},
		{"category", "é", `\p{L}`, "u", 0, "é"},
		{"conditional by name", "ab", `(?<n>a)?(?(n)b|c)`, "", 0, "ab|a"},
		{"start offset", "abab", `a`, "", 1, "a"},
		{"start at end", "abab", `$`, "", 4, ""},
		{"start past end", "abab", `a`, "", 10, "nil"},
		{"utf8 offsets", "héllo", `l+`, "u", 0, "ll"},
		{"U skips check", "\xff\xfe", `.`, "U", 0, "\xff"},
		{"control escape", "\x01", `\cA`, "", 0, "\x01"},
		{"octal", "\n", `\012`, "", 0, "\n"},
		{"dup names", "hello, world", `(?<n>\w+), (?<n>\w+)`, "D", 0, "hello, world|hello|world"},
		{"j and o do not change matching", "a1", `\d`, "jo", 0, "1"},
		// Not from the probe: PCRE without UCP keeps \d \w \s ASCII in byte
		// mode, where bytes >= 0x80 belong to \D \W \S.
		{"digit ascii bytes", "\xd9\xa3", `\d`, "", 0, "nil"},
		{"not digit is a byte", "\xe9", `\D`, "", 0, "\xe9"},
		{"not word is a byte", "\xe9", `\W`, "", 0, "\xe9"},
		{"nbsp byte not space", "\xa0", `\s`, "", 0, "nil"},
		{"nbsp byte is not space", "\xa0", `\S`, "", 0, "\xa0"},
		{"caseless word bytes", "K\xe9", `\w+`, "i", 0, "K"},
		{"caseless not word u", "k", `\W`, "iu", 0, "nil"},
		{"shorthand in class bytes", "_\xe91", `[\d_]+`, "", 0, "_"},
		{"negated shorthand in class bytes", "1\xe9", `[\D]`, "", 0, "\xe9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := run(t, tt.subject, tt.pattern, tt.opts, tt.start)
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if got != tt.want {
				t.Errorf("match(%q, %q, %q) = %q, want %q", tt.subject, tt.pattern, tt.opts, got, tt.want)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	tests := []struct{ name, subject, pattern, opts, want string }{
		{"missing paren", "x", `(`, "", `pcre_compile() failed: missing ) in "("`},
		{"missing bracket", "x", `[a`, "", `pcre_compile() failed: missing terminating ] for character class in "[a"`},
		{"dup name", "x", `(?<n>a)(?<n>b)`, "", `pcre_compile() failed: two named subpatterns have the same name in "(?<n>a)(?<n>b)" at ">b)"`},
		{"quantifier order", "x", `a{2,1}`, "", `pcre_compile() failed: numbers out of order in {} quantifier in "a{2,1}" at "}"`},
		{"trailing backslash", "x", `\`, "", `pcre_compile() failed: \ at end of pattern in "\"`},
		{"name digit", "x", `(?P<1a>x)`, "", `pcre_compile() failed: group name must start with a non-digit in "(?P<1a>x)" at "1a>x)"`},
		{"nothing to repeat", "x", `*`, "", `pcre_compile() failed: nothing to repeat in "*" at "*"`},
		{"hex too large", "x", `\x{100}`, "", `pcre_compile() failed: character value in \x{} or \o{} is too large in "\x{100}" at "}"`},
		{"bad utf8 pattern", "x", "\xff", "u", "pcre_compile() failed: invalid UTF-8 string in \"\xff\" at \"\xff\""},
		{"no \\u", "x", `\u0078`, "", `pcre_compile() failed: PCRE does not support \L, \l, \N{name}, \U, or \u in "\u0078" at "u0078"`},
		{"bad utf8 subject", "\xff\xfe", `.`, "u", "pcre_exec() failed: -10"},
		{"bad utf8 later", "a\xffb", `b`, "u", "pcre_exec() failed: -10"},
		{"offset inside char", "héllo", `l`, "u", "pcre_exec() failed: -11"},
		{"K", "ab", `a\Kb`, "", `pcre_compile() failed: \K is not supported by goresty in "a\Kb" at "\Kb"`},
		{"recursion", "x", `(?R)?x`, "", `pcre_compile() failed: recursion and subroutine calls is not supported by goresty in "(?R)?x" at "(?R)?x"`},
		{"branch reset", "x", `(?|(x)|(y))`, "", `pcre_compile() failed: branch reset (?|...) is not supported by goresty in "(?|(x)|(y))" at "(?|(x)|(y))"`},
		{"unknown property", "x", `\p{Foo}`, "u", `pcre_compile() failed: unknown property name after \P or \p in "\p{Foo}" at "}"`},
		{"unknown verb", "x", `(*FOO)a`, "", `pcre_compile() failed: (*VERB) not recognized or malformed in "(*FOO)a" at ")a"`},
		{"start option inside", "x", `a(*UTF8)`, "", `pcre_compile() failed: (*VERB) not recognized or malformed in "a(*UTF8)" at "8)"`},
		{"UCP", "x", `(*UCP)a`, "", `pcre_compile() failed: (*VERB) and (*OPTION) syntax is not supported by goresty in "(*UCP)a" at "(*UCP)a"`},
		{"quantified quantifier", "x", `x{2}{3}`, "", `pcre_compile() failed: nothing to repeat in "x{2}{3}" at "}"`},
		{"relative ref", "x", `(a)\g{-2}`, "", `pcre_compile() failed: reference to non-existent subpattern in "(a)\g{-2}" at "}"`},
		{"\\c non-ascii", "x", "\\c\xe9", "", "pcre_compile() failed: \\c must be followed by an ASCII character in \"\\c\xe9\" at \"\xe9\""},
		{"bad backref", "x", `(a)\2`, "", `pcre_compile() failed: reference to non-existent subpattern in "(a)\2"`},
		{"empty name after (?<", "x", `(?<>a)`, "", `pcre_compile() failed: unrecognized character after (?< in "(?<>a)" at ">a)"`},
		{"unknown posix class", "x", `[[:foo:]]`, "", `pcre_compile() failed: unknown POSIX class name in "[[:foo:]]" at "foo:]]"`},
		{"unfinished inline option", "x", `(?i`, "", `pcre_compile() failed: unrecognized character after (? or (?- in "(?i"`},
		{"dfa", "x", `x`, "d", `ngxre: regex option "d" (DFA mode) is not supported by goresty`},
		{"javascript", "x", `x`, "J", `ngxre: regex option "J" (JavaScript compatible mode) is not supported by goresty`},
		{"unknown flag", "x", `x`, "iz", `unknown flag "z" (flags "iz")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := 0
			if tt.name == "offset inside char" {
				start = 2
			}
			_, err := run(t, tt.subject, tt.pattern, tt.opts, start)
			if err == nil || err.Error() != tt.want {
				t.Errorf("got error %v, want %s", err, tt.want)
			}
		})
	}
}

func TestMatchLimit(t *testing.T) {
	// 30 a's and a b: exponential backtracking in PCRE and regexp2 alike.
	subject := strings.Repeat("a", 30) + "b"
	re, err := Compile(`(a|aa)+$`, "", 1000) // 100 µs budget, ~100 ms clock
	if err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	_, err = re.Exec(subject, 0, nil)
	var ee *ExecError
	if !errors.As(err, &ee) || err.Error() != "pcre_exec() failed: -8" {
		t.Fatalf("got %v, want pcre_exec() failed: -8", err)
	}
	if d := time.Since(begin); d > 2*time.Second {
		t.Errorf("took %v, want the limit to stop it early", d)
	}
}

func TestCache(t *testing.T) {
	c := NewCache(2, 0)
	for _, p := range []string{"a1", "a2", "a3", "a1"} {
		re, err := c.Compile(p, "o")
		if err != nil || re == nil {
			t.Fatalf("compile %q: %v", p, err)
		}
	}
	if c.Len() != 2 {
		t.Errorf("cached %d, want 2 (full cache stops caching)", c.Len())
	}
	a, _ := c.Compile("a1", "o")
	b, _ := c.Compile("a1", "o")
	if a != b {
		t.Error("cached regex not reused")
	}
	if x, _ := c.Compile("a1", ""); x == a {
		t.Error("regex without o came from the cache")
	}
	if x, _ := c.Compile("a3", "o"); x != nil {
		if y, _ := c.Compile("a3", "o"); x == y {
			t.Error("regex beyond a full cache was reused")
		}
	}
	if _, err := c.Compile("x", "jz"); err == nil {
		t.Error("unknown flag accepted")
	}
	if c.Compile("b", ""); c.Len() != 2 {
		t.Error("regex without o was cached")
	}
}

func BenchmarkExec(b *testing.B) {
	c := NewCache(DefaultCacheMaxEntries, 0)
	b.ReportAllocs()
	var caps []int
	for i := 0; i < b.N; i++ {
		re, err := c.Compile(`^/api/v(\d+)/users/(\d+)$`, "jo")
		if err != nil {
			b.Fatal(err)
		}
		caps, err = re.Exec("/api/v1/users/12345", 0, caps)
		if err != nil || caps == nil {
			b.Fatal("no match")
		}
	}
}

// BenchmarkExecUTF8 is BenchmarkExec with "u" and a subject that is not
// ASCII, which needs the rune-to-byte offset table.
func BenchmarkExecUTF8(b *testing.B) {
	c := NewCache(DefaultCacheMaxEntries, 0)
	b.ReportAllocs()
	var caps []int
	for i := 0; i < b.N; i++ {
		re, err := c.Compile(`^/api/v(\d+)/users/(.+)$`, "jou")
		if err != nil {
			b.Fatal(err)
		}
		caps, err = re.Exec("/api/v1/users/bj\u00f6rk", 0, caps)
		if err != nil || caps == nil || caps[5] != 20 {
			b.Fatalf("got %v, %v", caps, err)
		}
	}
}

// BenchmarkRegexp2 is regexp2 alone on BenchmarkExec's translated pattern
// and subject: the floor of Exec, without its Match recycling.
func BenchmarkRegexp2(b *testing.B) {
	re, err := Compile(`^/api/v(\d+)/users/(\d+)$`, "jo", 0)
	if err != nil {
		b.Fatal(err)
	}
	subject := []rune("/api/v1/users/12345")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		m, err := re.re.FindRunesMatchStartingAt(subject, 0)
		if err != nil || m == nil {
			b.Fatal("no match")
		}
	}
}

func TestGroupSpanFallback(t *testing.T) {
	if !fastGroups {
		t.Fatal("fast group access disabled: regexp2's Match layout changed")
	}
	cases := []struct{ pattern, subject string }{
		{`(a)(c)?(b)`, "ab"}, {`(?:(a)|b)+`, "ab"}, {`((a)|(b))+`, "abba"}, {`(x)?y`, "y"},
	}
	for _, c := range cases {
		t.Run(c.pattern, func(t *testing.T) {
			re, err := Compile(c.pattern, "", 0)
			if err != nil {
				t.Fatal(err)
			}
			m, err := re.re.FindStringMatch(c.subject)
			if err != nil || m == nil {
				t.Fatal("no match")
			}
			for i := 0; i <= re.ncap; i++ {
				a1, b1, ok1 := groupSpan(m, i, true)
				a2, b2, ok2 := groupSpan(m, i, false)
				if a1 != a2 || b1 != b2 || ok1 != ok2 {
					t.Errorf("group %d: fast (%d,%d,%v) slow (%d,%d,%v)", i, a1, b1, ok1, a2, b2, ok2)
				}
			}
		})
	}
}

// TestRecycle runs one regex on subjects whose groups take part or not,
// capture once or many times, or do not match, so that every search reuses
// the Match of an earlier one, and compares with a freshly compiled regex.
func TestRecycle(t *testing.T) {
	if !recycling {
		t.Fatal("Match recycling disabled: regexp2's Regexp or runner layout changed")
	}
	cases := []struct {
		pattern  string
		subjects []string
	}{
		{`(a)?(b)?c`, []string{"abc", "c", "bc", "xyz", "ac", "abc"}},
		{`(?:(a)|b)+`, []string{"aaaaaaaa", "b", "ab", "-", "ba"}},
		{`(?<n>x)|(?<m>y)`, []string{"x", "y", "z", "yx"}},
	}
	for _, c := range cases {
		t.Run(c.pattern, func(t *testing.T) {
			re, err := Compile(c.pattern, "", 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range c.subjects {
				got, _ := re.Exec(s, 0, nil)
				fresh, _ := Compile(c.pattern, "", 0)
				want, _ := fresh.Exec(s, 0, nil)
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%q: got %v, want %v", s, got, want)
				}
			}
		})
	}
}

// TestRecycleConcurrent shares one regex between goroutines (run with -race).
func TestRecycleConcurrent(t *testing.T) {
	re, err := Compile(`^/api/v(\d+)/users/(\d+)?`, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var caps []int
			for i := 0; i < 2000; i++ {
				s := fmt.Sprintf("/api/v%d/users/%s", g, strings.Repeat("7", i%3))
				want := []int{0, len(s), 6, 7, 14, len(s)}
				if i%3 == 0 {
					want[4], want[5] = -1, -1
				}
				caps, _ = re.Exec(s, 0, caps)
				if fmt.Sprint(caps) != fmt.Sprint(want) {
					errs <- fmt.Sprintf("%q: got %v, want %v", s, caps, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
