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
	twins, seqs, compared := 0, 0, 0
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
		if fast.fast.seq != nil {
			seqs++
		}
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
	if twins < 500 || seqs < 100 || compared < 20000 {
		t.Fatalf("only %d patterns had a twin (%d a seq), %d matches compared", twins, seqs, compared)
	}
	t.Logf("%d patterns with a twin (%d a seq), %d matches compared", twins, seqs, compared)
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

// TestSeqSameAsTwin matches random sequence patterns on longer random
// subjects with the seq and with the Go twin's regexp alone.
func TestSeqSameAsTwin(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const alphabet = "ab/.-1A _xyz0"
	seqs, compared := 0, 0
	for range 2 * fuzzRounds {
		pattern := randomPattern(r, 2)
		opts := []string{"o", "io", "so", "ao"}[r.IntN(4)]
		re, err := Compile(pattern, opts, 0)
		if err != nil || re.fast == nil || re.fast.seq == nil {
			continue
		}
		seqs++
		plain := *re.fast
		plain.seq = nil
		for range 8 {
			b := make([]byte, r.IntN(40))
			for i := range b {
				b[i] = alphabet[r.IntN(len(alphabet))]
			}
			s := string(b)
			for start := 0; start <= len(s); start++ {
				got, ok1 := re.fast.exec(s, start, nil)
				want, ok2 := plain.exec(s, start, nil)
				if ok1 != ok2 || !slices.Equal(got, want) {
					t.Errorf("%q /%s on %q from %d: seq %v %v, twin %v %v", pattern, opts, s, start, got, ok1, want, ok2)
				}
				compared++
			}
		}
	}
	if seqs < 300 {
		t.Fatalf("only %d patterns had a seq", seqs)
	}
	t.Logf("%d patterns with a seq, %d matches compared", seqs, compared)
}

// TestSeqShapes: which patterns run as a seq.
func TestSeqShapes(t *testing.T) {
	for _, tc := range []struct {
		pattern, opts string
		seq           bool
	}{
		{`^/api/v(\d+)/users/(\d+)$`, "jo", true},
		{`^Bearer (.+)$`, "jo", true},
		{`^([^:]+):(\d+)$`, "jo", true},
		{`^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$`, "jo", true},
		{`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`, "ijo", true},
		{`Mozilla/(\d+)\.(\d+)`, "jo", true},
		{`\d+\d`, "o", false},        // the loop would have to give a digit back
		{`\d*[a-z]*\d`, "o", false},  // so would this one, past an optional part
		{`a.*b`, "o", false},         // . takes b
		{`(\d+)?x`, "o", false},      // a group under a count
		{`a+?b`, "o", false},         // lazy
		{`\.(jpg|png)$`, "o", false}, // alternation
		{`(?m)^a$`, "o", false},      // line anchors
		{`\bword\b`, "o", false},     // word boundaries
	} {
		re, err := Compile(tc.pattern, tc.opts, 0)
		if err != nil {
			t.Errorf("%q: %v", tc.pattern, err)
			continue
		}
		if got := re.fast != nil && re.fast.seq != nil; got != tc.seq {
			t.Errorf("%q /%s: seq %v, want %v", tc.pattern, tc.opts, got, tc.seq)
		}
	}
}

// TestSeqGivesUp: a search that would rescan a long loop from every start
// hands over to the twin's regexp, which is linear.
func TestSeqGivesUp(t *testing.T) {
	re, err := Compile(`(\d+)x`, "o", 0)
	if err != nil || re.fast == nil || re.fast.seq == nil {
		t.Fatal("no seq", err)
	}
	long := strings.Repeat("1", 5000)
	caps := make([]int, 4)
	if _, ok := re.fast.seq.search(long, 0, caps); ok {
		t.Error("the seq did not give up on 5000 digits without an x")
	}
	if found, ok := re.fast.seq.search("ab12x", 0, caps); !ok || !found || !slices.Equal(caps, []int{2, 5, 2, 4}) {
		t.Errorf("ab12x: %v %v %v", found, ok, caps)
	}
	plain := *re.fast
	plain.seq = nil
	for _, s := range []string{long, long + "x", "y" + long + "x1"} {
		got, err := re.Exec(s, 0, nil)
		want, _ := plain.exec(s, 0, nil)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("%d bytes: %v %v, the twin's regexp %v", len(s), got, err, want)
		}
	}
}
