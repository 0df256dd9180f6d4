// Package nginxconf reads nginx configuration files into a syntax tree.
//
// It knows syntax only, never meaning: it splits the text into directives
// and blocks exactly as nginx's own tokenizer does (quotes, escapes,
// comments, "${var}" kept verbatim), resolves "include" in place (relative
// to the directory of the main file, globs expanded in sorted order) and
// captures the bodies of "*_by_lua_block { ... }" directives verbatim with a
// Lua-aware scanner, as lua-nginx-module does. Whether a directive exists,
// where it may appear and how many arguments it takes is decided by
// internal/config.
//
// Syntax errors are *Error values whose text and line match what nginx 1.22
// prints, e.g. `unexpected "}" in /etc/nginx/nginx.conf:20`.
package nginxconf
