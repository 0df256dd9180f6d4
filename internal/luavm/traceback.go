package luavm

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/goresty/goresty/luaapi/stdlib"
	lua "github.com/yuin/gopher-lua"
)

// debug.traceback as LuaJIT writes it. gopher-lua's own names frames its
// way ("in corountine", "[G]: ?", "(tailcall): ?") and shows goresty's
// yield-safe pcall layer; this one shows what a LuaJIT program sees: C
// functions as "[C]: in function 'name'", pcall and xpcall as C frames
// with their caller's frames below, a function that tail-called the
// traceback gone, and names taken from the call site.

// frame is what the traceback needs of a gopher-lua call frame beyond
// lua.Debug. gopher-lua does not export it: it is read by reflection (as
// stdlib's vmerror does), which a gopher-lua with another layout turns
// into ok == false.
type frame struct {
	pc       int // one past the instruction running
	parentFn *lua.LFunction
	parentPc int
}

func frameOf(dbg *lua.Debug) (fr frame, ok bool) {
	v := reflect.ValueOf(dbg).Elem().FieldByName("frame")
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return fr, false
	}
	cf := v.Elem()
	pc := cf.FieldByName("Pc")
	if pc.Kind() != reflect.Int {
		return fr, false
	}
	fr.pc = int(pc.Int())
	if p := cf.FieldByName("Parent"); p.Kind() == reflect.Pointer && !p.IsNil() {
		pf := p.Elem()
		fn, ppc := pf.FieldByName("Fn"), pf.FieldByName("Pc")
		if fn.Kind() == reflect.Pointer && fn.Type() == reflect.TypeFor[*lua.LFunction]() && !fn.IsNil() && ppc.Kind() == reflect.Int {
			fr.parentFn = (*lua.LFunction)(fn.UnsafePointer())
			fr.parentPc = int(ppc.Int())
		}
	}
	return fr, true
}

// frameID identifies the call frame of dbg (0 if unknown).
func frameID(dbg *lua.Debug) uintptr {
	v := reflect.ValueOf(dbg).Elem().FieldByName("frame")
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return 0
	}
	return v.Pointer()
}

// CallName is the name LuaJIT gives the function of dbg: the name its
// caller called it by (a local, global, field or method; kept through a
// tail call), or the metamethod an indexing ran, or "" when the caller
// is a Go function or gives no name.
func CallName(dbg *lua.Debug) string {
	fr, ok := frameOf(dbg)
	if !ok || fr.parentFn == nil || fr.parentFn.IsG || fr.parentFn.Proto == nil {
		return ""
	}
	p, pc := fr.parentFn.Proto, fr.parentPc-1
	if p.SourceName == "[goresty]" {
		return ""
	}
	for _, c := range p.DbgCalls {
		if c.Pc == pc {
			if c.Name == "?" {
				return ""
			}
			return c.Name
		}
	}
	if pc >= 0 && pc < len(p.Code) {
		switch int(p.Code[pc] >> 26) {
		case lua.OP_GETTABLE, lua.OP_GETTABLEKS, lua.OP_SELF:
			return "__index"
		case lua.OP_SETTABLE, lua.OP_SETTABLEKS:
			return "__newindex"
		}
	}
	return ""
}

// tailCalled reports whether the Lua frame dbg is running a tail call:
// LuaJIT has already replaced it by the callee.
func tailCalled(dbg *lua.Debug, f *lua.LFunction) bool {
	fr, ok := frameOf(dbg)
	if !ok || f == nil || f.IsG || f.Proto == nil || fr.pc < 1 || fr.pc > len(f.Proto.Code) {
		return false
	}
	return int(f.Proto.Code[fr.pc-1]>>26) == lua.OP_TAILCALL
}

