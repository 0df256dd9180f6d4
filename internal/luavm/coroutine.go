package luavm

import (
	"strings"

	"github.com/goresty/goresty/luaapi/stdlib"
	lua "github.com/yuin/gopher-lua"
)

// coLua is the yield-safe layer over gopher-lua's coroutines, compiled once
// per VM. A "system" yield (an I/O wait recorded by Await, or ngx.exit)
// carries the VM's sentinel as its first value; it travels through user
// coroutines and pcall up to the scheduler, and the results come back down.
// Any other yield is a user yield and goes to the user's resumer.
const coLua = `
local raw_new, raw_resume, raw_yield, raw_status, raw_running, release, killed, set_entry_panic, set_xpanic, set_panic, is_lua, SYS, ident, nres, cut, getmetatable_, set_copanic = ...
local error, select, type, rawget, getmetatable_ = error, select, type, rawget, getmetatable_

-- after a user resume: forward system yields up, hand user yields back
local function fwd(co, ok, ...)
	if not ok then
		if killed() then error((...), 0) end
		return false, ...
	end
	if raw_status(co) == "dead" then return true, ... end
	if (...) == SYS then
		return fwd(co, raw_resume(co, raw_yield(...)))
	end
	return true, ...
end

-- inside pcall: forward every yield up (pcall is transparent to yields)
local function pfwd(co, ok, ...)
	if not ok then
		if killed() then error((...), 0) end
		return false, ...
	end
	if raw_status(co) == "dead" then
		release(co)
		return true, cut(...)
	end
	return pfwd(co, raw_resume(co, raw_yield(...)))
end

-- the function runs under a Lua frame (gopher-lua cannot start a coroutine
-- on a Go function) that also counts its results: pcall(f) of a function
-- returning nothing gives just true, as in LuaJIT
local function tramp(f, ...)
	set_panic()
	return nres(f(...))
end

-- what LuaJIT says when pcall or xpcall is given a value it cannot call
local function not_callable(f)
	if type(f) == "function" then return nil end
	local mt = getmetatable_(f)
	if type(mt) == "table" and rawget(mt, "__call") ~= nil then return nil end
	return "attempt to call a " .. type(f) .. " value"
end

local function pcall_(...)
	if select("#", ...) == 0 then
		error("bad argument #1 to 'pcall' (value expected)", 2)
	end
	local f = ...
	local msg = not_callable(f)
	if msg then return false, msg end
	local co = raw_new(tramp)
	return pfwd(co, raw_resume(co, ...))
end

local function xentry(h, f, ...)
	set_xpanic(h)
	return nres(f(...))
end

local function xpcall_(f, h, ...)
	if type(h) ~= "function" then
		local got = type(h)
		if h == nil and select("#", ...) == 0 then got = "no value" end
		error("bad argument #2 to 'xpcall' (function expected, got " .. got .. ")", 2)
	end
	local msg = not_callable(f)
	if msg then return false, h(msg) end
	local co = raw_new(xentry)
	return pfwd(co, raw_resume(co, h, f, ...))
end

local function entry(f, ...)
	set_entry_panic()
	return f(...)
end

local co = {}
-- a user coroutine runs a Lua function, as in OpenResty; set_panic makes
-- its errors read as LuaJIT's (the tail call leaves no frame)
local function new_co(f)
	return raw_new(function(...) set_copanic() return f(...) end, true)
end
co.create = function(f)
	if not is_lua(f) then
		error("bad argument #1 to 'create' (Lua function expected)", 2)
	end
	return new_co(f)
end
co.resume = function(c, ...) return fwd(c, raw_resume(c, ...)) end
co.yield = function(...) return ident(raw_yield(...)) end
co.status = raw_status
co.running = raw_running
co.isyieldable = function() return true end
local function wrapped(ok, ...)
	if not ok then error((...), 0) end
	return ...
end
co.wrap = function(f)
	if not is_lua(f) then
		error("bad argument #1 to 'wrap' (Lua function expected)", 2)
	end
	local c = new_co(f)
	return function(...) return wrapped(fwd(c, raw_resume(c, ...))) end
end
return pcall_, xpcall_, co, entry, tramp, xentry
`

