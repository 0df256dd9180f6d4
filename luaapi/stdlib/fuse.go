package stdlib

import (
	"unsafe"

	lua "github.com/yuin/gopher-lua"

	"github.com/goresty/goresty/internal/luavm/glstate"
)

// A site call still costs the instructions that set it up: LOADK of the
// site function, a MOVE (or GETUPVAL, LOADK) per argument, and the CALL,
// each a trip through gopher-lua's dispatch (~300 instructions for W3's
// `t[#t + 1] = '{"id":' .. i .. '},'`). After compiling, the chunk's code
// is searched for that exact sequence; its LOADK becomes a NOP that
// carries the site (fusedMark in A, the constant in Bx), and the site
// learns where each argument comes from. The NOP's handler reads the
// arguments from there, runs the site, leaves the result and the top as
// the CALL would (the registers the skipped moves would fill keep what
// they held: above the top, nothing reads them before writing), and goes
// on after the CALL (or, for a fused append that is done, where its JMP
// leads). When the site declines (an operand
// with a metamethod), the handler does the LOADK's work instead and the
// sequence runs as compiled.

// fuseCalls turns the fusion off for tests that compare.
var fuseCalls = true

// fusedMark in a NOP's A field marks a fused site call. gopher-lua's
// compiler makes NOPs of jumps of distance 0, whose A is 0.
const fusedMark = 0xff

// fusion is where a fused site call's parts are.
type fusion struct {
	a      int // the register the call's function and result are in
	args   []operand
	call   int // the CALL's index in the code
	append bool
	done   int // append: where the JMP after the TEST goes
	// one: an append of a template with one operand, the table and the
	// operand both in registers (W3's `t[#t + 1] = '{"id":' .. i .. '},'`),
	// run without gathering the arguments
	one bool
}

// operand is where an argument comes from.
type operand struct {
	from uint8 // fromReg, fromConst or fromUpvalue
	idx  int
}

const (
	fromReg = iota
	fromConst
	fromUpvalue
)

// fuse marks the fusable site calls of p (its sites already in place).
func fuse(p *lua.FunctionProto) {
	if !glstate.Readable() || !fuseCalls {
		return
	}
	loads := map[int]int{} // constant index -> how many LOADKs load it
	for _, inst := range p.Code {
		if op(inst) == lua.OP_LOADK {
			loads[int(inst&0x3ffff)]++
		}
	}
	for pc, inst := range p.Code {
		if op(inst) != lua.OP_LOADK || loads[int(inst&0x3ffff)] != 1 {
			continue
		}
		fn, ok := p.Constants[int(inst&0x3ffff)].(*lua.LFunction)
		if !ok || fn.Env != concatEnv {
			continue
		}
		s := (*site)(unsafe.Pointer(fn))
		if f := parseFusion(p, pc, s.isAppend()); f != nil {
			f.one = s.kind == kindAppendTemplate && s.tmpl.nargs == 1 && len(f.args) == 2 &&
				f.args[0].from == fromReg && f.args[1].from == fromReg
			s.fused = f
			p.Code[pc] = uint32(lua.OP_NOP)<<glstate.OpShift | fusedMark<<18 | inst&0x3ffff
		}
	}
}

func op(inst uint32) int { return int(inst >> glstate.OpShift) }

