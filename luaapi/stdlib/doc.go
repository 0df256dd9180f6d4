// Package stdlib patches a gopher-lua state's standard library so it behaves
// like LuaJIT 2.1 as OpenResty ships it.
//
// Open replaces tostring, print, unpack, load, loadstring, collectgarbage,
// string.format, string.rep, table.concat, math.log and math.fmod with
// versions that format numbers as LuaJIT does ("%.14g"), follow C printf
// semantics, raise LuaJIT's error messages and route source text through
// luasrc.Rewrite. Preload registers the modules LuaJIT and OpenResty's LuaJIT
// fork provide: bit, ffi (a stub that raises "... is not supported by
// goresty"), and table.new, table.clear, table.nkeys, table.isempty,
// table.isarray, table.clone.
//
// Every behaviour is compared in tests with the output of LuaJIT
// 2.1.0-beta3 (Debian's luajit2 2.1-20230119, the OpenResty branch, and
// luajit 2.1.0~beta3+git20220320). What cannot be fixed without changing
// gopher-lua is listed in COMPAT-NOTES.md.
package stdlib
