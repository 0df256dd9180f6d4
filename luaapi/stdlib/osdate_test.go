package stdlib

import "testing"

// osDateCases were observed on LuaJIT 2.1 with the harness of
// stdlib_test.go (UTC formats, so the host's zone does not matter), with
// string.sub's argument reading.
var osDateCases = []observedCase{
	{"return string.sub(\"hello\", 2.7), string.sub(\"hello\", \"2\", \"3\"), (\"hello\"):sub(0), (\"hello\"):sub(-100, 2)",
		"true ello el hello he"},
	{"return (\"hello\"):sub(2, 100), (\"hello\"):sub(4, 2), (\"hello\"):sub(-3, -2), (\"hello\"):sub(6), (\"\"):sub(1)",
		"true ello  ll  "},
	{"return pcall(string.sub, \"x\")",
		"true false bad argument #2 to '?' (number expected, got no value)"},
	{"return os.date(\"!%H:%M:%S %p %j %a %b %d %y\", 86400 * 45 + 3661)",
		"true 01:01:01 AM 046 Sun Feb 15 70"},
	{"return os.date(\"!%c\", 0)",
		"true Thu Jan  1 00:00:00 1970"},
	{"return os.date(\"!%c|%x|%X|%D|%e|%F|%r|%R|%T|%u|%w|%U|%W|%V|%G|%g|%C|%h|%s|%z|%Z|%Q|%%\", 86400 * 45 + 3661)",
		"true Sun Feb 15 01:01:01 1970|02/15/70|01:01:01|02/15/70|15|1970-02-15|01:01:01 AM|01:01|01:01:01|7|0|07|06|07|1970|70|19|Feb|3891661|+0000|GMT|%Q|%"},
	{"return os.date(\"!%A %B %I %p %k|%l\", 86400 * 45 + 13 * 3600)",
		"true Sunday February 01 PM 13| 1"},
	{"local t = os.date(\"!*t\", 86400 * 45 + 3661) return t.year, t.month, t.day, t.hour, t.min, t.sec, t.wday, t.yday, t.isdst",
		"true 1970 2 15 1 1 1 1 46 false"},
	{"return os.date(\"!%Y-%m-%dT%H:%M:%SZ\", 1700000000), os.date(\"!%j %U %W %V\", 1700000000)",
		"true 2023-11-14T22:13:20Z 318 46 46 46"},
	{"return os.date(\"!%Ez %Ey %OH\", 0)",
		"true +0000 70 00"},
	{"return os.date(\"!%Y\", 253402300799), os.date(\"!%d/%m\", 1e9 + 0.9)",
		"true 9999 09/09"},
}

func TestOSDateAgainstLuaJIT(t *testing.T) { checkObserved(t, osDateCases) }

// TestGetenvEmpty: a variable set to "" is "" (LuaJIT, checked with
// `EMPTYVAR= luajit -e 'print(os.getenv("EMPTYVAR") == "")'`), an unset
// one nil.
func TestGetenvEmpty(t *testing.T) {
	t.Setenv("GORESTY_TEST_EMPTY", "")
	got := runCase(t, newState(t), `return os.getenv("GORESTY_TEST_EMPTY"), os.getenv("GORESTY_TEST_UNSET_VAR")`)
	if got != "true  nil" {
		t.Errorf("got %q, want %q", got, "true  nil")
	}
}
