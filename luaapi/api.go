package luaapi

import (
	"github.com/goresty/goresty/internal/errlog"
	"github.com/goresty/goresty/internal/luavm"
	"github.com/goresty/goresty/luaapi/cjson"
	"github.com/goresty/goresty/luaapi/resty"
	"github.com/goresty/goresty/luaapi/stdlib"
	"github.com/goresty/goresty/phases"
	lua "github.com/yuin/gopher-lua"
	"strings"
)

// api is the per-worker state of the ngx API.
type api struct {
	w    *luavm.Worker
	L    *lua.LState
	ngx  *lua.LTable
	null *lua.LUserData

	yieldTmpl *lua.FunctionProto
	ident     *lua.LFunction
	openErr   error // a group that cannot open (a bad shared dict size...)

	hdrMT    *lua.LTable           // the metatable of ngx.req.get_headers() tables
	hdrNames map[string]lua.LValue // header names as get_headers gives them, made once
}

// groups are the API groups; each file adds its opener from init.
var groups []func(a *api)

func register(open func(a *api)) { groups = append(groups, open) }

// Open installs the ngx API and the built-in modules into w's VM. It is
// the luavm.Opener goresty passes to the runtime.
func Open(w *luavm.Worker) error {
	L := w.L
	stdlib.Open(L)
	stdlib.Preload(L)
	a := &api{w: w, L: L, ngx: L.NewTable(), null: L.NewUserData()}
	a.null.Value = stdlib.NullPointer{}
	w.Data["ngx.null"] = a.null
	a.ngx.RawSetString("null", a.null)
	L.SetGlobal("ngx", a.ngx)
	cjson.Preload(L, a.null)
	resty.Preload(L)
	for _, g := range groups {
		g(a)
		if a.openErr != nil {
			return a.openErr
		}
	}
	return nil
}

// Null returns the ngx.null value of w's VM.
func Null(w *luavm.Worker) lua.LValue { return w.Data["ngx.null"].(*lua.LUserData) }

// sub returns (making it) the table ngx.<name>.
func (a *api) sub(name string) *lua.LTable {
	if t, ok := a.ngx.RawGetString(name).(*lua.LTable); ok {
		return t
	}
	t := a.L.NewTable()
	a.ngx.RawSetString(name, t)
	return t
}

// fn sets t[name] to f, callable only in the allowed phases.
func (a *api) fn(t *lua.LTable, name string, allowed phases.Mask, f lua.LGFunction) {
	if allowed == phases.AllPhases {
		t.RawSetString(name, a.L.NewFunction(f))
		return
	}
	t.RawSetString(name, a.L.NewFunction(func(L *lua.LState) int {
		a.check(L, allowed)
		return f(L)
	}))
}

// yieldWrap calls a yielding Go function in non-tail position: gopher-lua
// loses track of a coroutine when a Go function yields as a tail call
// ("return ngx.sleep(1)") or as the coroutine's first function.
const yieldWrap = `local f, ident = ...
return function(...) return ident(f(...)) end`

// yfn is fn for functions that may yield (they call luavm.Await).
func (a *api) yfn(t *lua.LTable, name string, allowed phases.Mask, f lua.LGFunction) {
	g := a.L.NewFunction(func(L *lua.LState) int {
		defer fixWrapperPosition(L)
		a.check(L, allowed)
		return f(L)
	})
	t.RawSetString(name, a.wrapYield(g))
}

// wrapYield returns the Lua wrapper of a yielding Go function.
func (a *api) wrapYield(g *lua.LFunction) *lua.LFunction {
	L := a.L
	if a.yieldTmpl == nil {
		p, err := stdlib.Compile([]byte(yieldWrap), "=[goresty]")
		if err != nil {
			panic(err)
		}
		a.yieldTmpl = p
		a.ident = L.NewFunction(func(L *lua.LState) int { return L.GetTop() })
	}
	L.Push(L.NewFunctionFromProto(a.yieldTmpl))
	L.Push(g)
	L.Push(a.ident)
	L.Call(2, 1)
	fn := L.Get(-1).(*lua.LFunction)
	L.Pop(1)
	return fn
}

// fixWrapperPosition makes an error raised by a yielding Go function point
// at the Lua code that called it, not at the wrapper between them.
func fixWrapperPosition(L *lua.LState) {
	rec := recover()
	if rec == nil {
		return
	}
	if ae, ok := rec.(*lua.ApiError); ok {
		if s, ok := ae.Object.(lua.LString); ok && strings.HasPrefix(string(s), "[goresty]:") {
			msg := string(s)
			if i := strings.Index(msg, ": "); i >= 0 {
				msg = msg[i+2:]
			}
			ae.Object = lua.LString(L.Where(2) + " " + msg)
		}
	}
	panic(rec)
}

// phase is the phase of the running task.
func (a *api) phase() phases.Phase {
	if t := a.w.Current(); t != nil {
		return t.Phase
	}
	return phases.Init
}

// check raises OpenResty's error when the running phase is not allowed.
func (a *api) check(L *lua.LState, allowed phases.Mask) {
	if ph := a.phase(); !allowed.Has(ph) {
		L.RaiseError("API disabled in the context of %s", ph.Context())
	}
}

// checkReq is check for the APIs that first look for a request, as their
// C functions in lua-nginx-module do: init_by_lua has none, so they raise
// noReq ("no request found", or "no request" for the timer APIs) there.
func (a *api) checkReq(L *lua.LState, allowed phases.Mask, noReq string) {
	if a.phase() == phases.Init {
		L.RaiseError("%s", noReq)
	}
	a.check(L, allowed)
}

// req returns the running request or raises "no request found".
func (a *api) req(L *lua.LState) *phases.Request {
	if t := a.w.Current(); t != nil && t.R != nil {
		return t.R
	}
	L.RaiseError("no request found")
	return nil
}

// task returns the running task.
func (a *api) task() *luavm.Task { return a.w.Current() }

// log writes an error-log line in the running request's context.
func (a *api) log(lv errlog.Level, msg string) {
	var ctx *errlog.Context
	if t := a.w.Current(); t != nil && t.R != nil {
		ctx = errlog.ForRequest(t.R)
		if t.Phase == phases.Log {
			ctx.Action = "logging request"
		}
	} else if t != nil && t.Phase == phases.Timer {
		ctx = t.TimerLogContext()
	}
	a.w.RT.Log.Log(lv, ctx, msg)
}

// Phase masks used by the API tables.
const (
	pReq                 = phases.ReqPhases
	pAll                 = phases.AllPhases
	pYield               = phases.YieldPhases
	pOutput  phases.Mask = 1<<phases.Rewrite | 1<<phases.Access | 1<<phases.Content | 1<<phases.ServerRewrite
	pRewrite phases.Mask = 1<<phases.Rewrite | 1<<phases.Access | 1<<phases.Content | 1<<phases.ServerRewrite
	pBody    phases.Mask = 1<<phases.Rewrite | 1<<phases.Access | 1<<phases.Content | 1<<phases.ServerRewrite
)
