// Package shared binds shdict zones to Lua as ngx.shared.DICT, with
// OpenResty's method names, argument checks, return values and error
// messages (observed on nginx 1.22 + lua-nginx-module 0.10.23 + lua-resty-core
// 0.1.25; testdata/ holds the snippets, their observed output and a script
// that reruns them on real nginx).
//
// Each dict is a table holding its *shdict.Dict at index 1, with one
// metatable shared by all dicts, so type(ngx.shared.dogs) is "table", an
// unknown name gives nil, and methods called with "." instead of ":" raise
// `bad "zone" argument` as in OpenResty.
package shared
