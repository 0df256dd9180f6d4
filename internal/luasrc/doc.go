// Package luasrc is a Lua-aware source pre-pass run on every chunk before
// gopher-lua compiles it.
//
// gopher-lua's lexer implements Lua 5.1, while OpenResty code is written for
// LuaJIT 2.1, whose lexer also accepts the escapes \xHH, \z and \u{XXXX} in
// short strings and hexadecimal literals with a fraction or a binary exponent
// (0x1p4, 0xA.8). Rewrite turns those into Lua 5.1 forms with the same value
// and rejects escapes LuaJIT rejects (gopher-lua silently accepts "\q" as "q").
// Long strings, comments and code outside literals are never touched, and the
// line of every token after a rewritten literal stays the same.
//
// The package imports only the standard library.
package luasrc
