package luaapi

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/goresty/goresty/internal/errlog"
	"github.com/goresty/goresty/internal/luavm"
	"github.com/goresty/goresty/luaapi/stdlib"
	"github.com/goresty/goresty/phases"
	lua "github.com/yuin/gopher-lua"
)

func init() { register(openControl) }

var constants = map[string]int{
	"OK": 0, "ERROR": -1, "AGAIN": -2, "DONE": -4, "DECLINED": -5,
	"HTTP_CONTINUE": 100, "HTTP_SWITCHING_PROTOCOLS": 101,
	"HTTP_OK": 200, "HTTP_CREATED": 201, "HTTP_ACCEPTED": 202, "HTTP_NO_CONTENT": 204, "HTTP_PARTIAL_CONTENT": 206,
	"HTTP_SPECIAL_RESPONSE": 300, "HTTP_MOVED_PERMANENTLY": 301, "HTTP_MOVED_TEMPORARILY": 302, "HTTP_SEE_OTHER": 303,
	"HTTP_NOT_MODIFIED": 304, "HTTP_TEMPORARY_REDIRECT": 307, "HTTP_PERMANENT_REDIRECT": 308,
	"HTTP_BAD_REQUEST": 400, "HTTP_UNAUTHORIZED": 401, "HTTP_PAYMENT_REQUIRED": 402, "HTTP_FORBIDDEN": 403,
	"HTTP_NOT_FOUND": 404, "HTTP_NOT_ALLOWED": 405, "HTTP_NOT_ACCEPTABLE": 406, "HTTP_REQUEST_TIMEOUT": 408,
	"HTTP_CONFLICT": 409, "HTTP_GONE": 410, "HTTP_UPGRADE_REQUIRED": 426, "HTTP_TOO_MANY_REQUESTS": 429,
	"HTTP_CLOSE": 444, "HTTP_ILLEGAL": 451, "HTTP_INTERNAL_SERVER_ERROR": 500, "HTTP_METHOD_NOT_IMPLEMENTED": 501,
	"HTTP_BAD_GATEWAY": 502, "HTTP_SERVICE_UNAVAILABLE": 503, "HTTP_GATEWAY_TIMEOUT": 504,
	"HTTP_VERSION_NOT_SUPPORTED": 505, "HTTP_INSUFFICIENT_STORAGE": 507,
	"HTTP_GET": 2, "HTTP_HEAD": 4, "HTTP_POST": 8, "HTTP_PUT": 16, "HTTP_DELETE": 32, "HTTP_MKCOL": 64,
	"HTTP_COPY": 128, "HTTP_MOVE": 256, "HTTP_OPTIONS": 512, "HTTP_PROPFIND": 1024, "HTTP_PROPPATCH": 2048,
	"HTTP_LOCK": 4096, "HTTP_UNLOCK": 8192, "HTTP_PATCH": 16384, "HTTP_TRACE": 32768,
	"STDERR": 0, "EMERG": 1, "ALERT": 2, "CRIT": 3, "ERR": 4, "WARN": 5, "NOTICE": 6, "INFO": 7, "DEBUG": 8,
}

func openControl(a *api) {
	for k, v := range constants {
		a.ngx.RawSetString(k, lua.LNumber(v))
	}
	a.fn(a.ngx, "exit", pAll, a.controlExit)
	a.fn(a.ngx, "exec", pRewrite, a.controlExec)
	a.fn(a.ngx, "redirect", pRewrite, a.controlRedirect)
	a.yfn(a.ngx, "sleep", pYield, a.controlSleep)
	a.fn(a.ngx, "log", pAll, a.controlLog)
	a.fn(a.ngx, "get_phase", pAll, func(L *lua.LState) int {
		L.Push(lua.LString(a.phase().String()))
		return 1
	})
	L := a.L
	L.SetGlobal("print", L.NewFunction(a.controlPrint))
	mt := L.NewTable()
	mt.RawSetString("__index", L.NewFunction(a.ngxIndex))
	mt.RawSetString("__newindex", L.NewFunction(a.ngxNewIndex))
	a.ngx.Metatable = mt
}

// ngxIndex serves the dynamic fields of ngx: status, ctx, headers_sent.
func (a *api) ngxIndex(L *lua.LState) int {
	switch L.CheckString(2) {
	case "status":
		r := a.req(L)
		L.Push(lua.LNumber(r.Status))
		return 1
	case "ctx":
		return a.ctxGet(L)
	case "is_subrequest":
		L.Push(lua.LBool(a.req(L).Subrequest))
		return 1
	case "headers_sent":
		r := a.req(L)
		L.Push(lua.LBool(r.HeaderSent && r.Phase != phases.HeaderFilter))
		return 1
	}
	L.Push(lua.LNil)
	return 1
}

