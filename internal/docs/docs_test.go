package docs_test

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/goresty/goresty/internal/config"
	_ "github.com/goresty/goresty/internal/luavm" // registers the Lua directives
)

// docFile is the reference, relative to this package's directory.
var docFile = filepath.Join("..", "..", "DIRECTIVES.md")

// heading is a directive entry: "### name" with a directive-like name.
// Group headings ("### Lua: ...") have spaces and do not match.
var heading = regexp.MustCompile(`^### ([a-z][a-z0-9_]*)$`)

// entry is one "### name" section of DIRECTIVES.md.
type entry struct {
	line int
	body []string
}

// parseEntries returns the directive entries of the reference by name, and
// the names that appear more than once.
func parseEntries(text string) (map[string]*entry, []string) {
	entries := map[string]*entry{}
	var dups []string
	var cur *entry
	sc := bufio.NewScanner(strings.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if m := heading.FindStringSubmatch(line); m != nil {
			if entries[m[1]] != nil {
				dups = append(dups, m[1])
			}
			cur = &entry{line: n}
			entries[m[1]] = cur
			continue
		}
		if strings.HasPrefix(line, "#") {
			cur = nil // a group or part heading ends the entry
			continue
		}
		if cur != nil {
			cur.body = append(cur.body, line)
		}
	}
	return entries, dups
}

// missingFields lists the labelled lines an entry lacks.
func missingFields(name string, e *entry) []string {
	want := []string{"**syntax:**", "**default:**", "**context:**"}
	if strings.Contains(name, "_by_lua") {
		want = append(want, "**phase:**")
	}
	var missing []string
	for _, w := range want {
		found := false
		for _, l := range e.body {
			if strings.HasPrefix(l, w) && strings.TrimSpace(strings.TrimPrefix(l, w)) != "" {
				found = true
				break
			}
		}
		if !found {
			missing = append(missing, w)
		}
	}
	return missing
}

func readDoc(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(docFile)
	if err != nil {
		t.Fatalf("read reference: %v", err)
	}
	return string(b)
}

// TestEveryDirectiveDocumented fails when a registered directive has no
// entry, or an entry names a directive that is not registered.
func TestEveryDirectiveDocumented(t *testing.T) {
	names := config.Names()
	if len(names) < 100 {
		t.Fatalf("config.Names() returned %d directives; the registry looks incomplete", len(names))
	}
	entries, dups := parseEntries(readDoc(t))
	registered := map[string]bool{}
	for _, n := range names {
		registered[n] = true
	}
	t.Run("registered directives have an entry", func(t *testing.T) {
		for _, n := range names {
			if entries[n] == nil {
				t.Errorf("directive %q is registered but DIRECTIVES.md has no \"### %s\" entry", n, n)
			}
		}
	})
	t.Run("entries name registered directives", func(t *testing.T) {
		var extra []string
		for n := range entries {
			if !registered[n] {
				extra = append(extra, n)
			}
		}
		sort.Strings(extra)
		for _, n := range extra {
			t.Errorf("DIRECTIVES.md:%d documents %q, which goresty does not register", entries[n].line, n)
		}
	})
	t.Run("no entry twice", func(t *testing.T) {
		for _, n := range dups {
			t.Errorf("DIRECTIVES.md documents %q more than once", n)
		}
	})
	t.Run("entries have syntax, default, context and phase", func(t *testing.T) {
		for _, n := range names {
			e := entries[n]
			if e == nil {
				continue // reported above
			}
			if m := missingFields(n, e); len(m) > 0 {
				t.Errorf("DIRECTIVES.md:%d: entry %q lacks %s", e.line, n, strings.Join(m, ", "))
			}
		}
	})
}

// TestParseEntries checks the parser on small documents, so that a broken
// parser cannot make TestEveryDirectiveDocumented pass vacuously.
func TestParseEntries(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		want    []string
		dups    []string
		missing map[string][]string
	}{
		{
			name: "complete entries",
			doc: "# Part\n## group\n### listen\n\n**syntax:** `listen port;`\n\n**default:** none\n\n**context:** server\n\ntext\n" +
				"### content_by_lua_block\n**syntax:** x\n**default:** none\n**context:** location\n**phase:** content\n",
			want: []string{"content_by_lua_block", "listen"},
		},
		{
			name:    "group heading is not an entry and ends the previous one",
			doc:     "### root\n**syntax:** x\n### Lua: things\n**default:** y\n**context:** z\n",
			want:    []string{"root"},
			missing: map[string][]string{"root": {"**default:**", "**context:**"}},
		},
		{
			name:    "lua entry needs a phase",
			doc:     "### log_by_lua\n**syntax:** a\n**default:** b\n**context:** c\n",
			want:    []string{"log_by_lua"},
			missing: map[string][]string{"log_by_lua": {"**phase:**"}},
		},
		{
			name:    "empty field counts as missing",
			doc:     "### pid\n**syntax:** \n**default:** b\n**context:** c\n",
			want:    []string{"pid"},
			missing: map[string][]string{"pid": {"**syntax:**"}},
		},
		{
			name: "duplicates are reported",
			doc:  "### pid\n**syntax:** a\n**default:** b\n**context:** c\n### pid\n**syntax:** a\n**default:** b\n**context:** c\n",
			want: []string{"pid"},
			dups: []string{"pid"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			entries, dups := parseEntries(tc.doc)
			var got []string
			for n := range entries {
				got = append(got, n)
			}
			sort.Strings(got)
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("entries: got %v, want %v", got, tc.want)
			}
			if strings.Join(dups, ",") != strings.Join(tc.dups, ",") {
				t.Errorf("dups: got %v, want %v", dups, tc.dups)
			}
			for _, n := range tc.want {
				got := strings.Join(missingFields(n, entries[n]), ",")
				if want := strings.Join(tc.missing[n], ","); got != want {
					t.Errorf("missing fields of %q: got %q, want %q", n, got, want)
				}
			}
		})
	}
}
