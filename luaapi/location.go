package luaapi

import (
	"fmt"
	"strings"
	"sync"

	"github.com/goresty/goresty/internal/errlog"
	"github.com/goresty/goresty/internal/luavm"
	"github.com/goresty/goresty/luaapi/stdlib"
	"github.com/goresty/goresty/phases"
	lua "github.com/yuin/gopher-lua"
)

func init() { register(openLocation) }

// pCapture: subrequests are issued from rewrite, access and content.
const pCapture phases.Mask = 1<<phases.Rewrite | 1<<phases.Access | 1<<phases.Content

// maxSubrequestDepth: a request this many levels below the main one
// cannot issue a subrequest (nginx's budget of 50 subrequests, plus one).
const maxSubrequestDepth = 51

var captureMethods = map[int]string{
	2: "GET", 4: "HEAD", 8: "POST", 16: "PUT", 32: "DELETE", 64: "MKCOL", 128: "COPY", 256: "MOVE",
	512: "OPTIONS", 1024: "PROPFIND", 2048: "PROPPATCH", 4096: "LOCK", 8192: "UNLOCK", 16384: "PATCH",
	32768: "TRACE",
}

// captureWrap runs a capture, then lets done end the calling thread when a
// subrequest closed the client connection (444, 408, 499).
const captureWrap = `local f, done, ident = ...
return function(...) return ident(done(f(...))) end`

func openLocation(a *api) {
	t := a.sub("location")
	a.captureFn(t, "capture", func(L *lua.LState) int {
		n := L.GetTop()
		if n != 1 && n != 2 {
			L.RaiseError("expecting one or two arguments")
		}
		r := a.req(L)
		uri, opts := L.Get(1), L.Get(2)
		// nginx packs the arguments into a query table {uri, options}
		nargs := 0
		switch {
		case opts != lua.LNil:
			nargs = 2
		case uri != lua.LNil:
			nargs = 1
		}
		sr := a.subRequest(L, r, 0, nargs, uri, opts)
		return luavm.Await(L, a.w, 1, func() []lua.LValue {
			return []lua.LValue{res2lua(r.Capture(sr))}
		})
	})
	a.captureFn(t, "capture_multi", func(L *lua.LState) int {
		if n := L.GetTop(); n != 1 {
			L.RaiseError("only one argument is expected, but got %d", n)
		}
		list := L.CheckTable(1)
		n := list.Len()
		if n == 0 {
			L.RaiseError("at least one subrequest should be specified")
		}
		r := a.req(L)
		srs := make([]*phases.SubRequest, n)
		for i := 1; i <= n; i++ {
			spec, ok := list.RawGetInt(i).(*lua.LTable)
			if !ok {
				L.RaiseError("the query argument %d is not a table, but a %s", i-1, list.RawGetInt(i).Type().String())
			}
			srs[i-1] = a.subRequest(L, r, i-1, spec.Len(), spec.RawGetInt(1), spec.RawGetInt(2))
		}
		return luavm.Await(L, a.w, n, func() []lua.LValue {
			res := make([]*phases.SubResponse, n)
			var wg sync.WaitGroup
			for i, sr := range srs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					res[i] = r.Capture(sr)
				}()
			}
			wg.Wait()
			out := make([]lua.LValue, n)
			for i, x := range res {
				out[i] = res2lua(x)
			}
			return out
		})
	})
}

// captureFn installs a capture function: f yields for the subrequests,
// and the thread ends (as nginx ends the request) when one of them closed
// the client connection.
func (a *api) captureFn(t *lua.LTable, name string, f lua.LGFunction) {
	L := a.L
	g := L.NewFunction(func(L *lua.LState) int {
		defer fixWrapperPosition(L)
		if a.phase() == phases.Init {
			// init_by_lua has not even a fake request to check the phase of
			L.RaiseError("no request object found")
		}
		a.check(L, pCapture)
		return f(L)
	})
	done := L.NewFunction(func(L *lua.LState) int {
		main := a.req(L)
		for main.Parent != nil {
			main = main.Parent
		}
		if main.Terminated.Load() {
			return luavm.Exit(L, a.w, 444)
		}
		return L.GetTop()
	})
	if a.ident == nil {
		a.ident = L.NewFunction(func(L *lua.LState) int { return L.GetTop() })
	}
	p, err := stdlib.Compile([]byte(captureWrap), "=[goresty]")
	if err != nil {
		panic(err)
	}
	L.Push(L.NewFunctionFromProto(p))
	L.Push(g)
	L.Push(done)
	L.Push(a.ident)
	L.Call(3, 1)
	t.RawSetString(name, L.Get(-1))
	L.Pop(1)
}

