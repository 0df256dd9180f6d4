package cjson

import (
	"reflect"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// site is the Lua code that called the running Go function, as LuaJIT
// reports it in the messages of luaL_argerror and luaL_error.
type site struct {
	name   string // the name the function goes by at its call site; "" when unknown
	where  string // "chunk:line: ", or "" when the caller is not Lua code
	method bool   // called as a method (obj:f()): argument 1 is self
}

// frame is what callSite needs of a gopher-lua call frame.
type frame struct {
	fn     *lua.LFunction
	pc     int // one past the instruction being executed
	tail   int // tail calls that replaced this frame's function
	parent reflect.Value
}

// readFrame reads a *callFrame of gopher-lua, which does not export its
// frames: by reflection, which costs nothing until an error is raised. A
// gopher-lua with another layout makes it report false, and messages lose
// their position.
func readFrame(v reflect.Value) (frame, bool) {
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return frame{}, false
	}
	e := v.Elem()
	fn, pc, tail, parent := e.FieldByName("Fn"), e.FieldByName("Pc"), e.FieldByName("TailCall"), e.FieldByName("Parent")
	if fn.Kind() != reflect.Pointer || fn.Type() != reflect.TypeFor[*lua.LFunction]() || fn.IsNil() ||
		pc.Kind() != reflect.Int || tail.Kind() != reflect.Int || parent.Type() != v.Type() {
		return frame{}, false
	}
	return frame{fn: (*lua.LFunction)(fn.UnsafePointer()), pc: int(pc.Int()), tail: int(tail.Int()), parent: parent}, true
}

// goresty's own Lua glue (its pcall layer) counts as C code, as in OpenResty.
const glueSource = "[goresty]"

// callSite describes the caller of the running Go function. A Go function
// called by a Lua function as a tail call (return cjson.decode(s)) takes
// the place of that function in LuaJIT: it goes by that function's name
// and its caller is that function's caller.
func callSite(L *lua.LState) site {
	cur, ok := readFrame(reflect.ValueOf(L).Elem().FieldByName("currentFrame"))
	if !ok || !cur.fn.IsG {
		return site{}
	}
	caller, ok := readFrame(cur.parent)
	if !ok {
		return site{}
	}
	named := cur
	if !caller.fn.IsG && caller.pc > 0 && int(caller.fn.Proto.Code[caller.pc-1]>>26) == lua.OP_TAILCALL {
		named = caller
		if caller, ok = readFrame(caller.parent); !ok {
			return site{}
		}
	}
	if caller.fn.IsG || caller.pc <= 0 || caller.fn.Proto.SourceName == glueSource {
		return site{}
	}
	p := caller.fn.Proto
	s := site{}
	if line := p.DbgSourcePositions[caller.pc-1]; line > 0 {
		s.where = p.SourceName + ":" + itoa(line) + ": "
	}
	if named.fn.IsG || named.tail == 0 {
		for _, c := range p.DbgCalls {
			if c.Pc == caller.pc-1 {
				if c.Name != "?" && !strings.ContainsAny(c.Name, "(<") {
					s.name = c.Name
				}
				break
			}
		}
	}
	s.method = s.name != "" && isMethodCall(p, caller.pc-1)
	return s
}

// isMethodCall tells whether the call at pc calls a function OP_SELF
// loaded: the last instruction before it that writes the call's function
// register is an OP_SELF.
func isMethodCall(p *lua.FunctionProto, pc int) bool {
	a := int(p.Code[pc]>>18) & 0xff
	for i := pc - 1; i >= 0; i-- {
		inst := p.Code[i]
		if int(inst>>18)&0xff != a {
			continue
		}
		switch int(inst >> 26) {
		case lua.OP_EQ, lua.OP_LT, lua.OP_LE, lua.OP_TEST, lua.OP_JMP, lua.OP_SETGLOBAL, lua.OP_SETUPVAL,
			lua.OP_SETTABLE, lua.OP_SETTABLEKS, lua.OP_SETLIST, lua.OP_CLOSE, lua.OP_RETURN, lua.OP_NOP:
			continue // A is not a register written here
		case lua.OP_SELF:
			return true
		}
		return false
	}
	return false
}

// raise is luaL_error: msg with the caller's position.
func raise(L *lua.LState, msg string) {
	L.Error(lua.LString(callSite(L).where+msg), 0)
}
