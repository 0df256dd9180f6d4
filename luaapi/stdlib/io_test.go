package stdlib

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestIOAgainstLuaJIT runs ioCases in order in a fresh directory.
func TestIOAgainstLuaJIT(t *testing.T) {
	utc(t) // the os.time cases were observed in UTC
	dir := t.TempDir()
	for _, d := range []string{"dir", "dir2"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	addr := regexp.MustCompile(`0x[0-9a-fA-F]+`)
	for _, tc := range ioCases {
		code := strings.ReplaceAll(tc.code, "DIR", dir)
		want := strings.ReplaceAll(tc.want, "DIR", dir)
		got := addr.ReplaceAllString(runCase(t, newState(t), code), "0xADDR")
		got = strings.ReplaceAll(got, "\n", "\\n")
		if got != want {
			t.Errorf("%s\ngot  %q\nwant %q", tc.code, got, want)
		}
	}
}

// TestReadNumber: f:read("*n") on each input, then f:read("*a"), as
// LuaJIT 2.1 (luajit2 2.1-20230119) printed them: what glibc's scanf
// consumes, including its quirks ("1e" is 1, a mismatch inside "inf" is
// consumed).
func TestReadNumber(t *testing.T) {
	cases := []struct{ in, want string }{
		{"0x z", "nil| z"}, {"- 7", "nil| 7"}, {"-", "nil|"}, {"1e+ z", "1| z"}, {"1e+", "1|"},
		{"1e", "1|"}, {"1.", "1|"}, {".", "nil|"}, {". 5", "nil| 5"}, {"inf", "inf|"},
		{"infinity", "inf|"}, {"infx", "inf|x"}, {"in z", "nil|z"}, {"nan(123)", "nan|(123)"},
		{"nan(", "nan|("}, {"nanq", "nan|q"}, {"NaN", "nan|"}, {"-inf", "-inf|"}, {"0x.8", "0.5|"},
		{"0x1p", "1|"}, {"0x1p+", "1|"}, {"0xg", "nil|g"}, {"1e5", "100000|"}, {"1.5.5", "1.5|.5"},
		{"  \n\t 42", "42|"}, {"+-3", "nil|-3"}, {"12abc", "12|abc"}, {"1,5", "1|,5"},
		{"0X1P-1", "0.5|"}, {"00012", "12|"}, {"1e400", "inf|"}, {"0x", "nil|"}, {"x", "nil|x"},
		{"", "nil|"}, {"  ", "nil|"}, {"--1", "nil|-1"}, {"INFINITE", "nil|"}, {"infinz", "nil|"},
		{"-12.5e2xyz", "-1250|xyz"}, {"0x10 abc", "16| abc"},
	}
	path := filepath.Join(t.TempDir(), "n.txt")
	L := newState(t)
	for _, tc := range cases {
		if err := os.WriteFile(path, []byte(tc.in), 0o644); err != nil {
			t.Fatal(err)
		}
		code := `local f = io.open("` + path + `") local n = f:read("*n") local rest = f:read("*a") f:close() return tostring(n) .. "|" .. rest`
		if got := runCase(t, L, code); got != "true "+tc.want {
			t.Errorf("%q: got %q, want %q", tc.in, got, "true "+tc.want)
		}
	}
}

// TestStdFilesStayOpen: closing io.stdout must not close goresty's own
// descriptor (gopher-lua's io closed it).
func TestStdFilesStayOpen(t *testing.T) {
	got := runCase(t, newState(t), `local a, b = io.stdout:close() local c, d = io.close() return a, b, c, d, io.stderr:close()`)
	if want := "true nil cannot close standard file nil cannot close standard file nil cannot close standard file"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if _, err := os.Stdout.Stat(); err != nil {
		t.Errorf("stdout closed: %v", err)
	}
}

// TestOSExitRefused: os.exit raises instead of ending the process.
func TestOSExitRefused(t *testing.T) {
	got := runCase(t, newState(t), `return pcall(os.exit, 3)`)
	if want := "true false os.exit is not supported by goresty"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestOSTimeIsdst: isdst shifts the result by an hour when it disagrees
// with the zone (observed in UTC on LuaJIT: 1577876400 for true).
func TestOSTimeIsdst(t *testing.T) {
	utc(t)
	got := runCase(t, newState(t), `return os.time({year=2020, month=1, day=1, hour=12, isdst=true}) - os.time({year=2020, month=1, day=1, hour=12, isdst=false})`)
	if got != "true -3600" {
		t.Errorf("got %q, want %q", got, "true -3600")
	}
}

// utc makes the local zone UTC for the test.
func utc(t *testing.T) {
	loc := time.Local
	time.Local = time.UTC
	t.Cleanup(func() { time.Local = loc })
}

// TestSetEnviron: os.getenv, os.execute and io.popen see the environment
// given, not the process's.
func TestSetEnviron(t *testing.T) {
	t.Setenv("GORESTY_TEST_HIDDEN", "x")
	L := newState(t)
	SetEnviron(L, func() []string { return []string{"A=1", "EMPTY="} })
	got := runCase(t, L, `local f = io.popen("echo [$A] [$GORESTY_TEST_HIDDEN]") local l = f:read("*l") f:close()
		return os.getenv("A"), os.getenv("EMPTY"), os.getenv("GORESTY_TEST_HIDDEN"), l, os.execute('test -z "$GORESTY_TEST_HIDDEN"')`)
	if want := "true 1  nil [1] [] 0"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestPopenForgottenIsReaped: a popen file dropped without close has its
// child waited for once collected (no zombie left).
func TestPopenForgottenIsReaped(t *testing.T) {
	L := newState(t)
	if got := runCase(t, L, `local f = io.popen("true") f = nil collectgarbage() return true`); got != "true true" {
		t.Fatalf("got %q", got)
	}
	for range 50 {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	b, err := exec.Command("ps", "-o", "stat=", "--ppid", strconv.Itoa(os.Getpid())).Output()
	if err != nil && len(b) == 0 {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Skipf("ps: %v", err)
		}
	}
	if strings.Contains(string(b), "Z") {
		t.Errorf("zombie child left: %q", b)
	}
}

// TestSetStderr: io.stderr and the commands' standard error write to the
// writer given.
func TestSetStderr(t *testing.T) {
	L := newState(t)
	var buf syncBuffer
	SetStderr(L, &buf)
	got := runCase(t, L, `return io.stderr:write("a", 1, "\n"), os.execute("echo b >&2")`)
	if got != "true true 0" {
		t.Errorf("got %q", got)
	}
	if buf.String() != "a1\nb\n" {
		t.Errorf("stderr got %q, want %q", buf.String(), "a1\nb\n")
	}
}

// syncBuffer is a bytes.Buffer safe for the command's copying goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
