// Package cjson provides the "cjson" and "cjson.safe" Lua modules for
// goresty's gopher-lua VMs, with the behaviour of lua-cjson as shipped in
// OpenResty (openresty/lua-cjson 2.1.0.x): the same JSON output, the same
// configuration functions and defaults, and the same error messages.
//
// Preload registers both modules on a VM; cjson.null is the sentinel the
// caller passes in (ngx.null), so the two compare equal as in OpenResty.
// Every require()d module and every cjson.new() instance has its own
// settings; cjson.array_mt, cjson.empty_array_mt and cjson.empty_array are
// shared by all instances of one VM.
//
// Errors carry the caller's position as luaL_error adds it in LuaJIT
// ("content_by_lua(nginx.conf:6):3: Expected value but found ..."), and
// none when the call was a tail call or came straight from pcall: where.go
// reads gopher-lua's call frames to tell.
//
// The encoder writes straight from LTables into a byte buffer and the
// decoder builds LTables straight from the input, with no reflection and no
// intermediate Go values.
//
// testdata/cases.lua holds the behaviour cases; testdata/nginx.conf runs them
// on real nginx + lua-nginx-module and testdata/nginx_output.txt is what it
// printed; testdata/openresty_overrides.txt lists the lines where OpenResty's
// lua-cjson fork differs from the upstream build used for that run.
package cjson
