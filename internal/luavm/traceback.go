package luavm

import (
	"reflect"
	"strconv"
	"strings"
	"unsafe"

	"github.com/goresty/goresty/luaapi/stdlib"
	lua "github.com/yuin/gopher-lua"
)

// debug.traceback as LuaJIT writes it. gopher-lua's own shows goresty's
// machinery: each pcall runs in a coroutine of its own (so a yield inside
// it reaches the scheduler), the yield-safe layer's frames, Go functions as
// "[G]", tail-call markers. This one walks from a pcall's coroutine on
// into the coroutine that called pcall, as LuaJIT's single stack would
// show it, writes "[C]: in function 'pcall'" where the boundary is, and
// leaves out goresty's own frames.

// LuaJIT's cut of long tracebacks: from 23 levels on, the first 11, "...",
// the last 10.
const (
	traceFirst = 11
	traceLast  = 10
)

// debugTraceback is debug.traceback([thread,] [message [, level]]).
func (w *Worker) debugTraceback(L *lua.LState) int {
	th, arg := L, 1
	if co, ok := L.Get(1).(*lua.LState); ok {
		th, arg = co, 2
	}
	var msg string
	switch v := L.Get(arg).(type) {
	case lua.LString:
		msg = string(v) + "\n"
	case lua.LNumber:
		msg = stdlib.FormatNumber(float64(v)) + "\n"
	case *lua.LNilType:
	default:
		L.Push(v) // not a message: returned untouched
		return 1
	}
	level := 1
	if th != L {
		level = 0
	}
	if v := L.Get(arg + 1); v != lua.LNil {
		n, ok := v.(lua.LNumber)
		if !ok {
			if s, isStr := v.(lua.LString); isStr {
				if f, err := strconv.ParseFloat(strings.TrimSpace(string(s)), 64); err == nil {
					n, ok = lua.LNumber(f), true
				}
			}
		}
		if !ok {
			L.ArgError(arg+1, "number expected, got "+v.Type().String())
		}
		level = int(n)
	}
	lines := w.traceLines(th, level)
	if len(lines) > traceFirst+traceLast+1 {
		cut := append(lines[:traceFirst:traceFirst], "...")
		lines = append(cut, lines[len(lines)-traceLast:]...)
	}
	var b strings.Builder
	b.WriteString(msg)
	b.WriteString("stack traceback:")
	for _, l := range lines {
		b.WriteString("\n\t")
		b.WriteString(l)
	}
	L.Push(lua.LString(b.String()))
	return 1
}

// traceLines lists th's frames from level on, in LuaJIT's words, going on
// into the caller of each pcall coroutine (debug.traceback).
func (w *Worker) traceLines(th *lua.LState, level int) []string {
	return w.traceSections(th, level, false)[0]
}

// traceSections walks th's frames from level on, in LuaJIT's words. A
// pcall's coroutine goes on in its caller's section; with all set (the
// error log's traceback), the coroutine that resumed a user coroutine or
// a light thread gets a section of its own ("coroutine 1:"), and a frame
// that raised an error itself (not through a builtin) shows no line, as
// in nginx's log; without all the walk ends at a user coroutine, as
// LuaJIT's debug.traceback does.
func (w *Worker) traceSections(th *lua.LState, level int, all bool) [][]string {
	type frame struct {
		dbg *lua.Debug
		fn  *lua.LFunction
	}
	sections := [][]string{nil}
	for cur := th; cur != nil; {
		var frames []frame
		var want uintptr // the frame the last one was called from
		for lv := 0; ; lv++ {
			dbg, ok := cur.GetStack(lv)
			if !ok {
				break
			}
			// after a tail call gopher-lua counts a level that hands back
			// the bottom frame, as Lua 5.1's "(tail call)": skip it
			if p := framePtr(dbg); lv > 0 && p != want {
				continue
			}
			want = parentPtr(dbg)
			f, err := cur.GetInfo("Slnf", dbg, lua.LNil)
			if err != nil {
				break
			}
			fn, _ := f.(*lua.LFunction)
			frames = append(frames, frame{dbg, fn})
			if want == 0 {
				break
			}
		}
		var seen []string // the frames LuaJIT would have, top first
		for i, fr := range frames {
			dbg, fn := fr.dbg, fr.fn
			if stdlib.IsConcat(fn) {
				continue // the `..` operator: no frame in LuaJIT
			}
			// the caller names the function; none when goresty's layer called
			var caller *lua.Debug
			var callerFn *lua.LFunction
			if i+1 < len(frames) {
				caller, callerFn = frames[i+1].dbg, frames[i+1].fn
			}
			layerCalled := caller != nil && caller.Source == "[goresty]"
			isG := fn != nil && fn.IsG || dbg.What == "G"
			// a Lua function whose last act was `return gofunc(...)` keeps
			// its frame in gopher-lua; LuaJIT's tail call left none
			tailCalled := callerFn != nil && !callerFn.IsG && inTailCall(caller)
			name := ""
			if caller != nil {
				name = calledAs(caller)
			}
			if tailCalled {
				// it took the frame over, and the name it was called by
				name = ""
				if i+2 < len(frames) && frames[i+2].dbg.Source != "[goresty]" {
					name = calledAs(frames[i+2].dbg)
				}
			}
			switch {
			case dbg.Source == "[goresty]":
				// the layer's functions stand for builtins (pcall, yield...)
				// when user code called them; the rest of the layer is hidden
				if caller == nil || layerCalled || caller.What == "G" {
					continue
				}
				seen = append(seen, cFrame(name))
			case isG:
				if layerCalled {
					continue // raw_resume and the layer's other helpers
				}
				seen = append(seen, cFrame(name))
			default:
				if i > 0 && inTailCall(dbg) && (frames[i-1].fn == nil || frames[i-1].fn.IsG) {
					continue // see tailCalled
				}
				line := dbg.Source + ":" + strconv.Itoa(dbg.CurrentLine) + ": in "
				if all && i == 0 && cur == th {
					line = dbg.Source + ": in " // the error was raised here, not in a builtin
				}
				switch {
				case dbg.LineDefined <= 0:
					line += "main chunk"
				case name != "" && !layerCalled:
					line += "function '" + name + "'"
				default:
					line += "function <" + dbg.Source + ":" + strconv.Itoa(dbg.LineDefined) + ">"
				}
				seen = append(seen, line)
			}
		}
		if level > 0 {
			seen = seen[min(level, len(seen)):]
			level = 0
		}
		sections[len(sections)-1] = append(sections[len(sections)-1], seen...)
		if len(frames) == 0 || cur.Parent == nil {
			break
		}
		// a pcall's coroutine goes on in its caller's
		if bottom := frames[len(frames)-1].fn; bottom == nil || bottom != w.tramp && bottom != w.xentry {
			if !all || bottom == w.entry {
				break
			}
			sections = append(sections, nil)
		}
		cur = cur.Parent
	}
	if n := len(sections); n > 1 && len(sections[n-1]) == 0 {
		sections = sections[:n-1] // the resumer was the scheduler: no Lua frames
	}
	return sections
}

