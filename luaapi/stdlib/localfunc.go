package stdlib

import (
	"bytes"

	"github.com/yuin/gopher-lua/ast"
	"github.com/yuin/gopher-lua/parse"
)

// In Lua, `local f = function() ... f ... end` does not see the new local
// inside the function: f there is whatever f was before (often a global,
// as in `local print = function(...) print("[app]", ...) end`). Only
// `local function f` puts f in scope first. gopher-lua's parser gives both
// forms the same AST and its compiler declares f first for both, so such a
// wrapper calls itself until the stack overflows. The rewriter tells the
// forms apart by the tokens of the source and hides the function of the
// assignment form from that rule of the compiler.

// localFunc is a `local function NAME` statement: the line of its `local`
// and the name.
type localFunc struct {
	line int
	name string
}

// localFunctions lists the `local function NAME` statements of code, which
// has parsed without error.
func localFunctions(code []byte, source string) map[localFunc]bool {
	if !bytes.Contains(code, []byte("function")) {
		return nil
	}
	found := map[localFunc]bool{}
	sc := parse.NewScanner(bytes.NewReader(code), source)
	lx := &parse.Lexer{}
	var prev [2]ast.Token
	for {
		tok, err := sc.Scan(lx)
		if err != nil || tok.Type == parse.EOF {
			return found
		}
		lx.PrevTokenType = tok.Type
		if tok.Type == parse.TIdent && prev[1].Type == parse.TFunction && prev[0].Type == parse.TLocal {
			found[localFunc{prev[0].Pos.Line, tok.Str}] = true
		}
		prev[0], prev[1] = prev[1], tok
	}
}

// hideFunction wraps the function of `local f = function ... end` in an
// expression of the same value (`true and function ... end`), so that the
// compiler declares f after it, as Lua does.
func hideFunction(f *ast.FunctionExpr) ast.Expr {
	t := &ast.TrueExpr{}
	t.SetLine(f.Line())
	t.SetLastLine(f.Line())
	e := &ast.LogicalOpExpr{Operator: "and", Lhs: t, Rhs: f}
	e.SetLine(f.Line())
	e.SetLastLine(f.LastLine())
	return e
}
