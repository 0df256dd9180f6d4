package stdlib

import "testing"

// tonumberCases were observed on LuaJIT 2.1 with the harness of
// stdlib_test.go: Lua's number syntax without a base, integers in bases
// 2-36 with one.
var tonumberCases = []observedCase{
	{"return tonumber(\"1e2\"), tonumber(\"1.5\"), tonumber(\".5\"), tonumber(\"5.\"), tonumber(\"0x1p4\"), tonumber(\"inf\"), tonumber(\"nan\")",
		"true 100 1.5 0.5 5 16 inf nan"},
	{"return tonumber(\" 10 \", 16), tonumber(\"-ff\", 16), tonumber(12, 16), tonumber(\"0x10\", 16), tonumber(\"0x10\", 10), tonumber(\"1e2\", 10)",
		"true 16 -255 18 16 16 100"},
	{"return tonumber(\"9\", 8), tonumber(\"Z\", 36), tonumber(\"-0x10\"), tonumber(\"+5\"), tonumber(\"1e+2\"), tonumber(\"0X1P-1\"), tonumber(\"1 2\")",
		"true nil 35 -16 5 100 0.5 nil"},
	{"return pcall(tonumber, \"10\", 1)",
		"true false bad argument #2 to '?' (base out of range)"},
	{"return \"1e2\" + 1, \"0x10\" + 1",
		"true 101 17"},
	{`return tonumber("infinity"), tonumber("-inf"), tonumber("0b101"), tonumber("1e400"), tonumber(" 0x1P4 ")`,
		"true inf -inf 5 inf 16"},
}

func TestToNumberAgainstLuaJIT(t *testing.T) { checkObserved(t, tonumberCases) }

// gmatchCases: string.gmatch returns one closure, callable directly.
var gmatchCases = []observedCase{
	{"return string.gmatch(\"a,b,c\", \"[^,]+\")()",
		"true a"},
	{"local t = {} for w in (\"one two  three\"):gmatch(\"%a+\") do t[#t + 1] = w end return table.concat(t, \"|\")",
		"true one|two|three"},
	{"local t = {} for k, v in (\"a=1, b=2\"):gmatch(\"(%w+)=(%w+)\") do t[#t + 1] = k .. v end return table.concat(t, \"|\")",
		"true a1|b2"},
	{"local t = {} for p in (\"abc\"):gmatch(\"()\") do t[#t + 1] = p end return table.concat(t, \",\")",
		"true 1,2,3,4"},
	{"local it = (\"x y\"):gmatch(\"%a\") return it(), it(), it()",
		"true x y"},
	{"local t = {} for a, b in (\"k1v1k2v2\"):gmatch(\"k(%d)v(%d)\") do t[#t + 1] = a + b end return t[1], t[2]",
		"true 2 4"},
	{"return string.gmatch(123, \"%d\")()",
		"true 1"},
}

func TestGmatchAgainstLuaJIT(t *testing.T) { checkObserved(t, gmatchCases) }
