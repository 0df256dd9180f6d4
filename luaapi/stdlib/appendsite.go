package stdlib

import (
	"sync/atomic"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/ast"

	"github.com/goresty/goresty/internal/luavm/glstate"
)

// The commonest way Lua code builds a buffer, `t[#t + 1] = a .. b .. c`,
// costs gopher-lua a length, an addition (a boxed number), the
// concatenation and a table store with its metatable checks. When every
// operand of the chain is a local, an upvalue or a literal (so evaluating
// it twice changes nothing), the statement is compiled as
//
//	if not APPEND(t, a, b, c) then t[#t + 1] = a .. b .. c end
//
// where APPEND, a constant of the prototype like the `..` sites (and made
// for the statement: its string literals are not passed), does the
// whole statement in one call when t is a table without a metatable and
// the operands are strings or numbers, and declines otherwise: then the
// original statement runs as written, with its metamethods, its order of
// evaluation and its error messages.

// fuseAppends turns the fusion off for tests that compare.
var fuseAppends = true

// appendPlainRun is the function of a fused statement whose operands are
// passed as they are (more than appendArgs of them, or no string literal);
// it never raises and calls no Lua, so it shows in no traceback.
func appendPlainRun(L *lua.LState) int {
	v, _ := appendJoined(callArgs(L), nil, nil)
	L.Push(v)
	return 1
}

// appendJoined appends the join of args[1:] (with the literals of tmpl,
// when not nil) to the table args[0] and returns true, or returns false
// when the statement must run as written. sz, when not nil, is the
// site's record of the tables it fills.
func appendJoined(args []lua.LValue, tmpl *appendTemplate, sz *tableSizing) (lua.LValue, bool) {
	t, ok := plainTable(args[0])
	if !ok {
		return lua.LFalse, true
	}
	var v lua.LValue
	if tmpl != nil {
		v, ok = tmpl.join(args[1:])
	} else {
		v, ok = joinPlain(args[1:])
	}
	if !ok {
		return lua.LFalse, true
	}
	appendValue(t, v, sz)
	return lua.LTrue, true
}

// appendOne is appendJoined for a template site with one operand x,
// given apart: it reports whether it appended.
func appendOne(tv, x lua.LValue, s *site) bool {
	t, ok := plainTable(tv)
	if !ok {
		return false
	}
	v, ok := s.tmpl.join1(x)
	if !ok {
		return false
	}
	appendValue(t, v, &s.sizing)
	return true
}

// appendValue does t[#t + 1] = v for a table without a metatable, as
// OP_LEN and OP_SETTABLE do; sz, when not nil, is the site's record of
// the tables it fills.
func appendValue(t *lua.LTable, v lua.LValue, sz *tableSizing) {
	// when the array part ends with a value, it is the length
	if arr, ok := glstate.ArrayPart(t); ok && len(arr) > 0 {
		if _, isNil := arr[len(arr)-1].(*lua.LNilType); !isNil {
			want := 0
			if sz != nil {
				sz.saw(t, len(arr)+1)
				if len(arr) == cap(arr) {
					want = sz.want()
				}
			}
			if glstate.AppendArray(t, v, want) {
				return
			}
		}
	}
	t.RawSetInt(t.Len()+1, v)
}

// tableSizing is what a fused append site knows of the tables it fills.
// A buffer built by `t[#t + 1] = ...` in a loop usually ends about as
// long as the one the same statement filled before it, so when its array
// part is full it grows at once to that length (and a little more)
// instead of doubling its way there: W3's 46 strings take one allocation
// of 768 bytes instead of four of 2.4 KB together. Only the table filled
// just before counts, so one large table does not make the site's later
// tables large. The fields are atomic because a chunk's prototype, and
// so its sites, is shared by the workers.
type tableSizing struct {
	last  atomic.Uintptr // the table appended to last: its address, only compared
	lastN atomic.Int32   // that table's length after the append
	prevN atomic.Int32   // the length the table before it reached
}

// maxPresize bounds the length a table is grown to at once.
const maxPresize = 1 << 12

// saw records that t is n long after an append. The length is stored at
// every fourth append only (an atomic store is dearer than the rest of
// the record), so the record may be three short.
func (z *tableSizing) saw(t *lua.LTable, n int) {
	if p := uintptr(unsafe.Pointer(t)); z.last.Load() != p {
		z.prevN.Store(z.lastN.Load())
		z.last.Store(p)
		z.lastN.Store(int32(min(n, maxPresize)))
	} else if n&3 == 0 {
		z.lastN.Store(int32(min(n, maxPresize)))
	}
}

// want is the length a full array part should grow to: the length the
// previous table reached, with room for a few more.
func (z *tableSizing) want() int {
	prev := int(z.prevN.Load())
	return prev + prev/8 + 4
}