// installCoroutines replaces pcall, xpcall and coroutine.* with the
// yield-safe versions and prepares the entry function.
func (w *Worker) installCoroutines() {
	L := w.L
	// before the layer is loaded: its "local error = error" takes this one
	L.SetGlobal("error", L.NewFunction(baseError))
	fn, err := loadNamed(L, coLua, "=[goresty]")
	if err != nil {
		panic("luavm: coroutine layer: " + err.Error())
	}
	pending := map[*lua.LState]*lua.LFunction{}
	rawNew := func(L *lua.LState) int {
		f := L.CheckFunction(1)
		user := L.OptBool(2, false)
		var co *lua.LState
		if user {
			co = w.NewThread()
		} else {
			co = w.thread()
		}
		pending[co] = f
		L.Push(co)
		return 1
	}
	rawResume := func(L *lua.LState) int {
		co, ok := L.Get(1).(*lua.LState)
		if !ok {
			L.ArgError(1, "coroutine expected")
		}
		f := pending[co]
		if f != nil {
			delete(pending, co)
		}
		top := L.GetTop()
		args := make([]lua.LValue, 0, top-1)
		for i := 2; i <= top; i++ {
			args = append(args, L.Get(i))
		}
		if co.Dead {
			L.Push(lua.LFalse)
			L.Push(lua.LString("cannot resume dead coroutine"))
			return 2
		}
		if co == L {
			L.Push(lua.LFalse)
			L.Push(lua.LString("cannot resume non-suspended coroutine"))
			return 2
		}
		st, err, vals := L.Resume(co, f, args...)
		if st == lua.ResumeError {
			L.Push(lua.LFalse)
			if ae, ok := err.(*lua.ApiError); ok {
				obj := ae.Object
				if s, ok := obj.(lua.LString); ok && strings.HasPrefix(string(s), "[goresty]:") {
					// raised by a Go function right under pcall: no position, as in LuaJIT
					if i := strings.Index(string(s), ": "); i >= 0 {
						obj = s[i+2:]
					}
				}
				L.Push(obj)
			} else {
				L.Push(lua.LString(err.Error()))
			}
			return 2
		}
		L.Push(lua.LTrue)
		if st == lua.ResumeOK && len(vals) == 1 && vals[0] == lua.LNil && co.GetTop() == 0 {
			// gopher-lua reports "no values" as one nil; keep the count honest
		}
		for _, v := range vals {
			L.Push(v)
		}
		return len(vals) + 1
	}
	rawYield := func(L *lua.LState) int {
		if inNestedCall(L, false) {
			// see nested.go: gopher-lua cannot yield out of a metamethod
			L.RaiseError("attempt to yield across C-call boundary")
		}
		return L.Yield(argsOf(L)...)
	}
	rawStatus := func(L *lua.LState) int {
		co, ok := L.Get(1).(*lua.LState)
		if !ok {
			L.ArgError(1, "coroutine expected")
		}
		L.Push(lua.LString(w.coStatus(L, co)))
		return 1
	}
	rawRunning := func(L *lua.LState) int {
		if t := w.cur; t != nil {
			t.exposed = true // Lua may keep the handle: never reuse the task's coroutines
		}
		L.Push(L)
		return 1
	}
	release := func(L *lua.LState) int {
		// a pcall's coroutine that finished normally
		if co, ok := L.Get(1).(*lua.LState); ok {
			if t := w.cur; t != nil && !t.exposed {
				w.release(co)
			}
		}
		return 0
	}
	killed := func(L *lua.LState) int {
		select {
		case <-*w.kill.Load():
			L.Push(lua.LTrue)
		default:
			// an ngx.exit unwinding out of a metamethod passes pcall too
			L.Push(lua.LBool(w.cur != nil && w.cur.unwinding))
		}
		return 1
	}
	setEntryPanic := func(L *lua.LState) int {
		L.Panic = w.panicFn
		return 0
	}
	setXPanic := func(L *lua.LState) int {
		h := L.Get(1)
		L.Panic = func(L *lua.LState) {
			stdlib.TranslateVMError(L)
			errv := L.Get(-1)
			res := errv
			if hf, ok := h.(*lua.LFunction); ok {
				L.Push(hf)
				L.Push(errv)
				if err := L.PCall(1, 1, nil); err == nil {
					res = L.Get(-1)
				}
			}
			panic(&lua.ApiError{Type: lua.ApiErrorRun, Object: res})
		}
		return 0
	}
	setPanic := func(L *lua.LState) int {
		// a pcall's coroutine: gopher-lua's resume installed its own
		// handler; this one also gives LuaJIT's messages
		L.Panic = luajitPanic
		return 0
	}
	isLua := func(L *lua.LState) int {
		f, ok := L.Get(1).(*lua.LFunction)
		L.Push(lua.LBool(ok && !f.IsG))
		return 1
	}
	L.Push(fn)
	for _, g := range []lua.LGFunction{rawNew, rawResume, rawYield, rawStatus, rawRunning, release, killed, setEntryPanic, setXPanic, setPanic, isLua} {
		L.Push(L.NewFunction(g))
	}
	L.Push(w.Sys)
	L.Push(L.NewFunction(func(L *lua.LState) int { return L.GetTop() }))
	L.Push(L.NewFunction(func(L *lua.LState) int { // nres(...) -> n, ...
		n := L.GetTop()
		L.Insert(lua.LNumber(n), 1)
		return n + 1
	}))
	L.Push(L.NewFunction(func(L *lua.LState) int { // cut(n, ...) -> exactly n values
		n := int(L.CheckNumber(1))
		for L.GetTop() < n+1 {
			L.Push(lua.LNil)
		}
		L.Remove(1)
		return n
	}))
	L.Push(L.NewFunction(func(L *lua.LState) int { // the metatable, even a protected one
		L.Push(L.GetMetatable(L.Get(1)))
		return 1
	}))
	L.Push(L.NewFunction(func(L *lua.LState) int { // set_copanic: a user coroutine's handler
		L.Panic = func(L *lua.LState) {
			stdlib.TranslateVMError(L)
			if t := w.cur; t != nil {
				t.coErr, t.coTrace = L.Get(-1), w.traceback(L)
			}
			plainPanic(L)
		}
		return 0
	}))
	L.Call(17, 6)
	w.tramp = L.Get(-2).(*lua.LFunction)
	w.xentry = L.Get(-1).(*lua.LFunction)
	co := L.Get(-4).(*lua.LTable)
	w.entry = L.Get(-3).(*lua.LFunction)
	L.SetGlobal("pcall", L.Get(-6))
	L.SetGlobal("xpcall", L.Get(-5))
	L.Pop(6)
	if dbg, ok := L.GetGlobal("debug").(*lua.LTable); ok {
		dbg.RawSetString("traceback", L.NewFunction(w.debugTraceback))
		dbg.RawSetString("getinfo", L.NewFunction(w.debugGetinfo))
	}
	cot := L.GetGlobal("coroutine").(*lua.LTable)
	co.ForEach(func(k, v lua.LValue) { cot.RawSet(k, v) })
}

