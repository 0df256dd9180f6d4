package luaapi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"

	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/internal/errlog"
	"github.com/goresty/goresty/internal/luavm"
	"github.com/goresty/goresty/luaapi/stdlib"
	"github.com/goresty/goresty/phases"
	lua "github.com/yuin/gopher-lua"
)

// The request body, as ngx.req.read_body leaves it: r.Body in memory when
// it fits client_body_buffer_size, else r.BodyFile, a file under
// client_body_temp_path removed when the request ends. nginx also keeps
// a small body in memory when it arrived with the request head; goresty
// decides by size alone.

func init() { luavm.NeedBody = needBody }

// readBodyWrap calls read_body in non-tail position and finishes the
// request when reading failed (413, 400), as nginx does.
const readBodyWrap = `local read, exit = ...
return function()
	local code = read()
	if code then exit(code) end
end`

func openReqBody(a *api, t *lua.LTable) {
	L := a.L
	read := L.NewFunction(func(L *lua.LState) int {
		defer fixWrapperPosition(L)
		a.checkNoRequest(L, noRequest["req.read_body"])
		a.check(L, pBody)
		return a.reqReadBody(L)
	})
	exit := L.NewFunction(func(L *lua.LState) int { return luavm.Exit(L, a.w, L.CheckInt(1)) })
	p, err := stdlib.Compile([]byte(readBodyWrap), "=[goresty]")
	if err != nil {
		panic(err)
	}
	L.Push(L.NewFunctionFromProto(p))
	L.Push(read)
	L.Push(exit)
	L.Call(2, 1)
	t.RawSetString("read_body", L.Get(-1))
	L.Pop(1)

	a.fn(t, "discard_body", pReq, a.reqDiscardBody)
	a.fn(t, "get_body_data", pReq, a.reqGetBodyData)
	a.fn(t, "get_body_file", pReq, a.reqGetBodyFile)
	a.fn(t, "get_post_args", pReq, a.reqGetPostArgs)
	a.fn(t, "set_body_data", pReq, a.reqSetBodyData)
	a.fn(t, "set_body_file", pReq, a.reqSetBodyFile)
	a.fn(t, "init_body", pReq, a.reqInitBody)
	a.fn(t, "append_body", pReq, a.reqAppendBody)
	a.fn(t, "finish_body", pReq, a.reqFinishBody)
}

// reqState is luaapi's per-request state (luavm.ReqState.API).
type reqState struct {
	discarded bool
	building  bool   // between init_body and finish_body
	buf       []byte // the body being built
	bufMax    int64  // init_body's buffer size
	rawSocket bool   // ngx.req.socket(true) took the connection
}

func stateOf(r *phases.Request) *reqState {
	rs := luavm.State(r)
	if s, ok := rs.API.(*reqState); ok {
		return s
	}
	s := &reqState{}
	rs.API = s
	return s
}

// bodyLimits returns client_max_body_size, client_body_buffer_size and
// the temp directory of r's location.
func bodyLimits(r *phases.Request) (max, buf int64, dir string) {
	max, buf = 1<<20, 16<<10
	if loc, ok := r.Loc.(*config.Location); ok {
		max, buf, dir = loc.ClientMaxBody, loc.ClientBodyBuf, loc.ClientBodyTemp
	}
	if dir == "" {
		dir = filepath.Join(r.Prefix, "client_body_temp")
	}
	return max, buf, dir
}

func (a *api) reqReadBody(L *lua.LState) int {
	r := a.req(L)
	if r.BodyRead || stateOf(r).discarded {
		r.BodyRead = true
		L.Push(lua.LNil)
		return 1
	}
	log := a.w.RT.Log
	return luavm.Await(L, a.w, 1, func() []lua.LValue {
		if code := readBody(log, r); code != 0 {
			return []lua.LValue{lua.LNumber(code)}
		}
		return nil
	})
}

// needBody reads the body before Lua handlers of a location with
// "lua_need_request_body on".
func needBody(log *errlog.Logger, r *phases.Request) int {
	loc, ok := r.Loc.(*config.Location)
	if !ok || r.BodyRead || !luavm.Loc(loc).NeedBody {
		return 0
	}
	return readBody(log, r)
}

var errTooLarge = errors.New("too large")

// readBody reads r.HTTP.Body into r.Body or a temp file. It returns 0, or
// the status to finish the request with. It runs off the VM.
func readBody(log *errlog.Logger, r *phases.Request) int {
	r.BodyRead = true
	body := r.HTTP.Body
	if body == nil || body == http.NoBody || r.HTTP.ContentLength == 0 {
		return 0
	}
	max, bufSize, dir := bodyLimits(r)
	var src io.Reader = body
	if max > 0 {
		src = io.LimitReader(body, max+1)
	}
	var mem bytes.Buffer
	n, err := io.Copy(&mem, io.LimitReader(src, bufSize+1))
	if err == nil && n > bufSize {
		var f *os.File
		f, err = tempBodyFile(dir)
		if err == nil {
			log.Log(errlog.Warn, errlog.ForRequest(r), "a client request body is buffered to a temporary file "+f.Name())
			r.BodyFile, r.BodyOnFile = f.Name(), true
			luavm.State(r).Cleanup = append(luavm.State(r).Cleanup, func() { os.Remove(f.Name()) })
			var m int64
			if _, err = f.Write(mem.Bytes()); err == nil {
				m, err = io.Copy(f, src)
			}
			n += m
			f.Close()
		}
		mem.Reset()
	}
	if err == nil && max > 0 && n > max {
		err = errTooLarge
	}
	switch {
	case err == errTooLarge:
		log.Log(errlog.Error, errlog.ForRequest(r), fmt.Sprintf("client intended to send too large chunked body: 0+%d bytes", n))
		return http.StatusRequestEntityTooLarge
	case err != nil:
		log.Log(errlog.Info, errlog.ForRequest(r), "client prematurely closed connection")
		return http.StatusBadRequest
	}
	if !r.BodyOnFile {
		r.Body = mem.Bytes()
	}
	if r.HTTP.ContentLength < 0 {
		// a chunked body: its length is known now, and $content_length
		// gives it, as in nginx (no Content-Length header appears)
		r.HTTP.ContentLength = n
	}
	return 0
}

