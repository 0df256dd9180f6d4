package luavm

import (
	"io"
	"net/http"

	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/internal/errlog"
	"github.com/goresty/goresty/phases"
	lua "github.com/yuin/gopher-lua"
)

// ReqState is the Lua runtime's per-request state (phases.Request.LuaState).
type ReqState struct {
	// AbortSet: ngx.on_abort was called.
	AbortSet bool
	Env      *lua.LTable // the request's global environment
	Ctx      lua.LValue  // ngx.ctx
	inVM     bool        // this request's goroutine holds its worker's VM
	// API is luaapi's own per-request state.
	API any
	// Cleanup runs when the request ends (temp body files...).
	Cleanup []func()
	// Closers are closed when the request ends, before Cleanup runs (the
	// request's cosockets): an interface costs no closure allocation.
	Closers  []io.Closer
	closeBuf [2]io.Closer
}

// AddCloser has c closed when the request ends.
func (s *ReqState) AddCloser(c io.Closer) {
	if s.Closers == nil {
		s.Closers = s.closeBuf[:0]
	}
	s.Closers = append(s.Closers, c)
}

// NeedBody, when set (by luaapi), runs before rewrite, access and content
// Lua handlers, off the VM: it reads the request body when the location
// has "lua_need_request_body on", and returns 0 or a status to finish with.
var NeedBody func(log *errlog.Logger, r *phases.Request) int

// State returns r's Lua state, making it on first use.
func State(r *phases.Request) *ReqState {
	if s, ok := r.LuaState.(*ReqState); ok {
		return s
	}
	s := &ReqState{}
	if ctx, ok := r.Ctx.(lua.LValue); ok {
		s.Ctx = ctx // a subrequest sharing its parent's ngx.ctx
	}
	r.LuaState = s
	return s
}

// PhaseHandler runs a chunk in a request phase (rewrite_by_lua, content_by_lua...).
type PhaseHandler struct {
	Chunk *Chunk
	Phase phases.Phase
}

// Handle runs the handler for r and maps its end to a phase result.
func (h *PhaseHandler) Handle(r *phases.Request) int {
	w, ok := r.Worker.(*Worker)
	if !ok {
		return http.StatusInternalServerError
	}
	return w.RunPhase(r, h.Chunk, h.Phase)
}

// function returns the handler closure of chunk in this VM. Handlers run
// with the VM's globals, as in OpenResty; the closure is made once (each
// run with lua_code_cache off).
func (w *Worker) function(c *Chunk) (*lua.LFunction, error) {
	if fn := w.fns[c]; fn != nil {
		return fn, nil
	}
	cacheByCode := c.codeKey != "" && w.RT.Main.CodeCache
	if cacheByCode {
		if fn := w.byCode[c.codeKey]; fn != nil {
			w.fns[c] = fn
			return fn, nil
		}
	}
	p, err := c.Proto()
	if err != nil {
		return nil, err
	}
	fn := w.L.NewFunctionFromProto(p)
	if !c.NoCache {
		w.fns[c] = fn
	}
	if cacheByCode {
		w.byCode[c.codeKey] = fn
	}
	return fn, nil
}

// lock takes the VM unless this request's goroutine already holds it
// (a filter run from ngx.say inside a content handler).
func (w *Worker) lock(rs *ReqState) bool {
	if rs.inVM {
		return false
	}
	w.mu.Lock()
	rs.inVM = true
	return true
}

func (w *Worker) unlock(rs *ReqState, took bool) {
	if took {
		rs.inVM = false
		w.mu.Unlock()
	}
}

