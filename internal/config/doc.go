// Package config gives an nginx configuration its meaning: the directive
// table (name, contexts, arity, setter), the walk over the syntax tree that
// checks and applies every directive, and the immutable Plan that the server
// runs. Every error carries the position of the directive, as nginx's do.
package config
