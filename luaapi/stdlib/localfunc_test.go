package stdlib

import "testing"

// localFunctionCases were observed on LuaJIT 2.1 with the harness of
// stdlib_test.go: `local f = function` does not see f inside, `local
// function f` does.
var localFunctionCases = []observedCase{
	{"local tostring = function(v) return \"<\" .. tostring(v) .. \">\" end return tostring(1)",
		"true <1>"},
	{"local function fact(n) if n == 0 then return 1 end return n * fact(n - 1) end return fact(5)",
		"true 120"},
	{"local f = function(n) return n end return f(3)",
		"true 3"},
	{"local\nfunction g() return g end return g() == g",
		"true true"},
	{"local function a() return a end local b = function() return b end return a() == a, b()",
		"true true nil"},
	{"local type = function(v) return \"T:\" .. type(v) end return type({})",
		"true T:table"},
	{"local x = 1 local x = function() return x end return x()",
		"true 1"},
	{"local h = function() return type(h) end return h()",
		"true nil"},
}

func TestLocalFunctionScope(t *testing.T) { checkObserved(t, localFunctionCases) }
