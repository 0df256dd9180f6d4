// Package re is OpenResty's ngx.re API for goresty: ngx.re.match, find,
// gmatch, sub and gsub, and the lua-resty-core module "ngx.re" (split, opt),
// on top of package ngxre. Results, return counts and error strings follow
// nginx 1.22 + lua-nginx-module 0.10.23 + lua-resty-core 0.1.25, as observed
// with testdata/probe.lua (see testdata/README.md).
package re