// RunPhase runs chunk as the entry thread of a request phase.
func (w *Worker) RunPhase(r *phases.Request, c *Chunk, ph phases.Phase) int {
	if NeedBody != nil && !r.BodyRead && (ph == phases.Rewrite || ph == phases.Access || ph == phases.Content) {
		if code := NeedBody(w.RT.Log, r); code != 0 {
			return code
		}
	}
	rs := State(r)
	took := w.lock(rs)
	defer w.unlock(rs, took)
	saved := r.Phase
	r.Phase = ph
	defer func() { r.Phase = saved }()
	fn, err := w.function(c)
	if err != nil {
		ctx := errlog.ForRequest(r)
		if ph == phases.Log {
			ctx.Action = "logging request"
		}
		w.RT.Log.Log(errlog.Error, ctx, err.Error())
		if c.File != "" {
			return http.StatusNotFound
		}
		return http.StatusInternalServerError
	}
	if ph == phases.Content && !r.HeaderSent {
		noDefaultType(r)
	}
	t := w.newTask(r, ph)
	code := w.phaseResult(t, w.runEntry(t, fn))
	w.freeTask(t)
	return code
}

// noDefaultType applies lua_use_default_type off: Lua output gets no
// default_type (a present but empty Content-Type is "none").
func noDefaultType(r *phases.Request) {
	loc, ok := r.Loc.(*config.Location)
	if !ok || !Loc(loc).NoDefaultType {
		return
	}
	if _, set := r.Header["Content-Type"]; !set {
		r.Header["Content-Type"] = nil
	}
}

// closeCode makes the server close the connection without a response.
const closeCode = 444

func (w *Worker) phaseResult(t *Task, res runResult) int {
	r := t.R
	if res.err != nil {
		if t.Phase == phases.Log {
			// nginx runs log_by_lua outside a coroutine
			ctx := errlog.ForRequest(r)
			ctx.Action = "logging request"
			w.RT.Log.Log(errlog.Error, ctx, "failed to run log_by_lua*: "+errorText(res.err, plainTrace(t.trace)))
			return config.Done
		}
		msg := errorText(res.err, t.trace)
		switch {
		case t.Aborted:
			w.logTask(t, errlog.Error, msg)
		default:
			w.logTask(t, errlog.Error, "lua entry thread aborted: runtime error: "+msg)
		}
		if r.Finished {
			return config.Done // the response was complete (ngx.eof)
		}
		if r.HeaderSent {
			return config.Abort
		}
		return http.StatusInternalServerError
	}
	if ok, code := t.Exited(); ok {
		switch {
		case r.Finished && code != CodeError:
			// ngx.eof already completed the response
			return config.Done
		case r.Subrequest && (code == CodeError || code > 0 && code < 200):
			// a subrequest does not close the client's connection: its
			// capture sees the status (500 for ngx.ERROR)
			if code == CodeError {
				return http.StatusInternalServerError
			}
			return code
		case code == CodeError:
			// nginx finalizes with NGX_ERROR: the connection is closed,
			// with what was not sent yet, and the status stays for the log
			return config.Abort
		case code > 0 && code < 200 || code == CodeDeclined && t.Phase == phases.Content:
			// as nginx: the connection closes, cutting short whatever
			// was sent (ngx.exit(ngx.ERROR), a 1xx, ngx.DECLINED in content)
			if r.HeaderSent {
				return config.Abort
			}
			return closeCode
		case r.HeaderSent && (code == http.StatusNoContent || code == http.StatusRequestTimeout || code == 444 || code == 499):
			// nginx cannot send these once the status is out: it cuts the
			// response short
			return config.Abort
		case code == CodeOK || code == CodeDeclined:
			if t.Phase == phases.Content || r.HeaderSent {
				return config.Done
			}
			return config.Continue
		case code == CodeDone:
			return config.Done
		case code < 0:
			if r.HeaderSent {
				return config.Done
			}
			return http.StatusInternalServerError
		case r.HeaderSent && (code == 444 || code == 408 || code == 499):
			// nginx closes the connection: the response is cut short
			return config.Abort
		case r.HeaderSent:
			return config.Done
		case code >= 200 && code < 300:
			// the status is set (luaapi's exit): the response goes out as
			// handler output, with no body, not as a built-in page
			return config.Done
		case code < 300:
			r.Status = code
			return code
		}
		return code
	}
	if t.Phase == phases.Content || r.HeaderSent || r.Finished {
		return config.Done
	}
	return config.Continue
}
