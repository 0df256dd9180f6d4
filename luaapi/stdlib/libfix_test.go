package stdlib

import "testing"

// libFixCases were observed on LuaJIT 2.1 with the harness of
// stdlib_test.go (libfix.go): string.find/match/char, table.insert/remove,
// math.random/max/min.
var libFixCases = []observedCase{
	{"return string.find(\"abc\", \"\", 10), string.find(\"abc\", \"\", 4)",
		"true 4 4 3"},
	{"return (\"abc\"):find(\"\", 2), (\"abc\"):find(\"\", -1), (\"abc\"):find(\"\", -10), (\"abc\"):find(\"\", 0), (\"\"):find(\"\")",
		"true 2 3 1 1 1 0"},
	{"return (\"abc\"):find(\"b\", 10), (\"abc\"):find(\"c\", -1), (\"abc\"):find(\"b\", 2, true)",
		"true nil 3 2 2"},
	{"return string.match(\"abc\", \"x\"), select(\"#\", string.match(\"abc\", \"x\")), string.match(\"abc\", \"(b)(c)\")",
		"true nil 1 b c"},
	{"return table.remove({}), select(\"#\", table.remove({})), select(\"#\", table.remove({1, 2}, 5))",
		"true nil 0 0"},
	{"local t = {1, 2, 3} local v = table.remove(t, 1) return v, #t, t[1], t[2], t[3]",
		"true 1 2 2 3 nil"},
	{"local t = {1, 2, 3} local v = table.remove(t) return v, #t",
		"true 3 2"},
	{"local u = {1, 2} table.insert(u, 1, 0) return u[1], u[2], u[3], #u",
		"true 0 1 2 3"},
	{"return pcall(table.insert, {}, 1, 2, 3)",
		"true false wrong number of arguments to 'insert'"},
	{"return pcall(table.insert, {})",
		"true false wrong number of arguments to 'insert'"},
	{"return math.random(1, 1), math.random(0), math.random(2, 1) >= 1, math.random() < 1, math.random(3) <= 3",
		"true 1 1 true true true"},
	{"return math.max(0/0, 1), math.min(1, 0/0), math.max(3), math.max(1, \"5\"), math.min(4, 2, 8)",
		"true 1 nan 3 5 2"},
	{"return pcall(math.max)",
		"true false bad argument #1 to '?' (number expected, got no value)"},
	{"return pcall(string.char, 256)",
		"true false bad argument #1 to '?' (invalid value)"},
	{"return pcall(string.char, -1)",
		"true false bad argument #1 to '?' (invalid value)"},
	{"return string.char(65, \"66\"), string.char()",
		"true AB "},
}

func TestLibFixesAgainstLuaJIT(t *testing.T) { checkObserved(t, libFixCases) }