// subRequest checks query number idx of a capture (nargs values: the uri
// and the options table) and returns the subrequest it describes. The
// errors are lua-nginx-module's, word for word.
func (a *api) subRequest(L *lua.LState, r *phases.Request, idx, nargs int, uriv, opts lua.LValue) *phases.SubRequest {
	if nargs != 1 && nargs != 2 {
		L.RaiseError("query argument %d expecting one or two arguments", idx)
	}
	var uri string
	switch v := uriv.(type) {
	case lua.LString, lua.LNumber:
		uri = lua.LVAsString(v)
	default:
		L.RaiseError("bad argument #3 to '?' (string expected, got %s)", uriv.Type().String())
	}
	sr := &phases.SubRequest{Method: "GET"}
	var t *lua.LTable
	if nargs == 2 {
		switch v := opts.(type) {
		case *lua.LTable:
			t = v
		case *lua.LNilType:
		default:
			L.RaiseError("expecting table as the 2nd argument for subrequest %d, but got %s", idx, opts.Type().String())
		}
	}
	method, hasMethod := 0, false
	var extraArgs string
	alwaysForward := false
	if t != nil {
		sr.ShareAllVars = optBool(L, t, "share_all_vars")
		sr.CopyAllVars = optBool(L, t, "copy_all_vars")
		alwaysForward = lua.LVAsBool(t.RawGetString("always_forward_body"))
		switch v := t.RawGetString("args").(type) {
		case lua.LString, lua.LNumber:
			extraArgs = lua.LVAsString(v)
		case *lua.LTable:
			extraArgs = encodeArgs(L, v)
		case *lua.LNilType:
		default:
			L.RaiseError("Bad args option value")
		}
		switch v := t.RawGetString("vars").(type) {
		case *lua.LTable:
			sr.Vars = map[string]string{}
			v.ForEach(func(k, val lua.LValue) {
				ks, ok := k.(lua.LString)
				if !ok {
					L.RaiseError(`attempt to use a non-string key in the "vars" option table`)
				}
				switch val.(type) {
				case lua.LString, lua.LNumber:
					sr.Vars[string(ks)] = lua.LVAsString(val)
				default:
					L.RaiseError("attempt to use bad variable value type %s", val.Type().String())
				}
			})
		case *lua.LNilType:
		default:
			L.RaiseError("Bad vars option value")
		}
		switch v := t.RawGetString("method").(type) {
		case lua.LNumber:
			method, hasMethod = int(v), true
		case *lua.LNilType:
		default:
			L.RaiseError("Bad http request method")
		}
		switch v := t.RawGetString("ctx").(type) {
		case *lua.LTable:
			sr.Ctx = lua.LValue(v)
		case *lua.LNilType:
		default:
			L.RaiseError("Bad ctx option value type %s, expected a Lua table", v.Type().String())
		}
		switch v := t.RawGetString("body").(type) {
		case lua.LString, lua.LNumber:
			sr.Body, sr.HasBody = []byte(lua.LVAsString(v)), true
		case *lua.LNilType:
		default:
			L.RaiseError("Bad http request body")
		}
	}
	path, args, ok := parseSubURI(uri)
	if !ok {
		if i := strings.IndexByte(uri, 0); i >= 0 {
			uri = uri[:i] // the message is a C string
		}
		L.RaiseError("unsafe uri in argument #1: %s", uri)
	}
	sr.URI, sr.Args = path, args
	if extraArgs != "" {
		if sr.Args != "" {
			sr.Args += "&" + extraArgs
		} else {
			sr.Args = extraArgs
		}
	}
	depth := 0
	for p := r; p.Parent != nil; p = p.Parent {
		depth++
	}
	if depth >= maxSubrequestDepth {
		a.log(errlog.Error, `lua subrequests cycle while processing "`+path+`"`)
		L.RaiseError("failed to issue subrequest: -1")
	}
	if hasMethod {
		name, known := captureMethods[method]
		if !known {
			a.log(errlog.Error, fmt.Sprintf("unsupported HTTP method: %d", method))
			L.RaiseError("failed to adjust the subrequest: -1")
		}
		sr.Method = name
	}
	if !sr.HasBody && (alwaysForward || sr.Method == "POST" || sr.Method == "PUT") {
		if r.BodyRead {
			sr.Body, sr.HasBody = r.Body, true
			if r.BodyOnFile {
				sr.BodyFile = r.BodyFile
			}
		} else {
			sr.Unread = true
		}
	}
	for name := range sr.Vars {
		a.checkSubVar(L, r, name)
	}
	return sr
}

