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
		if L.GetTop() >= arg {
			L.Push(lua.LNil) // a message given, not a string: returned as it is
			return 1
		}
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

// vframe is a frame as LuaJIT would have it.
type vframe struct {
	c        bool // a builtin: a Go function, or a function of goresty's layer standing for one
	dbg      *lua.Debug
	fn       *lua.LFunction
	name     string // as the caller called it ("" when unknown)
	namewhat string // "global", "local", "method", "field", "upvalue", "metamethod" or ""
	noLine   bool   // the top frame of an error the VM raised: nginx's log shows no line
}

// line is the frame's traceback line.
func (f *vframe) line() string {
	if f.c {
		return cFrame(f.name)
	}
	dbg := f.dbg
	line := dbg.Source + ":" + strconv.Itoa(dbg.CurrentLine) + ": in "
	if f.noLine {
		line = dbg.Source + ": in "
	}
	switch {
	case dbg.LineDefined <= 0:
		return line + "main chunk"
	case f.name != "":
		return line + "function '" + f.name + "'"
	}
	return line + "function <" + dbg.Source + ":" + strconv.Itoa(dbg.LineDefined) + ">"
}

// traceSections walks th's frames from level on, as text lines; see
// frameSections.
func (w *Worker) traceSections(th *lua.LState, level int, all bool) [][]string {
	var out [][]string
	for _, sec := range w.frameSections(th, level, all) {
		lines := make([]string, len(sec))
		for i := range sec {
			lines[i] = sec[i].line()
		}
		out = append(out, lines)
	}
	return out
}