// traceLines lists the traceback lines of co as LuaJIT would show them,
// the innermost frame first (level 0 is the running function).
func (w *Worker) traceLines(co *lua.LState) []string {
	var lines []string
	for co != nil {
		var bottom *lua.LFunction
		type info struct {
			dbg *lua.Debug
			fn  *lua.LFunction
		}
		var all []info
		var ids []uintptr
		last := map[uintptr]int{}
		for level := 0; ; level++ {
			dbg, ok := co.GetStack(level)
			if !ok {
				break
			}
			f, err := co.GetInfo("Slnf", dbg, lua.LNil)
			if err != nil {
				break
			}
			fn, _ := f.(*lua.LFunction)
			id := frameID(dbg)
			last[id] = len(all)
			all = append(all, info{dbg, fn})
			ids = append(ids, id)
		}
		// gopher-lua counts a tail call as levels of its own and answers
		// them with the bottom frame: each frame once, where it really is
		var fs []info
		for i, fi := range all {
			if ids[i] == 0 || last[ids[i]] == i {
				fs = append(fs, fi)
				bottom = fi.fn
			}
		}
		for i, fi := range fs {
			dbg, fn := fi.dbg, fi.fn
			if stdlib.IsConcat(fn) {
				continue // the .. operator: no frame in LuaJIT
			}
			var caller *info
			if i+1 < len(fs) {
				caller = &fs[i+1]
			}
			layer := caller != nil && caller.dbg.Source == "[goresty]"
			if dbg.Source == "[goresty]" {
				// goresty's Lua stand-ins for C functions (pcall, xpcall,
				// coroutine.yield, the yielding ngx.* wrappers) show as the C
				// function they replace where user code called them
				if caller != nil && !layer && caller.fn != nil && !caller.fn.IsG {
					lines = append(lines, cFrame(CallName(dbg)))
				}
				continue
			}
			if fn != nil && fn.IsG || dbg.What == "G" {
				if layer && caller.fn != w.tramp && caller.fn != w.xentry {
					continue // the layer's own Go functions
				}
				lines = append(lines, cFrame(CallName(dbg)))
				continue
			}
			if i > 0 && (fs[i-1].fn != nil && fs[i-1].fn.IsG) && tailCalled(dbg, fn) {
				// it tail-called the Go function above: gone in LuaJIT, which
				// names the Go function after this frame's call site
				if n := len(lines); n > 0 && strings.HasPrefix(lines[n-1], "[C]: ") {
					lines[n-1] = cFrame(CallName(dbg))
				}
				continue
			}
			src := shortSrc(dbg.Source)
			line := fmt.Sprintf("%s:%d: in ", src, dbg.CurrentLine)
			switch name := CallName(dbg); {
			case fn != nil && fn.Proto != nil && fn.Proto.LineDefined == 0:
				line += "main chunk"
			case name != "" && !layer:
				line += "function '" + name + "'"
			default:
				line += fmt.Sprintf("function <%s:%d>", src, dbg.LineDefined)
			}
			lines = append(lines, line)
		}
		// pcall and xpcall run their function in a coroutine of their own:
		// go on with the frames of the code that called them
		if bottom == nil || bottom != w.tramp && bottom != w.xentry {
			return lines
		}
		co = co.Parent
	}
	return lines
}

// cFrame is the traceback line of a C function called by the given name.
func cFrame(name string) string {
	if name == "" {
		return "[C]: ?"
	}
	return "[C]: in function '" + name + "'"
}

// shortSrc is a source name as LuaJIT prints it (LUA_IDSIZE): a file name
// longer than 59 bytes keeps its end after "...". (Chunk names of inline
// code are made short enough already.)
func shortSrc(s string) string {
	if len(s) > 59 {
		return "..." + s[len(s)-56:]
	}
	return s
}

// debugTraceback is debug.traceback([thread,] [message [, level]]).
func (w *Worker) debugTraceback(L *lua.LState) int {
	co, arg := L, 1
	if th, ok := L.Get(1).(*lua.LState); ok {
		co, arg = th, 2
	}
	msg := L.Get(arg)
	if L.GetTop() >= arg {
		switch msg.(type) {
		case lua.LString, lua.LNumber:
		default:
			if msg != lua.LNil || L.GetTop() >= arg {
				L.Push(msg) // not a message: returned as it is
				return 1
			}
		}
	}
	level := 1
	if co != L {
		level = 0
	}
	if L.GetTop() >= arg+1 {
		level = L.CheckInt(arg + 1)
	}
	var b strings.Builder
	if s, ok := msg.(lua.LString); ok {
		b.WriteString(string(s))
		b.WriteByte('\n')
	} else if n, ok := msg.(lua.LNumber); ok {
		b.WriteString(stdlib.FormatNumber(float64(n)))
		b.WriteByte('\n')
	}
	b.WriteString("stack traceback:")
	lines := w.traceLines(co)
	if level < 0 {
		level = 0
	}
	if level < len(lines) {
		for _, l := range lines[level:] {
			b.WriteString("\n\t")
			b.WriteString(l)
		}
	}
	L.Push(lua.LString(b.String()))
	return 1
}
