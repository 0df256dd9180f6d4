package stdlib

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/ast"
)

// The `..` operator is compiled by goresty, not by gopher-lua: before a
// chunk is compiled, every chain of concatenations (`a .. b .. c`) is
// replaced by a call to a Go function made for that spot of the source,
// which
//
//   - prints numbers as LuaJIT does ("%.14g": (0.1+0.2)..""  is "0.3",
//     1e15..""  is "1e+15"), where gopher-lua's own operator prints Go's
//     shortest form;
//   - raises LuaJIT's error, naming the operand as LuaJIT does ("attempt to
//     concatenate local 'x' (a nil value)"), where gopher-lua says "cannot
//     perform concat operation between string and nil";
//   - builds the result in one allocation, where gopher-lua's operator
//     formats numbers with fmt and joins a slice of strings.
//
// The call's function is a constant of the compiled prototype: the
// rewritten AST calls a marker string, and the marker constants are
// replaced by the sites' functions after compilation (LOADK then loads the
// function itself; no global or upvalue lookup per concatenation).

// concatMark starts the marker constants: a NUL byte and a number drawn at
// start-up make it a string no Lua source holds; a marker also carries the
// site's number, and only numbers of the chunk's own sites are replaced.
var concatMark = "\x00goresty.concat." + strconv.FormatUint(rand.Uint64(), 36) + "#"

// concatEnv is the environment of the site functions, a table nothing
// writes to; it also tells them apart from other Go functions (IsConcat).
var concatEnv = &lua.LTable{}

// IsConcat reports whether fn is the function of a `..` site, which
// tracebacks leave out as LuaJIT shows no frame for the operator.
func IsConcat(fn *lua.LFunction) bool { return fn != nil && fn.IsG && fn.Env == concatEnv }

// concatSite is one rewritten chain: how the error message names each
// operand ("local 'x'", "global 'g'", "upvalue 'u'", "field 'k'", or ""
// when LuaJIT gives no name).
type concatSite struct {
	names []string
	// tmpl, when set, holds the chain's string literals: only the other
	// operands are passed (see appendTemplate)
	tmpl *appendTemplate
}

// chunkRewriter walks a chunk before it is compiled: it resolves names as
// the compiler will declare them, replaces the `..` chains and hides the
// function of `local f = function` (localfunc.go).
type chunkRewriter struct {
	localFuncs map[localFunc]bool // the `local function` statements
	sites      []*lua.LFunction
	vars       []scopeVar // the locals in scope, innermost last
	depth      int        // function nesting of the walk
}

type scopeVar struct {
	name  string
	depth int
}

func (r *chunkRewriter) declare(names ...string) {
	for _, n := range names {
		r.vars = append(r.vars, scopeVar{n, r.depth})
	}
}

// block runs f in a new block scope.
func (r *chunkRewriter) block(f func()) {
	n := len(r.vars)
	f()
	r.vars = r.vars[:n]
}

// describe names an operand as LuaJIT's error messages do.
func (r *chunkRewriter) describe(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.IdentExpr:
		for i := len(r.vars) - 1; i >= 0; i-- {
			if r.vars[i].name == x.Value {
				if r.vars[i].depth == r.depth {
					return "local '" + x.Value + "'"
				}
				return "upvalue '" + x.Value + "'"
			}
		}
		return "global '" + x.Value + "'"
	case *ast.AttrGetExpr:
		if k, ok := x.Key.(*ast.StringExpr); ok {
			return "field '" + k.Value + "'"
		}
	}
	return ""
}

// flatten lists the operands of a chain left to right. `..` is right
// associative: `a .. b .. c` is one chain, evaluated from the right, while
// in `(a .. b) .. c` the left chain is an operand of its own, as in
// LuaJIT's bytecode.
func flatten(c *ast.StringConcatOpExpr, ops []ast.Expr) []ast.Expr {
	ops = append(ops, c.Lhs)
	if rc, ok := c.Rhs.(*ast.StringConcatOpExpr); ok {
		return flatten(rc, ops)
	}
	return append(ops, c.Rhs)
}