// checkSubVar refuses a "vars" option that names no variable a
// subrequest can be given, as nginx does when it sets them.
func (a *api) checkSubVar(L *lua.LState, r *phases.Request, name string) {
	v := r.Vars.Lookup(name)
	switch {
	case v == nil || isPrefixVar(strings.ToLower(name)):
		a.log(errlog.Error, `variable "`+name+`" cannot be assigned a value (maybe you forgot to define it first?) `)
		L.RaiseError("failed to adjust the subrequest: -1")
	case v.User < 0 && (v.Set == nil || notChangeable[name]):
		a.log(errlog.Error, `variable "`+name+`" not changeable`)
		L.RaiseError("failed to adjust the subrequest: 500")
	}
}

// optBool reads a boolean option: nil is false, another type an error.
func optBool(L *lua.LState, t *lua.LTable, name string) bool {
	switch v := t.RawGetString(name).(type) {
	case lua.LBool:
		return bool(v)
	case *lua.LNilType:
		return false
	}
	L.RaiseError("Bad %s option value", name)
	return false
}

// parseSubURI splits a capture's uri into its decoded path and its
// arguments. ok is false for what nginx calls an unsafe uri: empty,
// starting with "?", holding a NUL, or with a ".." path segment (also
// when percent-encoded).
func parseSubURI(uri string) (path, args string, ok bool) {
	if uri == "" || uri[0] == '?' {
		return "", "", false
	}
	path, args, _ = strings.Cut(uri, "?")
	path = percentDecode(path)
	if strings.IndexByte(path, 0) >= 0 || path == ".." || strings.HasPrefix(path, "../") ||
		strings.Contains(path, "/../") || strings.HasSuffix(path, "/..") {
		return "", "", false
	}
	return path, args, true
}

// percentDecode decodes %XX escapes, leaving malformed ones as they are.
func percentDecode(s string) string {
	if strings.IndexByte(s, '%') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

// newTable makes a table without a VM: LState.NewTable does not touch its
// receiver, so operations running off the VM may build result tables.
func newTable() *lua.LTable {
	var noVM *lua.LState
	return noVM.NewTable()
}

// res2lua builds the {status, header, body, truncated} table of a capture.
func res2lua(res *phases.SubResponse) lua.LValue {
	t := newTable()
	t.RawSetString("status", lua.LNumber(res.Status))
	t.RawSetString("body", lua.LString(res.Body))
	t.RawSetString("truncated", lua.LBool(res.Truncated))
	h := newTable()
	for k, vs := range res.Header {
		if s, ok := res.Spell[k]; ok {
			k = s // as the subrequest's Lua spelled it
		} else if k == "Etag" {
			k = "ETag" // nginx's spelling (the static module sets it)
		}
		if len(vs) == 1 {
			h.RawSetString(k, lua.LString(vs[0]))
			continue
		}
		arr := newTable()
		for _, v := range vs {
			arr.Append(lua.LString(v))
		}
		h.RawSetString(k, arr)
	}
	t.RawSetString("header", h)
	return t
}