// parseFusion reads the call set up from code[pc] (a LOADK of the site
// function into A): the arguments into A+1... by MOVE, MOVEN, LOADK or
// GETUPVAL from below A, then CALL A with one result kept, and for an
// append TEST A 0 1 and JMP. It returns nil for anything else.
func parseFusion(p *lua.FunctionProto, pc int, isAppend bool) *fusion {
	code := p.Code
	a := int(code[pc]>>18) & 0xff
	f := &fusion{a: a, append: isAppend}
	i := pc + 1
	next := func(dst int, o operand) bool {
		if dst != a+1+len(f.args) || o.from == fromReg && o.idx >= a {
			return false
		}
		f.args = append(f.args, o)
		return true
	}
loop:
	for ; i < len(code); i++ {
		inst := code[i]
		var o operand
		switch op(inst) {
		case lua.OP_MOVE, lua.OP_MOVEN:
			o = operand{fromReg, int(inst & 0x1ff)}
		case lua.OP_LOADK:
			o = operand{fromConst, int(inst & 0x3ffff)}
		case lua.OP_GETUPVAL:
			o = operand{fromUpvalue, int(inst & 0x1ff)}
		default:
			break loop
		}
		if !next(int(inst>>18)&0xff, o) {
			return nil
		}
		if op(inst) != lua.OP_MOVEN {
			continue
		}
		// the MOVEs a MOVEN runs itself follow it
		for k := int(inst>>9) & 0x1ff; k > 0; k-- {
			i++
			if i >= len(code) || op(code[i]) != lua.OP_MOVE ||
				!next(int(code[i]>>18)&0xff, operand{fromReg, int(code[i] & 0x1ff)}) {
				return nil
			}
		}
	}
	if i >= len(code) || len(f.args) > appendArgs+1 {
		return nil
	}
	call := code[i]
	if op(call) != lua.OP_CALL || int(call>>18)&0xff != a || int(call&0x1ff) != len(f.args)+1 || int(call>>9)&0x1ff != 2 {
		return nil
	}
	f.call = i
	if isAppend {
		if i+2 >= len(code) {
			return nil
		}
		test, jmp := code[i+1], code[i+2]
		if op(test) != lua.OP_TEST || int(test>>18)&0xff != a || int(test>>9)&0x1ff != 1 || op(jmp) != lua.OP_JMP {
			return nil
		}
		f.done = i + 3 + int(jmp&0x3ffff) - glstate.MaxArgSbx
	}
	return f
}

func init() {
	if !glstate.Readable() {
		return
	}
	loadk := glstate.JumpTable[lua.OP_LOADK]
	glstate.JumpTable[lua.OP_NOP] = func(L *lua.LState, inst uint32, baseframe unsafe.Pointer) int {
		switch int(inst>>18) & 0xff {
		case fusedMark:
			if !runFused(L, inst) {
				s := (*site)(unsafe.Pointer(glstate.CurrentFrame(L).Fn().Proto.Constants[inst&0x3ffff].(*lua.LFunction)))
				return loadk(L, uint32(lua.OP_LOADK)<<glstate.OpShift|uint32(s.fused.a)<<18|inst&0x3ffff, baseframe)
			}
		case entryMark:
			if h := EntryHook; h != nil {
				h(L)
			}
		}
		return 0
	}
}

// runFused runs the fused site call of NOP inst, and reports whether it
// did (false: the site declined; the registers the moves fill may hold
// its arguments).
func runFused(L *lua.LState, inst uint32) bool {
	f := glstate.CurrentFrame(L)
	cl := f.Fn()
	s := (*site)(unsafe.Pointer(cl.Proto.Constants[inst&0x3ffff].(*lua.LFunction)))
	fu := s.fused
	regs, top := glstate.Registers(L)
	r := *regs
	lbase := f.LocalBase()
	ra := lbase + fu.a
	end := ra + len(fu.args) + 2 // as in callSite
	if end > len(r) {
		return false
	}
	if fu.one {
		*top = ra + 1
		if appendOne(r[lbase+fu.args[0].idx], r[lbase+fu.args[1].idx], s) {
			// past the statement, its TEST skipped: nothing reads the
			// call's result register
			f.SetPc(fu.done)
			return true
		}
		r[ra] = lua.LFalse
		f.SetPc(fu.call + 1)
		return true
	}
	var buf [appendArgs + 1]lua.LValue
	args := buf[:len(fu.args)]
	for k, o := range fu.args {
		switch o.from {
		case fromReg:
			args[k] = r[lbase+o.idx]
		case fromConst:
			args[k] = cl.Proto.Constants[o.idx]
		default:
			args[k] = cl.Upvalues[o.idx].Value()
		}
	}
	v, ok := s.direct(args)
	if !ok {
		return false
	}
	// where the CALL leaves its result and the top (the registers above,
	// which the CALL clears, were not written)
	r[ra] = v
	*top = ra + 1
	next := fu.call + 1
	if b, isBool := v.(lua.LBool); fu.append && isBool && bool(b) {
		next = fu.done
	}
	f.SetPc(next)
	return true
}