func (r *chunkRewriter) concat(x *ast.StringConcatOpExpr) ast.Expr {
	ops := flatten(x, nil)
	site := &concatSite{names: make([]string, len(ops))}
	for i, op := range ops {
		site.names[i] = r.describe(op)
		// an operand is one value: f() and ... are cut to their first
		switch x := op.(type) {
		case *ast.FuncCallExpr:
			x.AdjustRet = true
		case *ast.Comma3Expr:
			x.AdjustRet = true
		}
		ops[i] = r.expr(op)
	}
	if tmpl, args := newTemplate(ops); tmpl != nil {
		site.tmpl, ops = tmpl, args
	}
	kind := kindConcat
	if site.tmpl != nil {
		kind = kindConcatTemplate
	}
	fn := newSite(site.run, kind, site.tmpl)
	return r.siteCall(fn, ops, x.Line(), x.LastLine())
}

// siteCall is a call of the Go function fn, stored as a constant of the
// prototype: a marker string the compiled constant is replaced by (patch).
func (r *chunkRewriter) siteCall(fn *lua.LFunction, args []ast.Expr, line, lastLine int) *ast.FuncCallExpr {
	r.sites = append(r.sites, fn)
	mark := &ast.StringExpr{Value: concatMark + strconv.Itoa(len(r.sites)-1)}
	mark.SetLine(line)
	mark.SetLastLine(line)
	// AdjustRet: one value, and never a tail call (which would lose the
	// caller's line in error messages)
	call := &ast.FuncCallExpr{Func: mark, Args: args, AdjustRet: true}
	call.SetLine(line)
	call.SetLastLine(lastLine)
	return call
}

func (r *chunkRewriter) expr(e ast.Expr) ast.Expr {
	switch x := e.(type) {
	case *ast.StringConcatOpExpr:
		return r.concat(x)
	case *ast.AttrGetExpr:
		x.Object, x.Key = r.expr(x.Object), r.expr(x.Key)
	case *ast.TableExpr:
		for _, f := range x.Fields {
			if f.Key != nil {
				f.Key = r.expr(f.Key)
			}
			f.Value = r.expr(f.Value)
		}
	case *ast.FuncCallExpr:
		if x.Func != nil {
			x.Func = r.expr(x.Func)
		}
		if x.Receiver != nil {
			x.Receiver = r.expr(x.Receiver)
		}
		r.exprs(x.Args)
	case *ast.LogicalOpExpr:
		x.Lhs, x.Rhs = r.expr(x.Lhs), r.expr(x.Rhs)
	case *ast.RelationalOpExpr:
		x.Lhs, x.Rhs = r.expr(x.Lhs), r.expr(x.Rhs)
	case *ast.ArithmeticOpExpr:
		x.Lhs, x.Rhs = r.expr(x.Lhs), r.expr(x.Rhs)
	case *ast.UnaryMinusOpExpr:
		x.Expr = r.expr(x.Expr)
	case *ast.UnaryNotOpExpr:
		x.Expr = r.expr(x.Expr)
	case *ast.UnaryLenOpExpr:
		x.Expr = r.expr(x.Expr)
	case *ast.FunctionExpr:
		r.function(x, false)
	}
	return e
}

func (r *chunkRewriter) exprs(es []ast.Expr) {
	for i, e := range es {
		es[i] = r.expr(e)
	}
}

func (r *chunkRewriter) function(f *ast.FunctionExpr, method bool) {
	r.depth++
	r.block(func() {
		if method {
			r.declare("self")
		}
		r.declare(f.ParList.Names...)
		r.stmts(f.Stmts)
	})
	r.depth--
}

func (r *chunkRewriter) stmts(ss []ast.Stmt) {
	for i, s := range ss {
		if a, ok := s.(*ast.AssignStmt); ok {
			if fused := r.fuseAppend(a); fused != nil {
				ss[i] = fused
				continue
			}
		}
		r.stmt(s)
	}
}

