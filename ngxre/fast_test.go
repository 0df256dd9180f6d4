package ngxre

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// randomPattern builds a pattern of depth at most d from the pieces route,
// token and header patterns are made of.
func randomPattern(r *rand.Rand, d int) string {
	atoms := []string{"a", "b", "/", `\.`, "-", "1", "A", `\d`, `\w`, `\s`, ".", "[ab]", "[^a]", "[a-c1]",
		"^", "$", `\b`, `\B`, `\A`, `\z`, "ab", "(?i)a", "[[:digit:]]", `\W`, `\D`, `\S`, `[^\d]`, `\x41`,
		"(?-i:a)", "(?s:.)", `[\w.-]`, "(?<n>b)"}
	var b strings.Builder
	for n := 1 + r.IntN(4); n > 0; n-- {
		switch k := r.IntN(10); {
		case d > 0 && k < 2:
			b.WriteString("(" + randomPattern(r, d-1) + ")")
		case d > 0 && k < 3:
			b.WriteString("(?:" + randomPattern(r, d-1) + "|" + randomPattern(r, d-1) + ")")
		default:
			b.WriteString(atoms[r.IntN(len(atoms))])
		}
		if r.IntN(3) == 0 {
			b.WriteString([]string{"*", "+", "?", "{1,3}", "{2}", "*?", "+?", "??", "{0,2}", "{2,}"}[r.IntN(10)])
		}
	}
	if r.IntN(4) == 0 {
		b.WriteString("|" + randomPattern(r, 0))
	}
	return b.String()
}

// fuzzRounds is how many random patterns TestFastTwinSameAsRegexp2 tries.
var fuzzRounds = 3000

// TestFastTwinSameAsRegexp2 matches random patterns on random subjects from
// every start offset with the Go twin and with regexp2 alone.
func TestFastTwinSameAsRegexp2(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const alphabet = "ab/.-1A \n_é"
	twins, compared := 0, 0
	for range fuzzRounds {
		pattern := randomPattern(r, 2)
		opts := []string{"o", "io", "mo", "so", "ao", "imso", "uo"}[r.IntN(7)]
		fast, err := Compile(pattern, opts, 0)
		if err != nil {
			continue
		}
		if fast.fast == nil {
			continue
		}
		twins++
		fastTwins = false
		slow, err := Compile(pattern, opts, 0)
		fastTwins = true
		if err != nil || slow.fast != nil {
			t.Fatalf("%q: compiled without the twin: %v", pattern, err)
		}
		for range 8 {
			var sb strings.Builder
			for n := r.IntN(9); n > 0; n-- {
				c := []rune(alphabet)[r.IntN(len([]rune(alphabet)))]
				sb.WriteRune(c)
			}
			s := sb.String()
			for start := 0; start <= len(s); start++ {
				got, err1 := fast.Exec(s, start, nil)
				want, err2 := slow.Exec(s, start, nil)
				if fmt.Sprint(err1) != fmt.Sprint(err2) || !slices.Equal(got, want) {
					t.Errorf("%q /%s on %q from %d: twin %v %v, regexp2 %v %v", pattern, opts, s, start, got, err1, want, err2)
				}
				compared++
			}
		}
	}
	if twins < 500 || compared < 20000 {
		t.Fatalf("only %d patterns had a twin, %d matches compared", twins, compared)
	}
	t.Logf("%d patterns with a twin, %d matches compared", twins, compared)
}

// TestFastTwinShapes: which patterns get a Go twin.
func TestFastTwinShapes(t *testing.T) {
	for _, tc := range []struct {
		pattern, opts string
		twin          bool
	}{
		{`^/api/v(\d+)/users/(\d+)$`, "jo", true},
		{`^/api/v(\d+)/users/(\d+)$`, "j", false}, // not cached: compiled at every call
		{`(a+)+$`, "o", false},                    // backtracks without end in PCRE
		{`(?:foo|bar)+`, "o", false},
		{`(a*)*b`, "o", false},
		{`(a|)+`, "o", false},
		{`(\d{1,3}\.){3}`, "o", false},
		{`(a)\1`, "o", false},   // back reference
		{`a(?=b)`, "o", false},  // lookahead
		{`a\Z`, "o", false},     // regexp2 only
		{`(?>a+)b`, "o", false}, // atomic group
		{`é`, "io", false},      // case-insensitive beyond ASCII
		{`é`, "o", true},
		{`^(?<user>\w+)@(?<host>[\w.]+)$`, "o", true},
		{`a(b)?c`, "o", true},
	} {
		re, err := Compile(tc.pattern, tc.opts, 0)
		if err != nil {
			t.Errorf("%q: %v", tc.pattern, err)
			continue
		}
		if (re.fast != nil) != tc.twin {
			t.Errorf("%q /%s: twin %v, want %v", tc.pattern, tc.opts, re.fast != nil, tc.twin)
		}
	}
}

// TestFastTwinDeclines: subjects the twin leaves to regexp2.
func TestFastTwinDeclines(t *testing.T) {
	re, err := Compile(`^a(\w*)$`, "o", 0)
	if err != nil || re.fast == nil {
		t.Fatal("no twin", err)
	}
	for _, tc := range []struct {
		s     string
		start int
		want  []int
	}{
		{"abc", 0, []int{0, 3, 1, 3}},
		{"abc\n", 0, []int{0, 3, 1, 3}}, // PCRE's $ before a final newline
		{"ab\xe9", 0, nil},              // bytes: \w is ASCII
		{"xabc", 1, nil},                // ^ is the subject's start
	} {
		got, err := re.Exec(tc.s, tc.start, nil)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%q from %d: %v %v, want %v", tc.s, tc.start, got, err, tc.want)
		}
		if _, ok := re.fast.exec(tc.s, tc.start, nil); ok != (tc.s == "abc") {
			t.Errorf("%q from %d: the twin answered: %v", tc.s, tc.start, ok)
		}
	}
}
