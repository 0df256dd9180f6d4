package stdlib

import "testing"

// setmetatableCases were observed on LuaJIT 2.1 with the same harness.
var setmetatableCases = []observedCase{
	{"local t = setmetatable(1, {}) return t",
		"false t:1: bad argument #1 to 'setmetatable' (table expected, got number)"},
	{"local t = setmetatable({}, 1) return t",
		"false t:1: bad argument #2 to 'setmetatable' (nil or table expected)"},
	{"local t = setmetatable() return t",
		"false t:1: bad argument #1 to 'setmetatable' (table expected, got no value)"},
	{"local p = setmetatable({}, {__metatable = \"locked\"}) local ok, e = pcall(setmetatable, p, {}) return ok, e, getmetatable(p)",
		"true false cannot change a protected metatable locked"},
	{"local t = {} return setmetatable(t, nil) == t, getmetatable(setmetatable({}, {__index = {a = 1}})).__index.a",
		"true true 1"},
}

func TestSetMetatableAgainstLuaJIT(t *testing.T) { checkObserved(t, setmetatableCases) }
