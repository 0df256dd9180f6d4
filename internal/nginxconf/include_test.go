package nginxconf

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// includeCases build a directory from files (nginx.conf is the main file;
// a name ending in "/" is a directory) and parse it. want lists directives
// as "name@file:line" in order, depth first; wantErr uses DIR for the
// directory.
var includeCases = []struct {
	name    string
	files   map[string]string
	want    string
	wantErr string
}{
	{
		name: "glob matching a directory",
		files: map[string]string{
			"nginx.conf":        "events {}\ninclude conf.d/*.conf;\n",
			"conf.d/a.conf":     "worker_processes 1;",
			"conf.d/sub.conf/x": "",
		},
		wantErr: `pread() "DIR/conf.d/sub.conf" failed (21: Is a directory)`,
	},
	{
		name: "glob order: the first file in byte order fails",
		files: map[string]string{
			"nginx.conf":     "events {}\ninclude conf.d/*.conf;\n",
			"conf.d/b.conf":  "}",
			"conf.d/B.conf":  "\n}",
			"conf.d/9.conf":  "\n\n}",
			"conf.d/.1.conf": "}",
		},
		wantErr: `unexpected "}" in DIR/conf.d/9.conf:3`,
	},
	{
		name: "glob order",
		files: map[string]string{
			"nginx.conf":     "first;\ninclude conf.d/*.conf;\nlast;\n",
			"conf.d/b.conf":  "b;",
			"conf.d/a.conf":  "a1;\na2;",
			"conf.d/B.conf":  "B;",
			"conf.d/10.conf": "ten;",
			"conf.d/.h.conf": "hidden;",
			"conf.d/_u.conf": "u;",
			"conf.d/9.conf":  "nine;",
		},
		want: "first@nginx.conf:1 ten@conf.d/10.conf:1 nine@conf.d/9.conf:1 B@conf.d/B.conf:1 " +
			"u@conf.d/_u.conf:1 a1@conf.d/a.conf:1 a2@conf.d/a.conf:2 b@conf.d/b.conf:1 last@nginx.conf:3",
	},
	{
		name: "glob over directories",
		files: map[string]string{
			"nginx.conf":     "include sites/*/*.conf;",
			"sites/y/1.conf": "y1;",
			"sites/x/2.conf": "x2;",
		},
		want: "x2@sites/x/2.conf:1 y1@sites/y/1.conf:1",
	},
	{
		name: "no match is fine",
		files: map[string]string{
			"nginx.conf": "a;\ninclude none/*.conf;\ninclude n?ne.conf;\nb;",
		},
		want: "a@nginx.conf:1 b@nginx.conf:4",
	},
	{
		name: "includes are relative to the main file's directory",
		files: map[string]string{
			"nginx.conf":      "http {\n  include sub/http.conf;\n}",
			"sub/http.conf":   "server {\n  include sub/server.conf;\n}\n",
			"sub/server.conf": "listen 80;",
		},
		want: "http@nginx.conf:1 server@sub/http.conf:1 listen@sub/server.conf:1",
	},
	{
		name: "quoted include",
		files: map[string]string{
			"nginx.conf": "include \"a b.conf\";",
			"a b.conf":   "x;",
		},
		want: "x@a b.conf:1",
	},
	{
		name: "missing file inside an included file",
		files: map[string]string{
			"nginx.conf": "events {}\ninclude sub/a.conf;\n",
			"sub/a.conf": "\ninclude a.conf;\n",
		},
		wantErr: `open() "DIR/a.conf" failed (2: No such file or directory) in DIR/sub/a.conf:2`,
	},
	{
		name: "included file cannot close the outer block",
		files: map[string]string{
			"nginx.conf": "events {}\ninclude sub/a.conf;\nfoo;\n",
			"sub/a.conf": "worker_processes 1;\n}\n",
		},
		wantErr: `unexpected "}" in DIR/sub/a.conf:2`,
	},
	{
		name: "included file cannot leave a block open",
		files: map[string]string{
			"nginx.conf": "events {}\nhttp {\ninclude sub/a.conf;\n}\n",
			"sub/a.conf": "server {\n",
		},
		wantErr: `unexpected end of file, expecting "}" in DIR/sub/a.conf:2`,
	},
	{
		name: "directory",
		files: map[string]string{
			"nginx.conf": "events {}\ninclude sub;\n",
			"sub/":       "",
		},
		wantErr: `pread() "DIR/sub" failed (21: Is a directory)`,
	},
	{
		name: "lua block in included file",
		files: map[string]string{
			"nginx.conf": "http {\ninclude lua.conf;\n}\n",
			"lua.conf":   "\n\ninit_by_lua_block {\n  x()\n",
		},
		wantErr: `unexpected end of file, expecting terminating characters for lua code block in DIR/lua.conf:3`,
	},
}

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if strings.HasSuffix(name, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// positions renders directives depth first as "name@file:line", file
// relative to dir.
func positions(dir string, ds []*Directive) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Name+"@"+strings.TrimPrefix(d.File, dir+"/")+":"+strconv.Itoa(d.Line))
		out = append(out, positions(dir, d.Block)...)
	}
	return out
}

func TestInclude(t *testing.T) {
	for _, tc := range includeCases {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeTree(t, tc.files)
			ds, err := ParseFile(filepath.Join(dir, "nginx.conf"))
			if tc.wantErr != "" {
				want := strings.ReplaceAll(tc.wantErr, "DIR", dir)
				if err == nil || err.Error() != want {
					t.Fatalf("error = %v\nwant %s", err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(positions(dir, ds), " "); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestIncludeRecursionGuard(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"nginx.conf": "include self.conf;",
		"self.conf":  "a;\ninclude self.conf;\n",
	})
	_, err := ParseFile(filepath.Join(dir, "nginx.conf"))
	want := "includes nested deeper than 100 levels are not supported by goresty in " + dir + "/self.conf:2"
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v\nwant %s", err, want)
	}
}

func TestParseBytesConfDir(t *testing.T) {
	dir := writeTree(t, map[string]string{"inc.conf": "b;"})
	tests := []struct {
		name, confDir string
	}{
		{"with slash", dir + "/"},
		{"without slash", dir},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ds, err := ParseBytes("mem.conf", []byte("a;\ninclude inc.conf;\nc;"), tc.confDir)
			if err != nil {
				t.Fatal(err)
			}
			if got := dump(ds); got != "a; b; c;" {
				t.Errorf("got %s", got)
			}
			if ds[0].File != "mem.conf" || ds[1].File != dir+"/inc.conf" {
				t.Errorf("files %q %q", ds[0].File, ds[1].File)
			}
		})
	}
}
