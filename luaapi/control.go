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
	a.yfn(a.ngx, "sleep", pAll, a.controlSleep) // checks its phase itself
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
		r := a.respReq(L)
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
		r := a.respReq(L)
		// OpenResty passes tonumber(value) to a C function taking an int:
		// what tonumber refuses fails in that call
		n, ok := stdlib.ToNumber(L.Get(3))
		if !ok {
			L.RaiseError("bad argument #2 to 'ngx_http_lua_ffi_set_resp_status' (cannot convert 'nil' to 'int')")
		}
		// header filters run before nginx writes the head: they may change it
		if r.HeaderSent && r.Phase != phases.HeaderFilter {
			a.log(errlog.Error, "attempt to set ngx.status after sending out response headers")
			return 0
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
	if t == nil {
		L.RaiseError("no request found")
	}
	if t.R == nil {
		if t.Ctx == nil {
			t.Ctx = L.NewTable()
		}
		L.Push(t.Ctx)
		return 1
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
	if t == nil {
		L.RaiseError("no request found")
	}
	v, ok := L.Get(3).(*lua.LTable)
	if !ok {
		L.RaiseError("ctx should be a table while the given value is a %s", L.Get(3).Type().String())
	}
	if t.R == nil {
		t.Ctx = v
		return 0
	}
	luavm.State(t.R).Ctx = v
	return 0
}

func (a *api) controlExit(L *lua.LState) int {
	// OpenResty hands the value to a C function taking an int, through
	// the FFI: a boolean is 1 or 0, anything but a number an error
	var code int
	switch v := L.Get(1).(type) {
	case lua.LNumber:
		code = int(v)
	case lua.LBool:
		if v {
			code = 1
		}
	default:
		L.RaiseError("bad argument #2 to 'ngx_lua_ffi_exit' (cannot convert '%s' to 'int')", v.Type().String())
	}
	if code == luavm.CodeAgain || code == luavm.CodeDone {
		L.RaiseError("bad argument to 'ngx.exit': does not accept NGX_AGAIN or NGX_DONE")
	}
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
	case phases.HeaderFilter:
		return luavm.Exit(L, a.w, code)
	case phases.BodyFilter, phases.Log, phases.Set:
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
	if n := L.GetTop(); n != 1 && n != 2 {
		utilRaise(L, fmt.Sprintf("expecting one or two arguments, but got %d", n))
	}
	uri := L.CheckString(1)
	if uri == "" {
		utilRaise(L, "The uri argument is empty")
	}
	args := ""
	switch v := L.Get(2).(type) {
	case lua.LString:
		args = string(v)
	case lua.LNumber:
		args = stdlib.FormatNumber(float64(v))
	case *lua.LTable:
		args = encodeArgs(L, v)
	case *lua.LNilType:
	default:
		utilArgError(L, 2, "string, number, or table expected, but got "+v.Type().String())
	}
	if uri[0] == '@' {
		if args != "" {
			a.log(errlog.Warn, fmt.Sprintf("query strings %s ignored when exec'ing named location %s", args, uri))
		}
	} else {
		// as nginx: the path is unescaped once (an escaped '?' stays in
		// it), then refused when it holds a NUL or a ".." segment; args
		// in the uri come first
		var uriArgs string
		var mark bool
		uri, uriArgs, mark = strings.Cut(uri, "?")
		// a bare "?" leaves $args set and empty, as in nginx
		r.ArgsEmpty = mark && uriArgs == "" && args == ""
		uri = unescapePath(uri)
		if unsafePath(uri) {
			a.log(errlog.Error, fmt.Sprintf("unsafe URI \"%s\" was detected", uri))
			utilRaise(L, "unsafe uri")
		}
		switch {
		case uriArgs != "" && args != "":
			args = uriArgs + "&" + args
		case uriArgs != "":
			args = uriArgs
		}
	}
	if r.HeaderSent {
		L.RaiseError("attempt to call ngx.exec after sending out response headers")
	}
	if ct, ok := r.Header["Content-Type"]; ok && len(ct) == 0 {
		// "no Content-Type" was this handler's: the target sets its own
		delete(r.Header, "Content-Type")
	}
	r.ExecURI, r.ExecArgs, r.ExecSet = uri, args, true
	if args == "" && uri[0] != '@' {
		r.Args = "" // a named location keeps the request's args
	}
	return luavm.Exit(L, a.w, luavm.CodeDone)
}

func (a *api) controlRedirect(L *lua.LState) int {
	r := a.req(L)
	if n := L.GetTop(); n != 1 && n != 2 {
		utilRaise(L, "expecting one or two arguments")
	}
	var uri string
	switch v := L.Get(1).(type) {
	case lua.LString:
		uri = string(v)
	case lua.LNumber:
		uri = stdlib.FormatNumber(float64(v))
	default:
		utilArgError(L, 1, "string expected, got "+v.Type().String())
	}
	code := http.StatusFound
	if L.GetTop() == 2 {
		// luaL_checkinteger: a number or a numeric string, truncated
		v := L.Get(2)
		f, ok := stdlib.ToNumber(v)
		if _, isTable := v.(*lua.LTable); !ok || isTable {
			utilArgError(L, 2, "number expected, got "+v.Type().String())
		}
		code = int(f)
	}
	switch code {
	case 301, 302, 303, 307, 308:
	default:
		L.RaiseError("only ngx.HTTP_MOVED_TEMPORARILY, ngx.HTTP_MOVED_PERMANENTLY, ngx.HTTP_PERMANENT_REDIRECT, ngx.HTTP_SEE_OTHER, and ngx.HTTP_TEMPORARY_REDIRECT are allowed")
	}
	for i := 0; i < len(uri); i++ {
		if c := uri[i]; c < 0x20 && c != '\t' || c == 0x7f {
			// a CR or LF would end the head early: header injection
			utilRaise(L, fmt.Sprintf("unsafe byte \"0x%02x\" in redirect uri \"%s\"", c, escapeUnsafe(uri)))
		}
	}
	if r.HeaderSent {
		L.RaiseError("attempt to call ngx.redirect after sending out the headers")
	}
	r.Header.Set("Location", uri)
	r.Status = code
	return luavm.Exit(L, a.w, code)
}

// unescapePath decodes each %XX of s (a '+' stays a '+').
func unescapePath(s string) string {
	if strings.IndexByte(s, '%') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		} else if c == '%' && i+2 >= len(s) {
			break // nginx drops a cut-off escape
		}
		b = append(b, s[i])
	}
	return string(b)
}