func (r *chunkRewriter) stmt(s ast.Stmt) {
	switch x := s.(type) {
	case *ast.AssignStmt:
		r.exprs(x.Lhs)
		r.exprs(x.Rhs)
	case *ast.LocalAssignStmt:
		// `local function f` declares f first, anything else after its
		// values (localfunc.go)
		if f, ok := soleFunction(x.Exprs); ok && len(x.Names) == 1 {
			if r.localFuncs[localFunc{x.Line(), x.Names[0]}] {
				r.declare(x.Names...)
				r.exprs(x.Exprs)
				return
			}
			x.Exprs[0] = hideFunction(f)
		}
		r.exprs(x.Exprs)
		r.declare(x.Names...)
	case *ast.FuncCallStmt:
		x.Expr = r.expr(x.Expr)
	case *ast.DoBlockStmt:
		r.block(func() { r.stmts(x.Stmts) })
	case *ast.WhileStmt:
		x.Condition = r.expr(x.Condition)
		r.block(func() { r.stmts(x.Stmts) })
	case *ast.RepeatStmt:
		r.block(func() {
			r.stmts(x.Stmts)
			x.Condition = r.expr(x.Condition) // sees the body's locals
		})
	case *ast.IfStmt:
		x.Condition = r.expr(x.Condition)
		r.block(func() { r.stmts(x.Then) })
		r.block(func() { r.stmts(x.Else) })
	case *ast.NumberForStmt:
		x.Init, x.Limit = r.expr(x.Init), r.expr(x.Limit)
		if x.Step != nil {
			x.Step = r.expr(x.Step)
		}
		r.block(func() {
			r.declare(x.Name)
			r.stmts(x.Stmts)
		})
	case *ast.GenericForStmt:
		r.exprs(x.Exprs)
		r.block(func() {
			r.declare(x.Names...)
			r.stmts(x.Stmts)
		})
	case *ast.FuncDefStmt:
		if x.Name.Func != nil {
			x.Name.Func = r.expr(x.Name.Func)
		}
		if x.Name.Receiver != nil {
			x.Name.Receiver = r.expr(x.Name.Receiver)
		}
		r.function(x.Func, x.Name.Method != "")
	case *ast.ReturnStmt:
		r.exprs(x.Exprs)
	}
}

func soleFunction(es []ast.Expr) (*ast.FunctionExpr, bool) {
	if len(es) != 1 {
		return nil, false
	}
	f, ok := es[0].(*ast.FunctionExpr)
	return f, ok
}

// patch replaces the marker constants of p and its nested prototypes with
// the sites' functions.
func (r *chunkRewriter) patch(p *lua.FunctionProto) {
	if len(r.sites) == 0 {
		return
	}
	for i, k := range p.Constants {
		s, ok := k.(lua.LString)
		if !ok || !strings.HasPrefix(string(s), concatMark) {
			continue
		}
		if n, err := strconv.Atoi(string(s[len(concatMark):])); err == nil && n >= 0 && n < len(r.sites) {
			p.Constants[i] = r.sites[n]
		}
	}
	fuse(p)
	for _, c := range p.FunctionPrototypes {
		r.patch(c)
	}
}

// run is the site's function: the concatenation of its arguments.
func (s *concatSite) run(L *lua.LState) int {
	if v, ok := s.join(callArgs(L)); ok {
		L.Push(v)
		return 1
	}
	n := L.GetTop()
	if s.tmpl == nil {
		return s.slow(L, 0, n)
	}
	// the whole chain on the stack, above the arguments
	k := 1
	for _, p := range s.tmpl.parts {
		if p.arg {
			L.Push(L.Get(k))
			k++
		} else {
			L.Push(lua.LString(p.lit))
		}
	}
	return s.slow(L, n, len(s.tmpl.parts))
}

// join is the concatenation when every operand is a string or a number.
func (s *concatSite) join(args []lua.LValue) (lua.LValue, bool) {
	if s.tmpl != nil {
		return s.tmpl.join(args)
	}
	return joinPlain(args)
}

