package conformance

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// LogEntry is one error-log entry: a line starting with a timestamp plus the
// continuation lines after it (a Lua traceback, say).
type LogEntry struct {
	Level string // debug, info, notice, warn, error, crit, alert, emerg
	Text  string
}

var logLineRe = regexp.MustCompile(`^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[(\w+)\] `)

// ParseLog splits an error log into entries.
func ParseLog(text string) []LogEntry {
	var out []LogEntry
	for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if m := logLineRe.FindStringSubmatch(l); m != nil {
			out = append(out, LogEntry{Level: m[1], Text: l})
		} else if len(out) > 0 {
			out[len(out)-1].Text += "\n" + l
		} else if l != "" {
			out = append(out, LogEntry{Level: "unknown", Text: l})
		}
	}
	return out
}

// serious reports whether an entry at this level must be expected or
// allowed by the case.
func serious(level string) bool {
	switch level {
	case "warn", "error", "crit", "alert", "emerg", "unknown":
		return true
	}
	return false
}

// checkLog checks the case's error log after the server stopped: every
// "log" regex matches some entry, no "no-log" regex matches any, and every
// [warn] or worse entry matches a "log" or "allow-log" regex.
func checkLog(t *testing.T, c *Case, v Vars) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(v.Prefix, "logs/error.log"))
	if err != nil {
		t.Errorf("%s:%d: error log: %v", c.File, c.Line, err)
		return
	}
	entries := ParseLog(string(data))
	compile := func(res []string) []*regexp.Regexp {
		var out []*regexp.Regexp
		for _, s := range res {
			out = append(out, v.subRe(s))
		}
		return out
	}
	want, allow, never := compile(c.Logs), compile(c.AllowLogs), compile(c.NoLogs)
	for i, re := range want {
		if !anyMatch(re, entries) {
			t.Errorf("%s:%d: error log has no entry matching %q", c.File, c.Line, c.Logs[i])
		}
	}
	for i, re := range never {
		if anyMatch(re, entries) {
			t.Errorf("%s:%d: error log has an entry matching no-log %q", c.File, c.Line, c.NoLogs[i])
		}
	}
	for _, e := range entries {
		if !serious(e.Level) || matchesAny(e.Text, want) || matchesAny(e.Text, allow) {
			continue
		}
		t.Errorf("%s:%d: unexpected [%s] in error log: %s", c.File, c.Line, e.Level, e.Text)
	}
}

func anyMatch(re *regexp.Regexp, entries []LogEntry) bool {
	for _, e := range entries {
		if re.MatchString(e.Text) {
			return true
		}
	}
	return false
}

func matchesAny(s string, res []*regexp.Regexp) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

// filterLog drops [debug] entries (set CONFORMANCE_DEBUGLOG=1 to keep them)
// and keeps the last 200 entries.
func filterLog(text string) string {
	var b []string
	for _, e := range ParseLog(text) {
		if e.Level != "debug" || os.Getenv("CONFORMANCE_DEBUGLOG") != "" {
			b = append(b, e.Text)
		}
	}
	if len(b) > 200 {
		b = b[len(b)-200:]
	}
	return strings.Join(b, "\n")
}

// dumpLog prints the server output and its error log after a failure.
func dumpLog(t *testing.T, prefix, out string) {
	t.Helper()
	data, _ := os.ReadFile(filepath.Join(prefix, "logs/error.log"))
	conf, _ := os.ReadFile(filepath.Join(prefix, "conf/nginx.conf"))
	t.Logf("conf/nginx.conf:\n%s\nserver output:\n%s\nerror log (no debug):\n%s", numbered(string(conf)), out, filterLog(string(data)))
}

func numbered(s string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = fmt.Sprintf("%3d  %s", i+1, l)
	}
	return strings.Join(lines, "\n")
}