// unsafePath reports a path nginx will not redirect to: one with a NUL or
// a ".." segment.
func unsafePath(p string) bool {
	if strings.IndexByte(p, 0) >= 0 {
		return true
	}
	for i := 0; i+2 < len(p); i++ {
		if p[i] == '/' && p[i+1] == '.' && p[i+2] == '.' && (i+3 == len(p) || p[i+3] == '/') {
			return true
		}
	}
	return false
}

// escapeUnsafe quotes s for an error message as nginx does: printable
// ASCII as is, except '"' and '\', every other byte as \xHH.
func escapeUnsafe(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c < 0x7f && c != '"' && c != '\\' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "\\x%02X", c)
		}
	}
	return b.String()
}

// controlSleep is ngx.sleep(seconds). Its checks come in OpenResty's
// order: the argument count, a request, the number, then the phase.
func (a *api) controlSleep(L *lua.LState) int {
	if n := L.GetTop(); n != 1 {
		L.RaiseError("attempt to pass %d arguments, but accepted 1", n)
	}
	if a.phase() == phases.Init {
		L.RaiseError("no request found")
	}
	v := L.Get(1)
	n, ok := luaNumber(v)
	if !ok {
		funcArgError(L, 1, "sleep", "number expected, got "+v.Type().String())
	}
	ms := int64(n * 1000) // whole milliseconds, as OpenResty counts them
	if ms < 0 {
		L.RaiseError("invalid sleep duration \"%d\"", ms)
	}
	a.check(L, pYield)
	d := time.Duration(ms) * time.Millisecond
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
			b = stdlib.AppendNumberOut(b, float64(v))
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
	if luavm.TailCalled(dbg) {
		// "return ngx.log(...)": LuaJIT's caller frame is gone, and its
		// level 1 is the frame below it, or C ("[C]:-1") when there is none
		// or it is Go's
		if dbg, ok = luavm.CallerFrame(L, dbg, 1); !ok {
			return "[lua] [C]:-1: "
		}
		// goresty's layer stands for builtins (pcall, coroutine.wrap...)
		if _, err := L.GetInfo("Sln", dbg, lua.LNil); err != nil || dbg.What == "G" || dbg.Source == "[goresty]" || dbg.CurrentLine <= 0 {
			return "[lua] [C]:-1: "
		}
		return whereAt(L, dbg)
	}
	if _, err := L.GetInfo("Sln", dbg, lua.LNil); err != nil || dbg.CurrentLine <= 0 {
		return "[lua] "
	}
	return whereAt(L, dbg)
}

// whereAt is where's prefix for the frame dbg (its info read).
func whereAt(L *lua.LState, dbg *lua.Debug) string {
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