// plainTable returns v when it is a table without a metatable.
func plainTable(v lua.LValue) (*lua.LTable, bool) {
	t, ok := v.(*lua.LTable)
	if !ok {
		return nil, false
	}
	_, none := t.Metatable.(*lua.LNilType)
	return t, none
}

// appendArgs is the most operands a template site takes as arguments.
const appendArgs = 8

// An appendTemplate is the function of one fused statement: the chain's
// string literals are kept in the function instead of being loaded and
// passed at every run (W3's `t[#t + 1] = '{"id":' .. i .. ',"v":"x"},'`
// then passes the table and i alone).
type appendTemplate struct {
	pre    []string // the literals before each argument (joined)
	tail   string   // the literals after the last argument
	litLen int      // the literals' total length
	nargs  int
	// parts is the chain in order, for the metamethod path of `..` sites
	parts []templatePart
}

// templatePart is a literal or, when arg is set, the next argument.
type templatePart struct {
	lit string
	arg bool
}

func (a *appendTemplate) run(L *lua.LState) int {
	v, _ := appendJoined(callArgs(L), a, nil)
	L.Push(v)
	return 1
}

// join is joinPlain with the literals in place: the arguments must be
// strings or numbers.
func (a *appendTemplate) join(args []lua.LValue) (lua.LValue, bool) {
	if len(args) != a.nargs {
		return nil, false
	}
	if a.nargs == 1 {
		return a.join1(args[0])
	}
	// the numbers' text, printed once, one after the other
	var numBuf [appendArgs * maxNumberLen]byte
	var numEnd [appendArgs]uint8
	nums := numBuf[:0]
	size := a.litLen
	for k := range a.nargs {
		switch x := args[k].(type) {
		case lua.LString:
			size += len(x)
		case lua.LNumber:
			start := len(nums)
			nums = AppendNumber(nums, float64(x))
			size += len(nums) - start
			numEnd[k] = uint8(len(nums)) // at most appendArgs * 24 bytes
		default:
			return nil, false
		}
	}
	if size == 0 {
		return lua.LString(""), true
	}
	blk := newStringBlock(size)
	b := blk.Bytes()
	numStart := 0
	for k := range a.nargs {
		b = append(b, a.pre[k]...)
		if x, ok := args[k].(lua.LString); ok {
			b = append(b, x...)
		} else {
			end := int(numEnd[k])
			b = append(b, nums[numStart:end]...)
			numStart = end
		}
	}
	b = append(b, a.tail...)
	blk.SetBytes(b)
	return blk.Value(), true
}

// join1 is join for the commonest template, one operand between literals.
func (a *appendTemplate) join1(v lua.LValue) (lua.LValue, bool) {
	var numBuf [maxNumberLen]byte
	var num []byte
	var str lua.LString
	switch x := v.(type) {
	case lua.LString:
		str = x
	case lua.LNumber:
		num = AppendNumber(numBuf[:0], float64(x))
	default:
		return nil, false
	}
	size := a.litLen + len(str) + len(num)
	if size == 0 {
		return lua.LString(""), true
	}
	blk := newStringBlock(size)
	b := append(append(append(append(blk.Bytes(), a.pre[0]...), str...), num...), a.tail...)
	blk.SetBytes(b)
	return blk.Value(), true
}

// newTemplate returns the template of a chain of operands and the
// operands left to pass (the others than string literals), or nil when
// the chain has no string literal or more than appendArgs other operands.
func newTemplate(ops []ast.Expr) (*appendTemplate, []ast.Expr) {
	a := &appendTemplate{}
	var args []ast.Expr
	lit := ""
	for _, op := range ops {
		if s, ok := op.(*ast.StringExpr); ok {
			a.parts = append(a.parts, templatePart{lit: s.Value})
			a.litLen += len(s.Value)
			lit += s.Value
			continue
		}
		a.parts = append(a.parts, templatePart{arg: true})
		a.pre = append(a.pre, lit)
		lit = ""
		args = append(args, op)
		a.nargs++
	}
	a.tail = lit
	if a.nargs > appendArgs || a.nargs == len(ops) {
		return nil, nil
	}
	return a, args
}

// template returns the site function and its arguments for the operands
// ops (plain copies) appended to the table expression tb.
func template(tb ast.Expr, ops []ast.Expr) (*lua.LFunction, []ast.Expr) {
	a, args := newTemplate(ops)
	if a == nil {
		return newSite(appendPlainRun, kindAppend, nil), append([]ast.Expr{tb}, ops...)
	}
	return newSite(a.run, kindAppendTemplate, a), append([]ast.Expr{tb}, args...)
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
	copies := make([]ast.Expr, 0, len(ops))
	for _, op := range ops {
		c := r.plainCopy(op, a.Line())
		if c == nil {
			return nil
		}
		copies = append(copies, c)
	}
	fn, args := template(r.plainCopy(obj, a.Line()), copies)
	// the original statement, rewritten as any other, is the fallback
	r.stmt(a)
	call := r.siteCall(fn, args, a.Line(), a.Line())
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