func (a *api) ngxNewIndex(L *lua.LState) int {
	switch L.CheckString(2) {
	case "status":
		r := a.req(L)
		// header filters run before nginx writes the head: they may change it
		if r.HeaderSent && r.Phase != phases.HeaderFilter {
			a.log(errlog.Error, "attempt to set ngx.status after sending out response headers")
			return 0
		}
		v := L.Get(3)
		n, ok := v.(lua.LNumber)
		if !ok {
			if s, isStr := v.(lua.LString); isStr {
				fmt.Sscan(string(s), (*float64)(&n))
				ok = true
			}
		}
		if !ok {
			L.RaiseError("bad argument #3 to '?' (number expected, got %s)", v.Type().String())
		}
		r.Status = int(n)
		return 0
	case "ctx":
		return a.ctxSet(L)
	}
	a.ngx.RawSet(L.Get(2), L.Get(3))
	return 0
}

func (a *api) ctxGet(L *lua.LState) int {
	t := a.task()
	if t == nil || t.R == nil {
		L.RaiseError("no request found")
	}
	rs := luavm.State(t.R)
	if rs.Ctx == nil {
		rs.Ctx = L.NewTable()
	}
	L.Push(rs.Ctx)
	return 1
}

func (a *api) ctxSet(L *lua.LState) int {
	t := a.task()
	if t == nil || t.R == nil {
		L.RaiseError("no request found")
	}
	v, ok := L.Get(3).(*lua.LTable)
	if !ok {
		L.RaiseError("ctx should be a table while the given value is a %s", L.Get(3).Type().String())
	}
	luavm.State(t.R).Ctx = v
	return 0
}

func (a *api) controlExit(L *lua.LState) int {
	code := L.CheckInt(1)
	t := a.task()
	if t == nil {
		L.RaiseError("no request found")
	}
	if t.R == nil {
		if t.Phase == phases.Timer || t.Phase == phases.InitWorker {
			return luavm.Exit(L, a.w, code)
		}
		L.RaiseError("API disabled in the context of %s", t.Phase.Context())
	}
	r := t.R
	switch t.Phase {
	case phases.HeaderFilter, phases.BodyFilter, phases.Log, phases.Set:
		if t.Phase == phases.BodyFilter || t.Phase == phases.HeaderFilter {
			return luavm.Exit(L, a.w, code)
		}
		L.RaiseError("API disabled in the context of %s", t.Phase.Context())
	}
	switch {
	case r.HeaderSent:
	case code == 444, code == http.StatusNoContent:
		r.Status = code
	case code >= 200 && code < 300 && r.Status == 0:
		// as in OpenResty: a 2xx exit keeps a status set before it
		// (ngx.status = 201; ngx.exit(200) sends 201)
		r.Status = code
	}
	// as lua-nginx-module: 408, 444 and 499 close the connection and the
	// status already sent may be repeated, without a complaint
	if r.HeaderSent && code >= 300 && code != 408 && code != 444 && code != 499 && code != r.Status {
		a.log(errlog.Error, fmt.Sprintf("attempt to set status %d via ngx.exit after sending out the response status %d", code, r.Status))
	}
	return luavm.Exit(L, a.w, code)
}

func (a *api) controlExec(L *lua.LState) int {
	r := a.req(L)
	uri := L.CheckString(1)
	args := ""
	switch v := L.Get(2).(type) {
	case lua.LString:
		args = string(v)
	case *lua.LTable:
		args = encodeArgs(L, v)
	case *lua.LNilType:
	default:
		L.ArgError(2, "string or table expected")
	}
	if i := strings.IndexByte(uri, '?'); i >= 0 {
		if args == "" {
			args = uri[i+1:]
		}
		uri = uri[:i]
	}
	if r.HeaderSent {
		L.RaiseError("attempt to call ngx.exec after sending out response headers")
	}
	r.ExecURI, r.ExecArgs, r.ExecSet = uri, args, true
	if args == "" {
		r.Args = ""
	}
	return luavm.Exit(L, a.w, luavm.CodeDone)
}

func (a *api) controlRedirect(L *lua.LState) int {
	r := a.req(L)
	uri := L.CheckString(1)
	code := L.OptInt(2, http.StatusFound)
	switch code {
	case 301, 302, 303, 307, 308:
	default:
		L.RaiseError("only ngx.HTTP_MOVED_TEMPORARILY, ngx.HTTP_MOVED_PERMANENTLY, ngx.HTTP_PERMANENT_REDIRECT, ngx.HTTP_SEE_OTHER, and ngx.HTTP_TEMPORARY_REDIRECT are allowed")
	}
	if r.HeaderSent {
		L.RaiseError("attempt to call ngx.redirect after sending out the headers")
	}
	r.Header.Set("Location", uri)
	r.Status = code
	return luavm.Exit(L, a.w, code)
}

