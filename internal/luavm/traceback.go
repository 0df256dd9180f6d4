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
// into the caller of each pcall coroutine.
func (w *Worker) traceLines(th *lua.LState, level int) []string {
	type frame struct {
		dbg *lua.Debug
		fn  *lua.LFunction
	}
	var lines []string
	for cur := th; cur != nil; {
		var frames []frame
		var last uintptr
		for lv := 0; ; lv++ {
			dbg, ok := cur.GetStack(lv)
			if !ok {
				break
			}
			// past a tail call gopher-lua hands the bottom frame again
			if p := framePtr(dbg); p == last {
				break
			} else {
				last = p
			}
			f, err := cur.GetInfo("Slnf", dbg, lua.LNil)
			if err != nil {
				break
			}
			fn, _ := f.(*lua.LFunction)
			frames = append(frames, frame{dbg, fn})
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
			name := dbg.Name
			if tailCalled {
				// it took the frame over, and the name it was called by
				name = caller.Name
				if i+2 < len(frames) && frames[i+2].dbg.Source == "[goresty]" {
					name = ""
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
				switch {
				case dbg.LineDefined <= 0:
					line += "main chunk"
				case name != "" && !layerCalled && caller != nil:
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
		lines = append(lines, seen...)
		// a pcall's coroutine goes on in its caller's
		if len(frames) == 0 || cur.Parent == nil {
			break
		}
		if bottom := frames[len(frames)-1].fn; bottom == nil || bottom != w.tramp && bottom != w.xentry {
			break
		}
		cur = cur.Parent
	}
	return lines
}

func cFrame(name string) string {
	if name == "" {
		return "[C]: ?"
	}
	return "[C]: in function '" + name + "'"
}

// inTailCall reports whether the Lua frame dbg is executing a tail call.
func inTailCall(dbg *lua.Debug) bool {
	e := reflect.ValueOf(dbg).Elem().FieldByName("frame")
	if e.IsNil() {
		return false
	}
	e = e.Elem()
	fn, _ := reflect.NewAt(e.FieldByName("Fn").Type(), unsafe.Pointer(e.FieldByName("Fn").UnsafeAddr())).Elem().Interface().(*lua.LFunction)
	pc := int(e.FieldByName("Pc").Int())
	if fn == nil || fn.IsG || fn.Proto == nil || pc <= 0 || pc > len(fn.Proto.Code) {
		return false
	}
	return int(fn.Proto.Code[pc-1]>>26) == lua.OP_TAILCALL
}

// framePtr is the identity of the call frame dbg describes (gopher-lua
// keeps it unexported).
func framePtr(dbg *lua.Debug) uintptr {
	return reflect.ValueOf(dbg).Elem().FieldByName("frame").Pointer()
}
