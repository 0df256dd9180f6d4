// Package resty holds goresty's Go implementations of the lua-resty-string
// modules (resty.string, resty.md5, resty.sha1 ... resty.sha512,
// resty.random, resty.aes) and the resty.core module tree, which in
// OpenResty is LuaJIT FFI code and here is a set of tables: the ngx API it
// installs is already built in. Preload registers them all.
package resty
