package nginxconf

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The oracle checks this package against a real nginx with lua-nginx-module:
//
//	GORESTY_NGINX_ORACLE=1 go test -run Oracle ./internal/nginxconf/
//
// It is skipped by default so that the unit tests stay hermetic.

const oracleModules = "load_module /usr/lib/nginx/modules/ndk_http_module.so; " +
	"load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;"

var (
	nginxLogLine = regexp.MustCompile(`\[(emerg|crit|alert|error)\] \d+#\d+: (.*)$`)
	// syntaxMsg matches the messages nginx's readers produce, as opposed to
	// those of directive handlers.
	syntaxMsg = regexp.MustCompile(`^(unexpected |too long |Lua code block |open\(\) |pread\(\) )`)
)

func needOracle(t *testing.T) string {
	t.Helper()
	if os.Getenv("GORESTY_NGINX_ORACLE") == "" {
		t.Skip("set GORESTY_NGINX_ORACLE=1 to compare with real nginx")
	}
	bin, err := exec.LookPath("nginx")
	if err != nil {
		t.Skip("nginx not installed")
	}
	return bin
}

// nginxVerdict runs `nginx -t` on src and returns its first error message
// with the directory replaced by DIR, or "" if nginx accepted it.
func nginxVerdict(t *testing.T, bin, src string) (dir, msg string) {
	t.Helper()
	dir = t.TempDir()
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command(bin, "-t", "-q", "-p", dir+"/", "-c", conf, "-g", oracleModules).CombinedOutput()
	for _, line := range strings.Split(string(out), "\n") {
		if m := nginxLogLine.FindStringSubmatch(line); m != nil {
			return dir, m[2]
		}
	}
	return dir, ""
}

// ourVerdict parses dir/nginx.conf and returns the error text or "".
func ourVerdict(dir string) string {
	_, err := ParseFile(filepath.Join(dir, "nginx.conf"))
	if err != nil {
		return err.Error()
	}
	return ""
}

func TestNginxOracleErrors(t *testing.T) {
	bin := needOracle(t)
	for _, tc := range errorCases {
		t.Run(tc.name, func(t *testing.T) {
			dir, got := nginxVerdict(t, bin, tc.src)
			if want := strings.ReplaceAll(tc.want, "DIR", dir); got != want {
				t.Errorf("nginx says\n  %s\ntable says\n  %s", got, want)
			}
		})
	}
}

func TestNginxOracleAccepts(t *testing.T) {
	bin := needOracle(t)
	cases := append([]struct{ name, src, want string }{}, parseCases...)
	cases = append(cases, luaCases...)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, got := nginxVerdict(t, bin, tc.src); syntaxMsg.MatchString(got) {
				t.Errorf("nginx refuses %q: %s", tc.src, got)
			}
		})
	}
}

// TestNginxOracleRandom compares verdicts on random token soups: inside a
// "types" block (whose entries nginx takes without checking names) and
// inside a Lua block.
func TestNginxOracleRandom(t *testing.T) {
	bin := needOracle(t)
	rng := rand.New(rand.NewPCG(1, uint64(os.Getpid())))
	confPieces := []string{"a", "b", " ", " ", "\n", ";", ";", "\"", "'", "\\", "$", "{", "}", "#", ")", "n", "\t"}
	luaPieces := []string{"a", " ", "\n", "{", "}", "\"", "'", "\\", "-", "--", "[", "[[", "]]", "=", "]", "[=["}
	skipped := 0
	for i := 0; i < 300; i++ {
		var src string
		if i%2 == 0 {
			src = "events {}\nhttp {\ntypes {\n" + soup(rng, confPieces) + "\n}\n}\n"
		} else {
			src = "events {}\nhttp {\ninit_by_lua_block {x=1 " + soup(rng, luaPieces) + "\n}\n"
		}
		dir, ngx := nginxVerdict(t, bin, src)
		ngx = strings.ReplaceAll(ngx, dir, "DIR")
		ours := strings.ReplaceAll(ourVerdict(dir), dir, "DIR")
		if ngx != "" && !syntaxMsg.MatchString(ngx) {
			skipped++ // a directive handler stopped nginx first
			continue
		}
		if strings.HasPrefix(ngx, `unexpected "{" in DIR/nginx.conf`) && ours != ngx {
			skipped++ // the "types" handler refuses blocks; not a reader error
			continue
		}
		if ngx != ours {
			t.Errorf("input %q\nnginx: %s\nours:  %s", src, ngx, ours)
		}
	}

	t.Logf("%d of 300 inputs skipped", skipped)
}

func soup(rng *rand.Rand, pieces []string) string {
	var b strings.Builder
	for n := rng.IntN(25); n >= 0; n-- {
		b.WriteString(pieces[rng.IntN(len(pieces))])
	}
	return b.String()
}

func TestNginxOracleIncludes(t *testing.T) {
	bin := needOracle(t)
	for _, tc := range includeCases {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeTree(t, tc.files)
			conf := filepath.Join(dir, "nginx.conf")
			out, _ := exec.Command(bin, "-t", "-q", "-p", dir+"/", "-c", conf, "-g", oracleModules).CombinedOutput()
			got := ""
			for _, line := range strings.Split(string(out), "\n") {
				if m := nginxLogLine.FindStringSubmatch(line); m != nil {
					got = m[2]
					break
				}
			}
			want := strings.ReplaceAll(tc.wantErr, "DIR", dir)
			switch {
			case tc.wantErr != "" && got != want:
				t.Errorf("nginx says\n  %s\ntable says\n  %s", got, want)
			case tc.wantErr == "" && syntaxMsg.MatchString(got):
				t.Errorf("nginx refuses: %s", got)
			}
		})
	}
}
