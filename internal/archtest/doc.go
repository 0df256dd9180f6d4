// Package archtest holds the test that keeps the package rules of the
// design: which packages may import gopher-lua, the server, or luaapi.
package archtest
