package cjson

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// newState returns a VM with the modules preloaded and the sentinel used as
// cjson.null (standing in for ngx.null).
func newState(t testing.TB) (*lua.LState, lua.LValue) {
	t.Helper()
	L := lua.NewState()
	t.Cleanup(L.Close)
	null := L.NewUserData()
	Preload(L, null)
	return L, null
}

// readLines reads "name: result" lines, skipping blanks and # comments.
func readLines(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, _, ok := strings.Cut(line, ": ")
		if !ok {
			t.Fatalf("%s: bad line %q", path, line)
		}
		out[name] = line
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestAgainstNginx runs testdata/cases.lua through testdata/harness.lua and
// compares every line with what real nginx + lua printed for it
// (testdata/nginx_output.txt), corrected where OpenResty's fork differs
// (testdata/openresty_overrides.txt).
func TestAgainstNginx(t *testing.T) {
	want := readLines(t, filepath.Join("testdata", "nginx_output.txt"))
	for name, line := range readLines(t, filepath.Join("testdata", "openresty_overrides.txt")) {
		if _, ok := want[name]; !ok {
			t.Errorf("override for unknown case %q", name)
		}
		want[name] = line
	}
	L, _ := newState(t)
	const driver = `
		local harness = assert(loadfile("testdata/harness.lua"))
		local lines = {}
		harness(dofile("testdata/cases.lua"),
			function() return require("cjson").new() end,
			function() return require("cjson.safe").new() end,
			function(line) lines[#lines + 1] = line end)
		return lines`
	if err := L.DoString(driver); err != nil {
		t.Fatal(err)
	}
	lines := L.Get(-1).(*lua.LTable)
	seen := map[string]bool{}
	for i := 1; i <= lines.Len(); i++ {
		line := lines.RawGetInt(i).String()
		name, _, _ := strings.Cut(line, ": ")
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			w, ok := want[name]
			if !ok {
				t.Fatalf("no nginx output for this case; rerun testdata/nginx.conf")
			}
			if line != w {
				t.Errorf("got  %s\nwant %s", line, w)
			}
		})
	}
	for name := range want {
		if !seen[name] {
			t.Errorf("case %q of nginx_output.txt did not run", name)
		}
	}
}
