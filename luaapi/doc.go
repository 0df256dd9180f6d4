// Package luaapi is the ngx.* API and the built-in Lua modules of goresty,
// one file per API group (output.go for ngx.say/print/flush/eof, control.go
// for ngx.exit/exec/redirect, req.go for ngx.req.*, ...). Open installs
// them into a worker's VM; every function declares the phases it may run
// in, and anywhere else raises OpenResty's "API disabled in the context of
// ..." error.
package luaapi
