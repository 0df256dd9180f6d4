package luaapi

import (
	"strings"
	"sync"

	"github.com/goresty/goresty/internal/luavm"
	"github.com/goresty/goresty/phases"
	lua "github.com/yuin/gopher-lua"
)

func init() { register(openLocation) }

// pCapture: subrequests are issued from rewrite, access and content.
const pCapture phases.Mask = 1<<phases.Rewrite | 1<<phases.Access | 1<<phases.Content

var captureMethods = map[int]string{
	2: "GET", 4: "HEAD", 8: "POST", 16: "PUT", 32: "DELETE", 64: "MKCOL", 128: "COPY", 256: "MOVE",
	512: "OPTIONS", 1024: "PROPFIND", 2048: "PROPPATCH", 4096: "LOCK", 8192: "UNLOCK", 16384: "PATCH",
	32768: "TRACE",
}

func openLocation(a *api) {
	t := a.sub("location")
	a.yfn(t, "capture", pCapture, func(L *lua.LState) int {
		r := a.req(L)
		sr := a.subRequest(L, r, L.CheckString(1), L.Get(2), 2)
		return luavm.Await(L, a.w, 1, func() []lua.LValue {
			res := r.Capture(sr)
			return []lua.LValue{res2lua(a, res)}
		})
	})
	a.yfn(t, "capture_multi", pCapture, func(L *lua.LState) int {
		r := a.req(L)
		list := L.CheckTable(1)
		n := list.Len()
		if n == 0 {
			L.RaiseError("at least one subrequest should be specified")
		}
		srs := make([]*phases.SubRequest, n)
		for i := 1; i <= n; i++ {
			spec, ok := list.RawGetInt(i).(*lua.LTable)
			if !ok {
				L.RaiseError("the query argument %d is not a table, but a %s", i, list.RawGetInt(i).Type().String())
			}
			uri, ok := spec.RawGetInt(1).(lua.LString)
			if !ok {
				L.RaiseError("the uri argument of query %d is not a string", i)
			}
			srs[i-1] = a.subRequest(L, r, string(uri), spec.RawGetInt(2), 2)
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
				out[i] = res2lua(a, x)
			}
			return out
		})
	})
}

// subRequest reads the options table of ngx.location.capture.
func (a *api) subRequest(L *lua.LState, r *phases.Request, uri string, opts lua.LValue, argn int) *phases.SubRequest {
	sr := &phases.SubRequest{Method: "GET", URI: uri}
	if i := strings.IndexByte(uri, '?'); i >= 0 {
		sr.URI, sr.Args = uri[:i], uri[i+1:]
	}
	if uri == "" {
		L.ArgError(1, "uri is empty")
	}
	t, ok := opts.(*lua.LTable)
	if !ok {
		if opts != lua.LNil {
			L.ArgError(argn, "table expected, got "+opts.Type().String())
		}
		return sr
	}
	if m, ok := t.RawGetString("method").(lua.LNumber); ok {
		name, known := captureMethods[int(m)]
		if !known {
			L.RaiseError("unsupported HTTP method: %d", int(m))
		}
		sr.Method = name
	}
	switch v := t.RawGetString("args").(type) {
	case lua.LString:
		if sr.Args != "" {
			sr.Args += "&" + string(v)
		} else {
			sr.Args = string(v)
		}
	case *lua.LTable:
		enc := encodeArgs(L, v)
		if sr.Args != "" {
			sr.Args += "&" + enc
		} else {
			sr.Args = enc
		}
	}
	switch v := t.RawGetString("body").(type) {
	case lua.LString:
		sr.Body, sr.HasBody = []byte(v), true
	case *lua.LNilType:
		forward := lua.LVAsBool(t.RawGetString("always_forward_body")) || sr.Method == "POST" || sr.Method == "PUT"
		if forward && r.BodyRead {
			sr.Body, sr.HasBody = r.Body, true
		}
	default:
		L.RaiseError("Bad body argument: string expected")
	}
	if vars, ok := t.RawGetString("vars").(*lua.LTable); ok {
		sr.Vars = map[string]string{}
		vars.ForEach(func(k, v lua.LValue) {
			sr.Vars[lua.LVAsString(k)] = lua.LVAsString(v)
		})
	}
	if ctx, ok := t.RawGetString("ctx").(*lua.LTable); ok {
		sr.Ctx = lua.LValue(ctx)
	}
	sr.CopyAllVars = lua.LVAsBool(t.RawGetString("copy_all_vars"))
	sr.ShareAllVars = lua.LVAsBool(t.RawGetString("share_all_vars"))
	return sr
}

// newTable makes a table without a VM: LState.NewTable does not touch its
// receiver, so operations running off the VM may build result tables.
func newTable() *lua.LTable {
	var noVM *lua.LState
	return noVM.NewTable()
}

// res2lua builds the {status, header, body, truncated} table of a capture.
func res2lua(a *api, res *phases.SubResponse) lua.LValue {
	t := newTable()
	t.RawSetString("status", lua.LNumber(res.Status))
	t.RawSetString("body", lua.LString(res.Body))
	t.RawSetString("truncated", lua.LBool(res.Truncated))
	h := newTable()
	for k, vs := range res.Header {
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
