package stdlib

import (
	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/ast"
)

// The commonest way Lua code builds a buffer, `t[#t + 1] = a .. b .. c`,
// costs gopher-lua a length, an addition (a boxed number), the
// concatenation and a table store with its metatable checks. When every
// operand of the chain is a local, an upvalue or a literal (so evaluating
// it twice changes nothing), the statement is compiled as
//
//	if not APPEND(t, a, b, c) then t[#t + 1] = a .. b .. c end
//
// where APPEND, a constant of the prototype like the `..` sites, does the
// whole statement in one call when t is a table without a metatable and
// the operands are strings or numbers, and declines otherwise: then the
// original statement runs as written, with its metamethods, its order of
// evaluation and its error messages.

// fuseAppends turns the fusion off for tests that compare.
var fuseAppends = true

// appendSiteFn is the function of every fused statement; it never raises
// and calls no Lua, so it shows in no traceback.
var appendSiteFn = &lua.LFunction{IsG: true, Env: concatEnv, GFunction: appendSite}

func appendSite(L *lua.LState) int {
	t, ok := L.Get(1).(*lua.LTable)
	if !ok || t.Metatable != lua.LNil {
		L.Push(lua.LFalse)
		return 1
	}
	v, ok := joinPlain(L, 2, L.GetTop())
	if !ok {
		L.Push(lua.LFalse)
		return 1
	}
	// what OP_LEN and OP_SETTABLE do to a table without a metatable
	t.RawSetInt(t.Len()+1, v)
	L.Push(lua.LTrue)
	return 1
}

// fuseAppend returns the fused form of a, or nil when a is not
// `name[#name + 1] = <chain of plain operands>`.
func (r *chunkRewriter) fuseAppend(a *ast.AssignStmt) ast.Stmt {
	if !fuseAppends || len(a.Lhs) != 1 || len(a.Rhs) != 1 {
		return nil
	}
	chain, ok := a.Rhs[0].(*ast.StringConcatOpExpr)
	if !ok {
		return nil
	}
	target, ok := a.Lhs[0].(*ast.AttrGetExpr)
	if !ok {
		return nil
	}
	obj, ok := target.Object.(*ast.IdentExpr)
	if !ok || !r.isLocal(obj.Value) {
		return nil
	}
	key, ok := target.Key.(*ast.ArithmeticOpExpr)
	if !ok || key.Operator != "+" {
		return nil
	}
	if one, ok := key.Rhs.(*ast.NumberExpr); !ok || one.Value != "1" {
		return nil
	}
	length, ok := key.Lhs.(*ast.UnaryLenOpExpr)
	if !ok {
		return nil
	}
	if same, ok := length.Expr.(*ast.IdentExpr); !ok || same.Value != obj.Value {
		return nil
	}
	ops := flatten(chain, nil)
	args := make([]ast.Expr, 0, len(ops)+1)
	args = append(args, r.plainCopy(obj, a.Line()))
	for _, op := range ops {
		c := r.plainCopy(op, a.Line())
		if c == nil {
			return nil
		}
		args = append(args, c)
	}
	// the original statement, rewritten as any other, is the fallback
	r.stmt(a)
	call := r.siteCall(appendSiteFn, args, a.Line(), a.Line())
	not := &ast.UnaryNotOpExpr{Expr: call}
	not.SetLine(a.Line())
	not.SetLastLine(a.Line())
	fused := &ast.IfStmt{Condition: not, Then: []ast.Stmt{a}}
	fused.SetLine(a.Line())
	fused.SetLastLine(a.LastLine())
	return fused
}

// isLocal reports whether name is a local or an upvalue where the walk is.
func (r *chunkRewriter) isLocal(name string) bool {
	for i := len(r.vars) - 1; i >= 0; i-- {
		if r.vars[i].name == name {
			return true
		}
	}
	return false
}

// plainCopy copies an operand whose evaluation has no effect (a literal,
// a local or an upvalue), or returns nil.
func (r *chunkRewriter) plainCopy(e ast.Expr, line int) ast.Expr {
	var c ast.Expr
	switch x := e.(type) {
	case *ast.StringExpr:
		c = &ast.StringExpr{Value: x.Value}
	case *ast.NumberExpr:
		c = &ast.NumberExpr{Value: x.Value}
	case *ast.IdentExpr:
		if !r.isLocal(x.Value) {
			return nil
		}
		c = &ast.IdentExpr{Value: x.Value}
	default:
		return nil
	}
	c.SetLine(line)
	c.SetLastLine(line)
	return c
}
