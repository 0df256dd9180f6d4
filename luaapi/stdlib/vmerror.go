package stdlib

import (
	"reflect"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// The messages gopher-lua's VM raises for a bad operand say less than
// LuaJIT's and in other words ("attempt to index a non-table object(nil)
// with key 'y'" where LuaJIT says "attempt to index local 'x' (a nil
// value)"). TranslateVMError rewrites them while the failing frame is still
// on the stack: it decodes the instruction that failed and names its operand
// as LuaJIT does, from the prototype's debug information (a local variable)
// or from the instruction that loaded the register (a global, an upvalue, a
// field, a method).

// vmErrors maps the start of a gopher-lua VM message to its kind.
var vmErrors = []struct {
	prefix string
	kind   vmErrKind
}{
	{"attempt to index a non-table object(", errIndex},
	{"attempt to call a non-function object", errCall},
	{"cannot perform ", errArith},
	{"__unm undefined", errArith},
	{"__len undefined", errLen},
	{"for statement init must be a number", errForInit},
	{"for statement limit must be a number", errForLimit},
	{"for statement step must be a number", errForStep},
}

type vmErrKind int

const (
	errIndex vmErrKind = iota
	errCall
	errArith
	errLen
	errForInit
	errForLimit
	errForStep
)

// TranslateVMError rewrites, in place, the error value on top of L's stack
// when it is a message gopher-lua's VM raised in a Lua function, and leaves
// any other value alone. Call it first thing in a Panic handler.
func TranslateVMError(L *lua.LState) {
	msg, ok := L.Get(-1).(lua.LString)
	if !ok {
		return
	}
	s := string(msg)
	at, kind := -1, vmErrKind(0)
	for _, e := range vmErrors {
		if i := strings.Index(s, e.prefix); i >= 0 {
			at, kind = i, e.kind
			break
		}
	}
	if at < 0 {
		if !sameTypeCompare(L, s) {
			quoteArgFunc(L, s)
		}
		return
	}
	var text string
	switch kind {
	case errForInit:
		text = "'for' initial value must be a number"
	case errForLimit:
		text = "'for' limit must be a number"
	case errForStep:
		text = "'for' step must be a number"
	default:
		fn, pc, ok := currentFrame(L)
		if !ok || fn.IsG || fn.Proto == nil || pc < 1 || pc > len(fn.Proto.Code) {
			return
		}
		if text = operandError(L, fn.Proto, pc-1, kind); text == "" {
			return
		}
	}
	L.Pop(1)
	L.Push(lua.LString(s[:at] + text))
}

// sameTypeCompare rewrites gopher-lua's "attempt to compare table with
// table" as LuaJIT's "attempt to compare two table values".
func sameTypeCompare(L *lua.LState, s string) bool {
	i := strings.Index(s, "attempt to compare ")
	if i < 0 {
		return false
	}
	rest := s[i+len("attempt to compare "):]
	a, b, ok := strings.Cut(rest, " with ")
	if !ok || a != b || strings.ContainsAny(a, " ()'") {
		return false
	}
	L.Pop(1)
	L.Push(lua.LString(s[:i] + "attempt to compare two " + a + " values"))
	return true
}

// quoteArgFunc puts the function name of gopher-lua's "bad argument #1 to
// floor (...)" in quotes, as LuaJIT writes it ('floor'), when a Go function
// raised it, and makes it '?' when pcall's own layer called the function
// directly (pcall(ngx.say, t)): LuaJIT has no name for it then.
func quoteArgFunc(L *lua.LState, s string) {
	i := strings.Index(s, "bad argument #")
	if i < 0 {
		return
	}
	j := strings.Index(s[i:], " to ")
	if j < 0 {
		return
	}
	start := i + j + len(" to ")
	n := strings.Index(s[start:], " (")
	if n <= 0 || strings.Contains(s[start:start+n], " ") {
		return
	}
	name := s[start : start+n]
	if fn, _, ok := currentFrame(L); !ok || !fn.IsG {
		return
	}
	want := name
	if name[0] != '\'' {
		want = "'" + name + "'"
	}
	// the name the raising function goes by at its call site; an error()
	// call that names another function ('create') is left alone
	if self, ok := L.GetStack(0); ok {
		if _, err := L.GetInfo("n", self, lua.LNil); err == nil && self.Name == strings.Trim(name, "'") {
			if caller, ok := L.GetStack(1); ok {
				if _, err := L.GetInfo("S", caller, lua.LNil); err == nil && caller.Source == "[goresty]" {
					want = "'?'"
				}
			}
		}
	}
	if want == name {
		return
	}
	L.Pop(1)
	L.Push(lua.LString(s[:start] + want + s[start+n:]))
}

// operandError is LuaJIT's message for the instruction at pc failing with
// an error of kind, or "" when the instruction is not one that raises it.
func operandError(L *lua.LState, p *lua.FunctionProto, pc int, kind vmErrKind) string {
	inst := p.Code[pc]
	op, a, b, c := int(inst>>26), int(inst>>18)&0xff, int(inst&0x1ff), int(inst>>9)&0x1ff
	switch kind {
	case errIndex:
		switch op {
		case lua.OP_GETTABLE, lua.OP_GETTABLEKS, lua.OP_SELF:
			return "attempt to index " + describeReg(L, p, pc, b)
		case lua.OP_SETTABLE, lua.OP_SETTABLEKS:
			return "attempt to index " + describeReg(L, p, pc, a)
		}
	case errCall:
		switch op {
		case lua.OP_CALL, lua.OP_TAILCALL:
			return "attempt to call " + describeReg(L, p, pc, a)
		case lua.OP_TFORLOOP:
			return "attempt to call " + describe("", L.Get(a+1))
		}
	case errArith:
		switch op {
		case lua.OP_ADD, lua.OP_SUB, lua.OP_MUL, lua.OP_DIV, lua.OP_MOD, lua.OP_POW:
			// the first operand when it is not a number, else the second
			if v := rkValue(L, p, b); !numeric(v) {
				return "attempt to perform arithmetic on " + describeRK(L, p, pc, b)
			}
			return "attempt to perform arithmetic on " + describeRK(L, p, pc, c)
		case lua.OP_UNM:
			return "attempt to perform arithmetic on " + describeReg(L, p, pc, b)
		}
	case errLen:
		if op == lua.OP_LEN {
			return "attempt to get length of " + describeReg(L, p, pc, b)
		}
	}
	return ""
}

// rkIsK tells a constant operand from a register one.
const rkIsK = 1 << 8

func rkValue(L *lua.LState, p *lua.FunctionProto, rk int) lua.LValue {
	if rk&rkIsK != 0 {
		return p.Constants[rk&^rkIsK]
	}
	return L.Get(rk + 1)
}

func describeRK(L *lua.LState, p *lua.FunctionProto, pc, rk int) string {
	if rk&rkIsK != 0 {
		return describe("", p.Constants[rk&^rkIsK])
	}
	return describeReg(L, p, pc, rk)
}

// describeReg is "local 'x' (a nil value)" for register reg at pc.
func describeReg(L *lua.LState, p *lua.FunctionProto, pc, reg int) string {
	return describe(regName(p, pc, reg), L.Get(reg+1))
}

func describe(name string, v lua.LValue) string {
	if name != "" {
		return name + " (a " + v.Type().String() + " value)"
	}
	return "a " + v.Type().String() + " value"
}

// numeric reports whether arithmetic accepts v (a number or a string that
// reads as one).
func numeric(v lua.LValue) bool {
	switch v := v.(type) {
	case lua.LNumber:
		return true
	case lua.LString:
		_, ok := parseNumber(string(v))
		return ok
	}
	return false
}

// regName names what register reg holds at pc as LuaJIT does: an active
// local variable, else what the instruction that set it read. Only
// straight-line code before pc is searched; across a jump the register's
// origin is unknown and it gets no name.
func regName(p *lua.FunctionProto, pc, reg int) string {
	// "(for generator)" and the loop's other hidden locals are active a
	// little early in gopher-lua's debug info (from the call that makes
	// them): they name nothing, as in LuaJIT
	if name := localName(p, pc, reg); name != "" && name[0] != '(' {
		return "local '" + name + "'"
	}
	// the MOVE/GETUPVAL words after a CLOSURE describe its upvalues: they
	// are not instructions
	pseudo := map[int]bool{}
	for i := 0; i < pc && i < len(p.Code); i++ {
		if int(p.Code[i]>>26) == lua.OP_CLOSURE {
			if bx := int(p.Code[i] & 0x3ffff); bx < len(p.FunctionPrototypes) {
				for k := 1; k <= int(p.FunctionPrototypes[bx].NumUpvalues); k++ {
					pseudo[i+k] = true
				}
				i += int(p.FunctionPrototypes[bx].NumUpvalues)
			}
		}
	}
	for i := pc - 1; i >= 0; i-- {
		if pseudo[i] {
			continue
		}
		inst := p.Code[i]
		op, a, b, c := int(inst>>26), int(inst>>18)&0xff, int(inst&0x1ff), int(inst>>9)&0x1ff
		switch op {
		case lua.OP_JMP, lua.OP_FORLOOP, lua.OP_FORPREP, lua.OP_TFORLOOP, lua.OP_EQ, lua.OP_LT,
			lua.OP_LE, lua.OP_TEST, lua.OP_TESTSET, lua.OP_LOADBOOL, lua.OP_MOVEN:
			return ""
		case lua.OP_LOADNIL:
			if reg >= a && reg <= b {
				return ""
			}
			continue
		case lua.OP_CALL, lua.OP_VARARG, lua.OP_SETLIST, lua.OP_CLOSE, lua.OP_RETURN, lua.OP_TAILCALL:
			if reg >= a {
				return ""
			}
			continue
		case lua.OP_SETGLOBAL, lua.OP_SETUPVAL, lua.OP_SETTABLE, lua.OP_SETTABLEKS, lua.OP_NOP:
			continue // they write no register
		case lua.OP_SELF:
			if reg == a+1 {
				return regName(p, i, b)
			}
			if reg == a {
				return keyName("method", p, c)
			}
			continue
		}
		if a != reg {
			continue
		}
		switch op {
		case lua.OP_GETGLOBAL:
			if k, ok := p.Constants[int(inst&0x3ffff)].(lua.LString); ok {
				return "global '" + string(k) + "'"
			}
		case lua.OP_GETTABLE, lua.OP_GETTABLEKS:
			return keyName("field", p, c)
		case lua.OP_GETUPVAL:
			if b < len(p.DbgUpvalues) {
				return "upvalue '" + p.DbgUpvalues[b] + "'"
			}
		case lua.OP_MOVE:
			if b < a {
				return regName(p, i, b)
			}
		}
		return ""
	}
	return ""
}

// keyName is "field 'k'" (or "method 'k'") when RK operand rk is a
// constant string.
func keyName(what string, p *lua.FunctionProto, rk int) string {
	if rk&rkIsK == 0 {
		return ""
	}
	if k, ok := p.Constants[rk&^rkIsK].(lua.LString); ok {
		return what + " '" + string(k) + "'"
	}
	return ""
}

// localName is the name of the local variable in register reg at pc: the
// reg-th variable active there, in declaration order.
func localName(p *lua.FunctionProto, pc, reg int) string {
	n := 0
	for _, v := range p.DbgLocals {
		if v.StartPc > pc {
			break
		}
		if pc <= v.EndPc {
			if n == reg {
				return v.Name
			}
			n++
		}
	}
	return ""
}

// currentFrame returns the function running in L and its program counter
// (one past the instruction being executed). gopher-lua exports neither:
// they are read from its call frame by reflection, which costs nothing
// until an error is raised. A gopher-lua version with another layout makes
// this report false, and the messages stay gopher-lua's.
func currentFrame(L *lua.LState) (*lua.LFunction, int, bool) {
	f := reflect.ValueOf(L).Elem().FieldByName("currentFrame")
	if f.Kind() != reflect.Pointer || f.IsNil() {
		return nil, 0, false
	}
	cf := f.Elem()
	if cf.Kind() != reflect.Struct {
		return nil, 0, false
	}
	pc, fn := cf.FieldByName("Pc"), cf.FieldByName("Fn")
	if pc.Kind() != reflect.Int || fn.Kind() != reflect.Pointer || fn.Type() != reflect.TypeFor[*lua.LFunction]() || fn.IsNil() {
		return nil, 0, false
	}
	return (*lua.LFunction)(fn.UnsafePointer()), int(pc.Int()), true
}
