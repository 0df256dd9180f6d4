package shared

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/goresty/goresty/shdict"
)

// testClock is a fake clock that ngx.sleep advances.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newTestVM returns a VM with ngx.say writing to out, ngx.sleep advancing
// the fake clock and ngx.shared holding dogs (1m) and cats (12k), as in
// testdata/nginx.conf.in.
func newTestVM(t *testing.T, out *strings.Builder) *lua.LState {
	t.Helper()
	clock := &testClock{t: time.Unix(1700000000, 0)}
	zones := map[string]*shdict.Dict{}
	for name, size := range map[string]int64{"dogs": 1 << 20, "cats": 12 << 10} {
		d, err := shdict.New(name, size, shdict.WithClock(clock.now))
		if err != nil {
			t.Fatal(err)
		}
		zones[name] = d
	}
	L := lua.NewState()
	ngx := L.NewTable()
	ngx.RawSetString("say", L.NewFunction(func(L *lua.LState) int {
		for i := 1; i <= L.GetTop(); i++ {
			out.WriteString(L.ToStringMeta(L.Get(i)).String())
		}
		out.WriteByte('\n')
		return 0
	}))
	ngx.RawSetString("sleep", L.NewFunction(func(L *lua.LState) int {
		clock.advance(time.Duration(float64(L.CheckNumber(1)) * float64(time.Second)))
		return 0
	}))
	ngx.RawSetString("update_time", L.NewFunction(func(*lua.LState) int { return 0 }))
	ngx.RawSetString("shared", New(L, zones, nil))
	L.SetGlobal("ngx", ngx)
	return L
}

// TestCases runs testdata/cases/*.lua and compares with the output observed
// on nginx 1.22 + lua-nginx-module 0.10.23 (testdata/run_nginx.sh).
func TestCases(t *testing.T) {
	prelude, err := os.ReadFile("testdata/prelude.lua")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("testdata/cases/*.lua")
	if len(files) == 0 {
		t.Fatal("no cases")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(strings.TrimSuffix(f, ".lua") + ".out")
			if err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			L := newTestVM(t, &out)
			defer L.Close()
			if err := L.DoString(string(prelude) + string(src)); err != nil {
				t.Fatalf("lua error: %v\noutput so far:\n%s", err, out.String())
			}
			gotLines := strings.Split(out.String(), "\n")
			wantLines := strings.Split(string(want), "\n")
			for i := 0; i < len(gotLines) || i < len(wantLines); i++ {
				var g, w string
				if i < len(gotLines) {
					g = gotLines[i]
				}
				if i < len(wantLines) {
					w = wantLines[i]
				}
				if g != w {
					t.Errorf("line %d:\n got: %s\nwant: %s", i+1, g, w)
				}
			}
		})
	}
}