// baseError is error(): gopher-lua's prefixes " " to the message when no
// Lua function is at the requested level (error called straight from
// pcall, say); LuaJIT adds no position then.
func baseError(L *lua.LState) int {
	obj := L.Get(1) // error() raises nil, as in Lua 5.1
	level := L.OptInt(2, 1)
	if s, ok := obj.(lua.LString); ok && level > 0 {
		if w := luaWhere(L, level); w != "" {
			obj = lua.LString(w + " " + string(s))
		}
	}
	L.Error(obj, 0)
	return 0
}

// luaWhere is "chunk:line:" of the Lua function at level (1 = the caller
// of the running Go function), skipping Go functions as gopher-lua does.
func luaWhere(L *lua.LState, level int) string {
	var prev uintptr
	if dbg, ok := L.GetStack(level - 1); ok {
		prev = framePtr(dbg)
	}
	for l := level; l < level+64; l++ {
		dbg, ok := L.GetStack(l)
		if !ok || framePtr(dbg) == prev {
			return "" // past the bottom (gopher-lua hands it again after a tail call)
		}
		prev = framePtr(dbg)
		if _, err := L.GetInfo("Sl", dbg, lua.LNil); err != nil {
			return ""
		}
		if dbg.Source == "[goresty]" {
			return "" // the layer stands for a C function (pcall, the entry)
		}
		if dbg.What == "G" || dbg.CurrentLine < 0 {
			if l == level {
				// LuaJIT: the level names a C function: no position
				return ""
			}
			continue
		}
		return dbg.Source + ":" + itoa(dbg.CurrentLine) + ":"
	}
	return ""
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

func argsOf(L *lua.LState) []lua.LValue {
	top := L.GetTop()
	out := make([]lua.LValue, top)
	for i := 1; i <= top; i++ {
		out[i-1] = L.Get(i)
	}
	return out
}

func loadNamed(L *lua.LState, src, name string) (*lua.LFunction, error) {
	p, err := stdlib.Compile([]byte(src), name)
	if err != nil {
		return nil, err
	}
	return L.NewFunctionFromProto(p), nil
}
