package nginxconf

import "fmt"

// Directive is one parsed directive: its name, its arguments, where it was
// written and, for block directives, the directives inside the block.
type Directive struct {
	Name string
	// Args are the arguments with quotes removed and escapes resolved.
	Args []string
	// Quoted[i] reports whether Args[i] was written in quotes (nginx treats
	// a quoted "if" operand or regex differently from a bare one).
	Quoted []bool
	File   string // the file as nginx would print it (absolute, or as given)
	Line   int    // line of the directive name
	// EndLine is the line of the ";" or "{" that ended the directive's
	// head; nginx reports errors about a directive at this line.
	EndLine int
	// Block is nil for a simple directive ("name args;") and non-nil
	// (possibly empty) for a block directive ("name args { ... }").
	Block []*Directive
	// Lua is set for a *_by_lua_block directive: the raw text between the
	// outer braces, captured verbatim. LuaLine is the line of its first byte,
	// i.e. of the opening "{"; lua-nginx-module names the chunk after it
	// ("content_by_lua(nginx.conf:LuaLine)") and counts Lua lines from it.
	Lua     *string
	LuaLine int
}

// Pos returns "FILE:LINE" where LINE is EndLine, the line nginx prints in
// errors about d (e.g. `unknown directive "foo" in /conf/nginx.conf:12`).
func (d *Directive) Pos() string { return fmt.Sprintf("%s:%d", d.File, d.EndLine) }

// IsBlock reports whether d was written with a { } block.
func (d *Directive) IsBlock() bool { return d.Block != nil || d.Lua != nil }

// Error is a syntax error at a position; Error() reads like nginx:
// `unexpected "}" in /path/conf/nginx.conf:20`.
type Error struct {
	Msg  string
	File string
	Line int
}

// Error formats e as nginx does: "MSG in FILE:LINE", or MSG alone when File
// is empty (nginx prints some file errors without a position).
func (e *Error) Error() string {
	if e.File == "" {
		return e.Msg
	}
	return fmt.Sprintf("%s in %s:%d", e.Msg, e.File, e.Line)
}