func (a *api) controlSleep(L *lua.LState) int {
	v := L.Get(1)
	f, ok := stdlib.ToNumber(v)
	if !ok {
		L.ArgError(1, "number expected, got "+v.Type().String())
	}
	n := lua.LNumber(f)
	if n < 0 {
		L.RaiseError("invalid sleep duration \"%s\"", stdlib.FormatNumber(float64(n)))
	}
	d := time.Duration(float64(n) * float64(time.Second))
	stop := a.w.RT.Stopped()
	return luavm.Await(L, a.w, 0, func() []lua.LValue {
		if d <= 0 {
			// ngx.sleep(0): let the other requests of this worker run
			return nil
		}
		tm := time.NewTimer(d)
		defer tm.Stop()
		select {
		case <-tm.C:
		case <-stop:
		}
		return nil
	})
}

func (a *api) logLine(L *lua.LState, start int) string {
	top := L.GetTop()
	var b []byte
	for i := start; i <= top; i++ {
		switch v := L.Get(i).(type) {
		case lua.LString:
			b = append(b, v...)
		case lua.LNumber:
			b = stdlib.AppendNumber(b, float64(v))
		case lua.LBool:
			if v {
				b = append(b, "true"...)
			} else {
				b = append(b, "false"...)
			}
		case *lua.LNilType:
			b = append(b, "nil"...)
		default:
			if ud, ok := v.(*lua.LUserData); ok && ud == a.null {
				b = append(b, "null"...)
				continue
			}
			if mt, ok := L.GetMetaField(v, "__tostring").(*lua.LFunction); ok {
				L.Push(mt)
				L.Push(v)
				L.Call(1, 1)
				b = append(b, lua.LVAsString(L.Get(-1))...)
				L.Pop(1)
				continue
			}
			// numbered from the first message argument, as OpenResty does
			// (ngx.log's level is not counted)
			if _, ok := v.(*lua.LTable); ok {
				L.ArgError(i-start+1, "expected table to have __tostring metamethod")
			}
			L.ArgError(i-start+1, "string, number, boolean, or nil expected, got "+v.Type().String())
		}
	}
	return string(b)
}

// where is the "chunk:line: func(): " prefix OpenResty puts before log
// messages; the function's name is there when the caller's code names it
// (a local, global, field or method call), as LuaJIT's debug info gives it.
func where(L *lua.LState) string {
	dbg, ok := L.GetStack(1)
	if !ok {
		return "[lua] "
	}
	if _, err := L.GetInfo("Sln", dbg, lua.LNil); err != nil || dbg.CurrentLine <= 0 {
		return "[lua] "
	}
	if name := logFuncName(L, dbg); name != "" {
		return fmt.Sprintf("[lua] %s:%d: %s(): ", shortSource(dbg.Source), dbg.CurrentLine, name)
	}
	return fmt.Sprintf("[lua] %s:%d: ", shortSource(dbg.Source), dbg.CurrentLine)
}

// logFuncName is the name of the Lua function at level 1 as LuaJIT names
// it from its call site (luavm.CallName), or "" for the main chunk and for
// functions called from Go (pcall, coroutines).
func logFuncName(L *lua.LState, dbg *lua.Debug) string {
	if dbg.What != "Lua" && dbg.What != "tail" {
		return ""
	}
	return luavm.CallName(dbg)
}

// shortSource is the source as lua-nginx-module prints it before a log
// message: what follows its last slash, even inside a chunk name
// ("content_by_lua(conf.d/a.conf:3)" gives "a.conf:3)").
func shortSource(s string) string {
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		return s[i+1:]
	}
	return s
}

func (a *api) controlLog(L *lua.LState) int {
	lv := L.CheckInt(1)
	if lv < 0 || lv > 8 {
		L.ArgError(1, fmt.Sprintf("bad log level: %d", lv))
	}
	level := errlog.Level(lv)
	if !a.w.RT.Log.Enabled(level) {
		return 0
	}
	msg := a.logLine(L, 2)
	a.log(level, where(L)+msg)
	return 0
}

func (a *api) controlPrint(L *lua.LState) int {
	if !a.w.RT.Log.Enabled(errlog.Notice) {
		return 0
	}
	msg := a.logLine(L, 1)
	a.log(errlog.Notice, where(L)+msg)
	return 0
}
