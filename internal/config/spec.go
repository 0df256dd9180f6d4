package config

import (
	"fmt"
	"sort"
	"strings"

	"github.com/goresty/goresty/internal/nginxconf"
)

// Context is a set of block kinds a directive may appear in.
type Context uint32

// Block kinds.
const (
	CtxMain Context = 1 << iota
	CtxEvents
	CtxHTTP
	CtxServer
	CtxLocation
	CtxSrvIf // "if" inside server
	CtxLocIf // "if" inside location
	CtxUpstream
	CtxTypes
	CtxLimitExcept

	// CtxHTTPAll is http, server and location.
	CtxHTTPAll = CtxHTTP | CtxServer | CtxLocation
)

// Arity is the set of argument counts a directive accepts (nginx's NGX_CONF_TAKEn).
type Arity uint32

// Arities. TakeN bits can be or-ed; OneMore and TwoMore stand alone.
const (
	NoArgs Arity = 1 << iota
	Take1
	Take2
	Take3
	Take4
	Take5
	Take6
	Take7
	OneMore
	TwoMore
	// Flag is Take1 restricted to "on"/"off".
	Flag
	Any

	Take12   = Take1 | Take2
	Take13   = Take1 | Take3
	Take23   = Take2 | Take3
	Take123  = Take1 | Take2 | Take3
	Take1234 = Take1 | Take2 | Take3 | Take4
)

func (a Arity) accepts(n int) bool {
	switch {
	case a&Any != 0:
		return true
	case a&OneMore != 0:
		return n >= 1
	case a&TwoMore != 0:
		return n >= 2
	case a&Flag != 0:
		return n == 1
	case n == 0:
		return a&NoArgs != 0
	case n <= 7:
		return a&(Take1<<(n-1)) != 0
	}
	return false
}

// Spec describes one directive.
type Spec struct {
	Name  string
	Ctx   Context
	Args  Arity
	Block bool // takes a { } block (a *_by_lua_block body counts)
	// Set applies the directive. It may call c.Errorf for positioned errors.
	Set func(c *Ctx, d *nginxconf.Directive) error
	// Multi allows the directive more than once per block (otherwise
	// "is duplicate" is reported when Once is set).
	Once bool
}

var registry = map[string]*Spec{}

// Register adds directives to the table; packages call it from init.
func Register(specs ...*Spec) {
	for _, s := range specs {
		if _, dup := registry[s.Name]; dup {
			panic("config: directive registered twice: " + s.Name)
		}
		registry[s.Name] = s
	}
}

// Lookup returns the spec of a directive, or nil.
func Lookup(name string) *Spec { return registry[name] }

// Names returns the names of all registered directives, sorted.
func Names() []string {
	names := make([]string, 0, len(registry))
	for name := range registry {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Error is a configuration error with the position of the directive.
type Error struct {
	Msg  string
	File string
	Line int
}

func (e *Error) Error() string {
	if e.File == "" {
		return e.Msg
	}
	return fmt.Sprintf("%s in %s:%d", e.Msg, e.File, e.Line)
}

// Errorf makes a positioned error for directive d.
func Errorf(d *nginxconf.Directive, format string, args ...any) error {
	file, line := position(d)
	return &Error{Msg: fmt.Sprintf(format, args...), File: file, Line: line}
}

// position is where nginx says directive d is: the line that ends its head.
func position(d *nginxconf.Directive) (string, int) {
	if d.EndLine > 0 {
		return d.File, d.EndLine
	}
	return d.File, d.Line
}

// FlagValue parses an on/off argument with nginx's message.
func FlagValue(d *nginxconf.Directive) (bool, error) {
	switch strings.ToLower(d.Args[0]) {
	case "on":
		return true, nil
	case "off":
		return false, nil
	}
	return false, Errorf(d, `invalid value "%s" in "%s" directive, it must be "on" or "off"`, d.Args[0], d.Name)
}