var tempSeq atomic.Uint32

// tempBodyFile makes a new file named like nginx's (0000000001) in dir.
func tempBodyFile(dir string) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	for {
		name := filepath.Join(dir, fmt.Sprintf("%010d", tempSeq.Add(1)))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if !os.IsExist(err) {
			return f, err
		}
	}
}

func (a *api) reqDiscardBody(L *lua.LState) int {
	r := a.req(L)
	// net/http drains or drops what the client still sends; a later
	// read_body finds no body
	stateOf(r).discarded = true
	return 0
}

func (a *api) reqGetBodyData(L *lua.LState) int {
	r := a.req(L)
	if !r.BodyRead || r.BodyOnFile || len(r.Body) == 0 {
		L.Push(lua.LNil)
		return 1
	}
	b := r.Body
	if max := L.OptInt(1, 0); max > 0 && max < len(b) {
		b = b[:max]
	}
	L.Push(lua.LString(b))
	return 1
}

func (a *api) reqGetBodyFile(L *lua.LState) int {
	r := a.req(L)
	if !r.BodyRead || !r.BodyOnFile {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(lua.LString(r.BodyFile))
	return 1
}

func (a *api) reqGetPostArgs(L *lua.LState) int {
	r := a.req(L)
	if !r.BodyRead {
		L.RaiseError("no request body found; maybe you should turn on lua_need_request_body?")
	}
	if r.BodyOnFile {
		L.Push(lua.LNil)
		L.Push(lua.LString("request body in temp file not supported"))
		return 2
	}
	return pushArgs(L, string(r.Body), L.OptInt(1, 100), nil)
}

// setBody installs data as the request body and fixes Content-Length.
func setBody(r *phases.Request, data []byte) {
	r.Body, r.BodyFile, r.BodyOnFile = data, "", false
	setReqHeader(r, "Content-Length", []string{strconv.Itoa(len(data))})
	setReqHeader(r, "Transfer-Encoding", nil)
}

func (a *api) mustHaveBody(L *lua.LState, r *phases.Request) {
	if !r.BodyRead {
		L.RaiseError("request body not read yet")
	}
}

func (a *api) reqSetBodyData(L *lua.LState) int {
	r := a.req(L)
	if L.GetTop() != 1 {
		L.RaiseError("expecting 1 arguments but seen %d", L.GetTop())
	}
	a.mustHaveBody(L, r)
	setBody(r, []byte(argString(L, 1)))
	return 0
}

func (a *api) reqSetBodyFile(L *lua.LState) int {
	r := a.req(L)
	path := L.CheckString(1)
	clean := lua.LVAsBool(L.Get(2))
	a.mustHaveBody(L, r)
	fi, err := os.Stat(path)
	if err != nil {
		L.RaiseError("stat() \"%s\" failed", path)
	}
	r.Body, r.BodyFile, r.BodyOnFile = nil, path, true
	setReqHeader(r, "Content-Length", []string{strconv.FormatInt(fi.Size(), 10)})
	setReqHeader(r, "Transfer-Encoding", nil)
	if clean {
		luavm.State(r).Cleanup = append(luavm.State(r).Cleanup, func() { os.Remove(path) })
	}
	return 0
}

func (a *api) reqInitBody(L *lua.LState) int {
	r := a.req(L)
	a.mustHaveBody(L, r)
	_, bufSize, _ := bodyLimits(r)
	if n := L.OptInt(1, 0); n > 0 {
		bufSize = int64(n)
	}
	s := stateOf(r)
	s.building, s.buf, s.bufMax = true, s.buf[:0], bufSize
	return 0
}

func (a *api) reqAppendBody(L *lua.LState) int {
	r := a.req(L)
	data := L.CheckString(1)
	s := stateOf(r)
	if !s.building && s.buf == nil {
		L.RaiseError("request_body not initialized")
	}
	s.buf = append(s.buf, data...)
	return 0
}

func (a *api) reqFinishBody(L *lua.LState) int {
	r := a.req(L)
	s := stateOf(r)
	if !s.building {
		return 0
	}
	s.building = false
	data := append([]byte(nil), s.buf...)
	if int64(len(data)) <= s.bufMax {
		setBody(r, data)
		return 0
	}
	_, _, dir := bodyLimits(r)
	f, err := tempBodyFile(dir)
	if err == nil {
		_, err = f.Write(data)
		f.Close()
	}
	if err != nil {
		L.RaiseError("failed to write the request body to a temp file: %s", err.Error())
	}
	name := f.Name()
	a.log(errlog.Warn, "a client request body is buffered to a temporary file "+name)
	luavm.State(r).Cleanup = append(luavm.State(r).Cleanup, func() { os.Remove(name) })
	r.Body, r.BodyFile, r.BodyOnFile = nil, name, true
	setReqHeader(r, "Content-Length", []string{strconv.Itoa(len(data))})
	setReqHeader(r, "Transfer-Encoding", nil)
	return 0
}
