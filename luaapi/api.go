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

	ident   *lua.LFunction
	openErr error // a group that cannot open (a bad shared dict size...)

	hdrMT    *lua.LTable           // the metatable of ngx.req.get_headers() tables
	hdrNames map[string]lua.LValue // header names as get_headers gives them, made once

	// sayBuf is ngx.say's and ngx.print's buffer, reused: the response
	// copies what it is given. It is taken while in use, so a call that
	// comes back in (from a body filter) makes its own.
	sayBuf []byte
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
	words, noReq := noRequest[a.qualified(t, name)]
	if allowed == phases.AllPhases {
		if noReq {
			// the function checks the request phases itself; where there
			// is no request the words are still these (a C function's
			// "current context" comes without a position)
			g := f
			f = func(L *lua.LState) int {
				switch a.phase() {
				case phases.Init:
					L.RaiseError("%s", words.init)
				case phases.InitWorker, phases.Timer:
					if words.current {
						L.Error(lua.LString("API disabled in the current context"), 0)
					}
				}
				return g(L)
			}
		}
		t.RawSetString(name, a.L.NewFunction(f))
		return
	}
	t.RawSetString(name, a.L.NewFunction(func(L *lua.LState) int {
		if noReq {
			a.checkNoRequest(L, words)
		}
		a.check(L, allowed)
		return f(L)
	}))
}

// noRequestWords is how lua-nginx-module 0.10.23 refuses a request API
// where there is no request: init is the message in init_by_lua, current
// says whether init_worker_by_lua and timers get "API disabled in the
// current context" (lua-resty-core's FFI functions and some C ones)
// rather than the "API disabled in the context of ..." of the others.
type noRequestWords struct {
	init    string
	current bool
}

const (
	noReqObject   = "no request object found"
	noReqFound    = "no request found"
	reqObjMissing = "request object not found"
)

// noRequest lists the request APIs by table and name, as observed on
// nginx + lua-nginx-module 0.10.23 with lua-resty-core 0.1.25.
var noRequest = map[string]noRequestWords{
	"say": {noReqObject, false}, "print": {noReqObject, false}, "eof": {noReqObject, false},
	"send_headers": {noReqFound, false}, "exec": {noReqObject, false}, "redirect": {noReqObject, false},
	"req.read_body": {reqObjMissing, false}, "req.discard_body": {reqObjMissing, true},
	"req.get_body_data": {reqObjMissing, true}, "req.get_body_file": {reqObjMissing, true},
	"req.set_body_data": {reqObjMissing, true}, "req.get_post_args": {noReqObject, true},
	"req.init_body": {noReqFound, true}, "req.append_body": {noReqFound, true}, "req.finish_body": {noReqFound, true},
	"location.capture": {noReqObject, false}, "location.capture_multi": {noReqObject, false},
	"req.set_uri": {noReqFound, true}, "req.set_uri_args": {noReqObject, true}, "req.get_uri_args": {noReqFound, true},
	"req.set_header": {noReqFound, true}, "req.clear_header": {noReqFound, true}, "req.get_headers": {noReqFound, true},
	"req.set_method": {noReqFound, true}, "req.get_method": {noReqFound, true},
	"req.http_version": {noReqObject, true}, "req.raw_header": {noReqObject, true},
	"req.is_internal": {noReqFound, true}, "resp.get_headers": {noReqObject, true},
}

// qualified names t[name] for the noRequest table: "req.get_headers".
func (a *api) qualified(t *lua.LTable, name string) string {
	for _, sub := range []string{"req", "resp", "location"} {
		if st, ok := a.ngx.RawGetString(sub).(*lua.LTable); ok && st == t {
			return sub + "." + name
		}
	}
	return name
}

// checkNoRequest raises lua-nginx-module's error for a request API run
// where there is no request (init_by_lua, init_worker_by_lua, timers).
func (a *api) checkNoRequest(L *lua.LState, w noRequestWords) {
	switch a.phase() {
	case phases.Init:
		L.RaiseError("%s", w.init)
	case phases.InitWorker, phases.Timer:
		if w.current {
			L.RaiseError("API disabled in the current context")
		}
	}
}

// yfn is fn for functions that may yield (they call luavm.Await). A call
// in tail position (`return ngx.sleep(1)`) runs as a plain call, so that
// the yield comes back (internal/luavm/tailcall.go).
func (a *api) yfn(t *lua.LTable, name string, allowed phases.Mask, f lua.LGFunction) {
	words, noReq := noRequest[a.qualified(t, name)]
	g := a.L.NewFunction(func(L *lua.LState) int {
		if noReq {
			a.checkNoRequest(L, words)
		}
		a.check(L, allowed)
		return f(L)
	})
	t.RawSetString(name, g)
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
	t := a.w.Current()
	if t != nil && t.R != nil {
		return t.R
	}
	if t != nil && (t.Phase == phases.InitWorker || t.Phase == phases.Timer) {
		// lua-resty-core's words: these contexts have a fake request
		L.RaiseError("API disabled in the current context")
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
	} else if t != nil && t.Phase == phases.InitWorker {
		// nginx runs init_worker_by_lua on a fake connection and says so
		ctx = &errlog.Context{Extra: "context: init_worker_by_lua*"}
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