// frameSections walks th's frames from level on as LuaJIT would have them.
// A pcall's coroutine goes on in its caller's section; with all set (the
// error log's traceback), the coroutine that resumed a user coroutine or
// a light thread gets a section of its own ("coroutine 1:"), and a frame
// that raised an error itself (not through a builtin) shows no line, as in
// nginx's log; without all the walk ends at a user coroutine, as LuaJIT's
// debug.traceback does.
func (w *Worker) frameSections(th *lua.LState, level int, all bool) [][]vframe {
	type frame struct {
		dbg *lua.Debug
		fn  *lua.LFunction
	}
	sections := [][]vframe{nil}
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
		var seen []vframe // the frames LuaJIT would have, top first
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
			tailCalled := callerFn != nil && !callerFn.IsG && TailCalled(caller)
			namedBy := caller
			if tailCalled {
				// it took the frame over, and the name it was called by
				namedBy = nil
				if i+2 < len(frames) && frames[i+2].dbg.Source != "[goresty]" {
					namedBy = frames[i+2].dbg
				}
			}
			v := vframe{dbg: dbg, fn: fn}
			if namedBy != nil && namedBy.Source != "[goresty]" {
				v.name, v.namewhat = calledAs(namedBy)
			}
			switch {
			case dbg.Source == "[goresty]":
				// the layer's functions stand for builtins (pcall, yield...)
				// when user code called them; the rest of the layer is hidden
				if caller == nil || layerCalled || caller.What == "G" {
					continue
				}
				v.c = true
			case isG:
				if layerCalled {
					continue // raw_resume and the layer's other helpers
				}
				v.c = true
			default:
				if i > 0 && TailCalled(dbg) && (frames[i-1].fn == nil || frames[i-1].fn.IsG) {
					continue // see tailCalled
				}
				if layerCalled || caller == nil {
					v.name, v.namewhat = "", ""
				}
				// the error was raised here, not in a builtin; only a
				// coroutine's log traceback loses the line (a pcall's keeps it)
				v.noLine = all && i == 0 && cur == th && (w.cur == nil || coroutinePhase(w.cur.Phase))
			}
			seen = append(seen, v)
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

// TailCalled reports whether the Lua frame dbg is executing a tail call.
// gopher-lua keeps the frame of a Lua function that tail-calls a Go
// function, where LuaJIT's is gone: what LuaJIT finds one level up from
// that Go function (ngx.log's "file:line:" prefix) is the frame below.
func TailCalled(dbg *lua.Debug) bool {
	fn, pc := frameFnPc(dbg)
	if fn == nil || fn.IsG || fn.Proto == nil || pc <= 0 || pc > len(fn.Proto.Code) {
		return false
	}
	return int(fn.Proto.Code[pc-1]>>26) == lua.OP_TAILCALL
}

// calledAs is how the frame caller called its callee, read off the
// instruction it is executing as LuaJIT reads it: the name of a variable
// or field for a call ("global", "local", "method", "field", "upvalue"),
// the event for a metamethod ("__index", "metamethod"); "" when unknown.
func calledAs(caller *lua.Debug) (name, namewhat string) {
	fn, pc := frameFnPc(caller)
	if fn == nil || fn.IsG || fn.Proto == nil || pc <= 0 || pc > len(fn.Proto.Code) {
		return "", ""
	}
	switch op := int(fn.Proto.Code[pc-1] >> 26); op {
	case lua.OP_CALL, lua.OP_TAILCALL:
		what, n := stdlib.CalleeName(fn.Proto, pc-1)
		if n != "" {
			return n, what
		}
		for _, c := range fn.Proto.DbgCalls {
			if c.Pc == pc-1 && c.Name != "?" {
				return c.Name, ""
			}
		}
		return "", ""
	case lua.OP_GETGLOBAL, lua.OP_GETTABLE, lua.OP_GETTABLEKS, lua.OP_SELF:
		return "__index", "metamethod"
	case lua.OP_SETGLOBAL, lua.OP_SETTABLE, lua.OP_SETTABLEKS:
		return "__newindex", "metamethod"
	default:
		if mm, ok := metaNames[op]; ok {
			return mm, "metamethod"
		}
	}
	return "", ""
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

// CallerFrame returns the frame that called the function of dbg, which is
// at the given level of L's stack; false when it is the bottom frame (a
// level gopher-lua counts after a tail call, handing back the bottom frame
// again, is skipped).
func CallerFrame(L *lua.LState, dbg *lua.Debug, level int) (*lua.Debug, bool) {
	want := parentPtr(dbg)
	if want == 0 {
		return nil, false
	}
	for lv := level + 1; lv <= level+4; lv++ {
		d, ok := L.GetStack(lv)
		if !ok {
			return nil, false
		}
		if framePtr(d) == want {
			return d, true
		}
	}
	return nil, false
}

// framePtr is the identity of the call frame dbg describes (gopher-lua
// keeps it unexported).
func framePtr(dbg *lua.Debug) uintptr {
	return reflect.ValueOf(dbg).Elem().FieldByName("frame").Pointer()
}

// debugGetinfo is debug.getinfo([thread,] f | level [, what]) with LuaJIT's
// fields: levels counted as in LuaJIT (goresty's pcall coroutines and
// layer are not frames), "source" as compiled ("@file", "=name"),
// "short_src", "what" of "Lua", "C" or "main", "namewhat".
func (w *Worker) debugGetinfo(L *lua.LState) int {
	th, arg := L, 1
	if co, ok := L.Get(1).(*lua.LState); ok {
		th, arg = co, 2
	}
	what := "flnSu"
	if v := L.Get(arg + 1); v != lua.LNil {
		s, ok := v.(lua.LString)
		if !ok {
			L.ArgError(arg+1, "string expected, got "+v.Type().String())
		}
		what = string(s)
	}
	for _, c := range what {
		if !strings.ContainsRune("SlnufL", c) {
			L.ArgError(arg+1, "invalid option")
		}
	}
	var f vframe
	switch v := L.Get(arg).(type) {
	case *lua.LFunction:
		dbg := &lua.Debug{}
		if _, err := L.GetInfo(">S", dbg, v); err != nil {
			L.Push(lua.LNil)
			return 1
		}
		f = vframe{c: v.IsG, fn: v, dbg: dbg}
		dbg.CurrentLine = -1
	case lua.LNumber:
		level := int(v)
		if th != L {
			level++ // a coroutine's level 0 is its top
		}
		var frames []vframe
		if secs := w.frameSections(th, 0, false); len(secs) > 0 {
			frames = secs[0]
		}
		if th != L {
			frames = append([]vframe{{}}, frames...)
		}
		if level < 0 || level >= len(frames) || frames[level].dbg == nil {
			L.Push(lua.LNil)
			return 1
		}
		f = frames[level]
		if f.fn != nil && !f.fn.IsG && f.dbg.Source == "[goresty]" {
			f.c = true
		}
	default:
		L.ArgError(arg, "function or level expected")
	}
	t := L.CreateTable(0, 12)
	for _, c := range what {
		switch c {
		case 'S':
			if f.c {
				t.RawSetString("source", lua.LString("=[C]"))
				t.RawSetString("short_src", lua.LString("[C]"))
				t.RawSetString("what", lua.LString("C"))
				t.RawSetString("linedefined", lua.LNumber(-1))
				t.RawSetString("lastlinedefined", lua.LNumber(-1))
				continue
			}
			whatS := "Lua"
			if f.dbg.LineDefined <= 0 {
				whatS = "main"
			}
			t.RawSetString("source", lua.LString(stdlib.ChunkSource(f.dbg.Source)))
			t.RawSetString("short_src", lua.LString(f.dbg.Source))
			t.RawSetString("what", lua.LString(whatS))
			t.RawSetString("linedefined", lua.LNumber(f.dbg.LineDefined))
			t.RawSetString("lastlinedefined", lua.LNumber(f.dbg.LastLineDefined))
		case 'l':
			line := -1
			if !f.c && f.dbg.CurrentLine > 0 {
				line = f.dbg.CurrentLine
			}
			t.RawSetString("currentline", lua.LNumber(line))
		case 'u':
			n := 0
			if f.fn != nil {
				n = len(f.fn.Upvalues)
				if !f.fn.IsG && f.fn.Proto != nil {
					n = int(f.fn.Proto.NumUpvalues)
				}
			}
			t.RawSetString("nups", lua.LNumber(n))
			nparams, vararg := 0, true
			if f.fn != nil && !f.fn.IsG && !f.c && f.fn.Proto != nil {
				nparams, vararg = int(f.fn.Proto.NumParameters), f.fn.Proto.IsVarArg != 0
			}
			t.RawSetString("nparams", lua.LNumber(nparams))
			t.RawSetString("isvararg", lua.LBool(vararg))
		case 'n':
			if f.name != "" {
				t.RawSetString("name", lua.LString(f.name))
			}
			t.RawSetString("namewhat", lua.LString(f.namewhat))
		case 'f':
			if f.fn != nil {
				t.RawSetString("func", f.fn)
			}
		case 'L':
			if f.fn != nil && !f.fn.IsG && !f.c {
				lines := L.CreateTable(0, len(f.fn.Proto.DbgSourcePositions))
				for _, l := range f.fn.Proto.DbgSourcePositions {
					lines.RawSetInt(l, lua.LTrue)
				}
				t.RawSetString("activelines", lines)
			}
		}
	}
	L.Push(t)
	return 1
}

// CallName is the name LuaJIT gives the function running in dbg's frame
// (ngx.log's "name(): " prefix): the name its caller called it by, or the
// metamethod's event, or "" when its caller is Go or goresty's layer or
// gives no name.
func CallName(dbg *lua.Debug) string {
	e := reflect.ValueOf(dbg).Elem().FieldByName("frame")
	if e.Kind() != reflect.Pointer || e.IsNil() {
		return ""
	}
	p := e.Elem().FieldByName("Parent")
	if p.Kind() != reflect.Pointer || p.IsNil() {
		return ""
	}
	pf := p.Elem()
	f := pf.FieldByName("Fn")
	fn, _ := reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Interface().(*lua.LFunction)
	pc := int(pf.FieldByName("Pc").Int())
	if fn == nil || fn.IsG || fn.Proto == nil || fn.Proto.SourceName == "[goresty]" || pc <= 0 || pc > len(fn.Proto.Code) {
		return ""
	}
	op := int(fn.Proto.Code[pc-1] >> 26)
	if op == lua.OP_CALL || op == lua.OP_TAILCALL {
		for _, c := range fn.Proto.DbgCalls {
			if c.Pc == pc-1 && c.Name != "?" {
				return c.Name
			}
		}
		return ""
	}
	switch op {
	case lua.OP_GETTABLE, lua.OP_GETTABLEKS, lua.OP_SELF:
		return "__index"
	case lua.OP_SETTABLE, lua.OP_SETTABLEKS:
		return "__newindex"
	}
	return ""
}