// joinPlain joins args when all are strings or numbers (not ok
// otherwise): one allocation of the exact size, numbers printed as LuaJIT
// prints them. Up to appendArgs operands it is a template without
// literals.
func joinPlain(args []lua.LValue) (lua.LValue, bool) {
	if len(args) > appendArgs {
		return joinPlainMany(args)
	}
	return plainTemplates[len(args)].join(args)
}

// plainTemplates[n] is the template of n operands and no literal.
var plainTemplates = func() (t [appendArgs + 1]*appendTemplate) {
	for n := range t {
		t[n] = &appendTemplate{pre: make([]string, n), nargs: n}
	}
	return t
}()

// joinPlainMany is joinPlain for long chains.
func joinPlainMany(args []lua.LValue) (lua.LValue, bool) {
	size := 0
	for _, v := range args {
		switch v := v.(type) {
		case lua.LString:
			size += len(v)
		case lua.LNumber:
			size += maxNumberLen
		default:
			return nil, false
		}
	}
	if size == 0 {
		return lua.LString(""), true
	}
	blk := newStringBlock(size)
	b := blk.Bytes()
	for _, v := range args {
		b = appendOperand(b, v)
	}
	blk.SetBytes(b)
	return blk.Value(), true
}

// maxNumberLen bounds the length of a number printed as "%.14g".
const maxNumberLen = 24

func appendOperand(b []byte, v lua.LValue) []byte {
	switch v := v.(type) {
	case lua.LString:
		return append(b, v...)
	case lua.LNumber:
		return AppendNumber(b, float64(v))
	}
	return b
}

// bytesString makes b, which nothing else refers to, a Lua string without
// a copy.
func bytesString(b []byte) lua.LString {
	return lua.LString(unsafe.String(unsafe.SliceData(b), len(b)))
}

func strOrNum(v lua.LValue) bool {
	switch v.(type) {
	case lua.LString, lua.LNumber:
		return true
	}
	return false
}

// slow is Lua's concatenation with metamethods: from the right, a run of
// strings and numbers is joined at once; any other pair goes to the
// __concat metamethod of its left operand, else of its right one. The n
// operands are on the stack after base.
func (s *concatSite) slow(L *lua.LState, base, n int) int {
	get := func(i int) lua.LValue { return L.Get(base + i) }
	acc := get(n)
	accOp := n // which operand acc still is (0: a value computed since)
	for i := n - 1; i >= 1; {
		left := get(i)
		if strOrNum(left) && strOrNum(acc) {
			j := i
			for j > 1 && strOrNum(get(j-1)) {
				j--
			}
			var b []byte
			for k := j; k <= i; k++ {
				b = appendOperand(b, get(k))
			}
			acc, accOp, i = bytesString(appendOperand(b, acc)), 0, j-1
			continue
		}
		mm := L.GetMetaField(left, "__concat")
		if mm == lua.LNil {
			mm = L.GetMetaField(acc, "__concat")
		}
		if mm == lua.LNil {
			s.fail(L, left, i, acc, accOp)
			return 0
		}
		L.Push(mm)
		L.Push(left)
		L.Push(acc)
		L.Call(2, 1)
		acc, accOp, i = L.Get(-1), i, i-1 // the result takes the left operand's slot, and name
		L.Pop(1)
	}
	L.Push(acc)
	return 1
}

// fail raises LuaJIT's error for a pair no metamethod joins: it names the
// right operand when the left one could be concatenated, else the left
// one.
func (s *concatSite) fail(L *lua.LState, left lua.LValue, leftOp int, right lua.LValue, rightOp int) {
	bad, op := left, leftOp
	if strOrNum(left) {
		bad, op = right, rightOp
	}
	if op > 0 && s.names[op-1] != "" {
		L.RaiseError("attempt to concatenate %s (a %s value)", s.names[op-1], bad.Type().String())
	}
	L.RaiseError("attempt to concatenate a %s value", bad.Type().String())
}
