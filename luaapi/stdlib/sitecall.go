package stdlib

import (
	"unsafe"

	lua "github.com/yuin/gopher-lua"

	"github.com/goresty/goresty/internal/luavm/glstate"
)

// The `..` chains and the fused appends call a Go function of goresty's
// (a site). Through gopher-lua's CALL each call pushes a call frame, sets
// the stack top, copies the result back and pops the frame: ~400
// instructions, more than the concatenation of W3's appends costs itself.
//
// A site's work never raises, never yields and calls no Lua, so it needs
// no frame: the CALL instruction's handler runs it directly on the
// argument registers and stores the result as gopher-lua's call would
// (the result in R(A), the top after the results kept, the registers the
// call used cleared). When the work declines (an operand with a
// metamethod, which a `..` site runs in Lua), the call goes the ordinary
// way, where the site's function does the rest.

// A site is the Go value behind one site function. Its LFunction comes
// first, so the handler finds the site from the function it calls; every
// function with the sites' environment (concatEnv) is made by newSite.
type site struct {
	fn   lua.LFunction
	kind siteKind
	// tmpl holds the string literals of a template site
	tmpl *appendTemplate
	// fused: where the parts of its call are, when they are fused (fuse.go)
	fused *fusion
	// sizing: the tables an append site fills (appendsite.go)
	sizing tableSizing
}

// siteKind is what a site does.
type siteKind uint8

const (
	kindConcat         siteKind = iota // joins its arguments
	kindConcatTemplate                 // joins its arguments and the template's literals
	kindAppend                         // appends the join of args[1:] to the table args[0]
	kindAppendTemplate                 // likewise with the template's literals
)

// newSite returns the function of a site.
func newSite(run lua.LGFunction, kind siteKind, tmpl *appendTemplate) *lua.LFunction {
	s := &site{kind: kind, tmpl: tmpl}
	s.fn = lua.LFunction{IsG: true, Env: concatEnv, GFunction: run}
	return &s.fn
}

// isAppend reports whether s is a fused append statement's site, whose
// result says whether it appended.
func (s *site) isAppend() bool { return s.kind >= kindAppend }

// direct does the site's work on its arguments; ok false sends the call
// to the site's function, which runs the site in full. A switch rather
// than a function value, so that args does not escape.
func (s *site) direct(args []lua.LValue) (v lua.LValue, ok bool) {
	switch s.kind {
	case kindConcat:
		return joinPlain(args)
	case kindConcatTemplate:
		return s.tmpl.join(args)
	case kindAppend:
		return appendJoined(args, nil, &s.sizing)
	default:
		return appendJoined(args, s.tmpl, &s.sizing)
	}
}

// directCalls turns the direct path off for tests that compare.
var directCalls = true

func init() {
	if !glstate.Readable() {
		return
	}
	call := glstate.JumpTable[lua.OP_CALL]
	glstate.JumpTable[lua.OP_CALL] = func(L *lua.LState, inst uint32, baseframe unsafe.Pointer) int {
		if directCalls && callSite(L, inst) {
			return 0
		}
		return call(L, inst, baseframe)
	}
}

// callSite runs CALL inst directly when it calls a site with a fixed
// number of arguments and keeps at most one result, and reports whether
// it did.
func callSite(L *lua.LState, inst uint32) bool {
	b, c := int(inst&0x1ff), int(inst>>9)&0x1ff // arguments+1, results kept+1 (0: all)
	if b == 0 || c > 2 {
		return false
	}
	regs, top := glstate.Registers(L)
	r := *regs
	ra := glstate.CurrentFrame(L).LocalBase() + int(inst>>18)&0xff
	end := ra + b + 1 // above the slot gopher-lua's call leaves the result in
	if end > len(r) {
		return false
	}
	fn, ok := r[ra].(*lua.LFunction)
	if !ok || fn.Env != concatEnv {
		return false
	}
	v, ok := (*site)(unsafe.Pointer(fn)).direct(r[ra+1 : ra+b])
	if !ok {
		return false
	}
	kept := 1
	if c == 1 {
		kept = 0
	}
	r[ra] = v
	for i := ra + kept; i < max(*top, end); i++ {
		r[i] = nil // a few registers: cheaper than clear's call
	}
	*top = ra + kept
	return true
}

// callArgs returns the arguments of the running Go function, in place
// when the registers can be read.
func callArgs(L *lua.LState) []lua.LValue {
	n := L.GetTop()
	if glstate.Readable() {
		regs, _ := glstate.Registers(L)
		base := glstate.CurrentFrame(L).LocalBase()
		return (*regs)[base : base+n : base+n]
	}
	args := make([]lua.LValue, n)
	for i := range args {
		args[i] = L.Get(i + 1)
	}
	return args
}