func cFrame(name string) string {
	if name == "" {
		return "[C]: ?"
	}
	return "[C]: in function '" + name + "'"
}

// inTailCall reports whether the Lua frame dbg is executing a tail call.
func inTailCall(dbg *lua.Debug) bool {
	fn, pc := frameFnPc(dbg)
	if fn == nil || fn.IsG || fn.Proto == nil || pc <= 0 || pc > len(fn.Proto.Code) {
		return false
	}
	return int(fn.Proto.Code[pc-1]>>26) == lua.OP_TAILCALL
}

// calledAs is the name the frame caller called its callee by, read off
// the instruction it is executing as LuaJIT reads it: the name of a
// variable or field for a call, the metamethod's for an operator ("" when
// unknown).
func calledAs(caller *lua.Debug) string {
	fn, pc := frameFnPc(caller)
	if fn == nil || fn.IsG || fn.Proto == nil || pc <= 0 || pc > len(fn.Proto.Code) {
		return ""
	}
	switch op := int(fn.Proto.Code[pc-1] >> 26); op {
	case lua.OP_CALL, lua.OP_TAILCALL:
		for _, c := range fn.Proto.DbgCalls {
			if c.Pc == pc-1 {
				if c.Name == "?" {
					return ""
				}
				return c.Name
			}
		}
		return ""
	case lua.OP_GETGLOBAL, lua.OP_GETTABLE, lua.OP_GETTABLEKS, lua.OP_SELF:
		return "__index"
	case lua.OP_SETGLOBAL, lua.OP_SETTABLE, lua.OP_SETTABLEKS:
		return "__newindex"
	default:
		if mm, ok := metaNames[op]; ok {
			return mm
		}
	}
	return ""
}

var metaNames = map[int]string{
	lua.OP_ADD: "__add", lua.OP_SUB: "__sub", lua.OP_MUL: "__mul", lua.OP_DIV: "__div",
	lua.OP_MOD: "__mod", lua.OP_POW: "__pow", lua.OP_UNM: "__unm", lua.OP_LEN: "__len",
	lua.OP_EQ: "__eq", lua.OP_LT: "__lt", lua.OP_LE: "__le", lua.OP_CONCAT: "__concat",
}

// frameFnPc reads the function and the program counter of dbg's frame.
func frameFnPc(dbg *lua.Debug) (*lua.LFunction, int) {
	e := reflect.ValueOf(dbg).Elem().FieldByName("frame")
	if e.IsNil() {
		return nil, 0
	}
	e = e.Elem()
	f := e.FieldByName("Fn")
	fn, _ := reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Interface().(*lua.LFunction)
	return fn, int(e.FieldByName("Pc").Int())
}

// parentPtr is the identity of the frame that called dbg's (0: none).
func parentPtr(dbg *lua.Debug) uintptr {
	e := reflect.ValueOf(dbg).Elem().FieldByName("frame")
	if e.IsNil() {
		return 0
	}
	return e.Elem().FieldByName("Parent").Pointer()
}

// framePtr is the identity of the call frame dbg describes (gopher-lua
// keeps it unexported).
func framePtr(dbg *lua.Debug) uintptr {
	return reflect.ValueOf(dbg).Elem().FieldByName("frame").Pointer()
}
