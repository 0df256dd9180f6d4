// Package phases holds what every request phase shares: the phase enum in
// nginx order, the per-request Request (variables, status, headers, output)
// and the variable table that config compiles "$var" references against.
//
// It knows nothing of Lua or of the server: the server fills a Request and
// runs the phases; Lua handlers read and change it through the ngx API.
package phases
