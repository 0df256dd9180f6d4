package luavm

import (
	"errors"
	"strings"

	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/internal/errlog"
	"github.com/goresty/goresty/internal/nginxconf"
	"github.com/goresty/goresty/luaapi/stdlib"
	"github.com/goresty/goresty/phases"
	lua "github.com/yuin/gopher-lua"
)

// defaultPath is where goresty looks for Lua modules when lua_package_path
// has ";;" or is not set: the prefix's lua/ and lib/ folders, then the
// usual system places (Debian's lua-resty-* packages install there).
const defaultPath = "$prefix/lua/?.lua;$prefix/lua/?/init.lua;$prefix/lib/?.lua;$prefix/lib/?/init.lua;" +
	"./?.lua;/usr/local/share/lua/5.1/?.lua;/usr/local/share/lua/5.1/?/init.lua;" +
	"/usr/share/lua/5.1/?.lua;/usr/share/lua/5.1/?/init.lua"

func (w *Worker) setupPackagePath() {
	mc := w.RT.Main
	// nginx puts the prefix in with its trailing slash, so the common
	// "$prefix/lua/?.lua" gives ".../prefix//lua/m.lua" in module names,
	// error messages and tracebacks; goresty's own entries have one slash
	prefix := w.RT.Plan.Prefix
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	path := mc.PackagePath
	path = strings.ReplaceAll(path, "${prefix}", prefix)
	path = strings.ReplaceAll(path, "$prefix", prefix)
	def := strings.ReplaceAll(defaultPath, "$prefix/", prefix)
	if path == "" {
		path = def
	} else if strings.Contains(path, ";;") {
		path = strings.Replace(path, ";;", ";"+def+";", 1)
	}
	if pkg, ok := w.L.GetGlobal("package").(*lua.LTable); ok {
		pkg.RawSetString("path", lua.LString(path))
		cpath := mc.PackageCPath
		if cpath == "" {
			cpath = ""
		}
		pkg.RawSetString("cpath", lua.LString(cpath))
	}
}

// runInit runs init_by_lua in w's VM, in the global environment.
func (w *Worker) runInit(c *Chunk) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	fn, err := w.function(c)
	if err != nil {
		return err
	}
	t := w.newTask(nil, phases.Init)
	t.noYield = true
	res := w.runEntry(t, fn)
	defer w.freeTask(t)
	if res.err != nil {
		return errors.New("init_by_lua error: " + errorText(res.err, t.trace))
	}
	return nil
}

// runDetached runs a chunk outside any request (init_worker, exit_worker)
// in the global environment; errors are logged.
func (w *Worker) runDetached(c *Chunk, ph phases.Phase) {
	w.mu.Lock()
	defer w.mu.Unlock()
	fn, err := w.function(c)
	if err != nil {
		msg := err.Error()
		if c.File != "" {
			// as lua-nginx-module words a file it cannot load here
			msg = ph.String() + "_by_lua_file error: " + strings.TrimPrefix(msg, `failed to load external Lua file "`+c.File+`": `)
		}
		w.RT.Log.Log(errlog.Error, nil, msg)
		return
	}
	t := w.newTask(nil, ph)
	t.noYield = ph == phases.ExitWorker
	res := w.runEntry(t, fn)
	if res.err != nil {
		w.RT.Log.Log(errlog.Error, nil, ph.String()+"_by_lua error: "+errorText(res.err, t.trace))
	}
	w.freeTask(t)
}

// RunFunc runs fn with args as a detached task (timers use it); the
// caller must not hold the VM.
func (w *Worker) RunFunc(ph phases.Phase, fn *lua.LFunction, args ...lua.LValue) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	t := w.newTask(nil, ph)
	res := w.runEntry(t, fn, args...)
	defer w.freeTask(t)
	if res.err != nil {
		return errors.New(errorText(res.err, t.trace))
	}
	return nil
}

// setHandler runs set_by_lua: no yielding, ngx.arg holds the arguments.
type setHandler struct {
	chunk *Chunk
	args  []*phases.Value
}

// Run computes the variable's value.
func (h *setHandler) Run(r *phases.Request) (string, error) {
	w, ok := r.Worker.(*Worker)
	if !ok {
		return "", errors.New("no lua worker")
	}
	rs := State(r)
	took := w.lock(rs)
	defer w.unlock(rs, took)
	saved := r.Phase
	r.Phase = phases.Set
	defer func() { r.Phase = saved }()
	fn, err := w.function(h.chunk)
	if err != nil {
		w.RT.Log.Log(errlog.Error, errlog.ForRequest(r), err.Error())
		return "", err
	}
	t := w.newTask(r, phases.Set)
	t.noYield = true
	defer w.freeTask(t)
	for _, a := range h.args {
		t.Args = append(t.Args, lua.LString(a.Eval(r)))
	}
	res := w.runEntry(t, fn)
	if res.err != nil {
		w.logTask(t, errlog.Error, "failed to run set_by_lua*: "+errorText(res.err, plainTrace(t.trace)))
		return "", res.err
	}
	if len(res.vals) == 0 || res.vals[0] == lua.LNil {
		return "", nil
	}
	if n, ok := res.vals[0].(lua.LNumber); ok {
		// lua_tolstring's words: LuaJIT's "%.14g", inf, nan, -0
		return stdlib.FormatNumber(float64(n)), nil
	}
	return lua.LVAsString(res.vals[0]), nil
}

func setByLua(ctx config.Context) []*config.Spec {
	set := func(c *config.Ctx, d *nginxconf.Directive) error {
		if !strings.HasPrefix(d.Args[0], "$") {
			return config.Errorf(d, `invalid variable name "%s"`, d.Args[0])
		}
		// the code (or file) is the second argument; the rest are ngx.arg
		cd := *d
		if d.Lua == nil && len(d.Args) > 2 {
			cd.Args = d.Args[:2]
		}
		ch, err := chunkOf(c, &cd)
		if err != nil {
			return err
		}
		h := &setHandler{chunk: ch}
		rest := d.Args[1:]
		if d.Lua == nil && len(rest) > 0 {
			rest = rest[1:] // the code or the file
		}
		for _, a := range rest {
			v, err := c.Compile(d, a)
			if err != nil {
				return err
			}
			h.args = append(h.args, v)
		}
		v := c.Plan.Vars.Declare(d.Args[0][1:])
		c.Loc.Script = append(c.Loc.Script, config.Op{Kind: config.OpHandler, Var: v, Handler: h, File: d.File, Line: d.Line})
		return nil
	}
	return []*config.Spec{
		{Name: "set_by_lua", Ctx: ctx, Args: config.TwoMore, Set: set},
		{Name: "set_by_lua_block", Ctx: ctx, Args: config.Take1, Block: true, Set: set},
		{Name: "set_by_lua_file", Ctx: ctx, Args: config.TwoMore, Set: set},
	}
}

// Filters runs Lua header and body filters for the server.
type Filters struct{ RT *Runtime }

// errFilter is what a filter that raised an error makes of the response:
// nginx's filter chain fails and the connection is closed.
var errFilter = errors.New("nginx output filter error")

// HeaderFilter runs header_filter_by_lua handlers. It returns the status a
// handler gave ngx.exit (0 for none), or an error when one failed.
func (f Filters) HeaderFilter(r *phases.Request, hs []config.Handler) (int, error) {
	exit := 0
	for _, h := range hs {
		ph, ok := h.(*PhaseHandler)
		if !ok {
			continue
		}
		w := r.Worker.(*Worker)
		_, code, err := w.runFilter(r, ph.Chunk, phases.HeaderFilter, nil)
		if err != nil {
			return 0, err
		}
		if code != 0 {
			exit = code
		}
	}
	return exit, nil
}

// BodyFilter runs body_filter_by_lua handlers on one chunk.
func (f Filters) BodyFilter(r *phases.Request, hs []config.Handler, chunk []byte, eof bool) ([]byte, bool, error) {
	for _, h := range hs {
		ph, ok := h.(*PhaseHandler)
		if !ok {
			continue
		}
		w := r.Worker.(*Worker)
		args := []lua.LValue{lua.LString(chunk), lua.LBool(eof)}
		out, _, err := w.runFilter(r, ph.Chunk, phases.BodyFilter, args)
		if err != nil {
			return nil, false, err
		}
		chunk = []byte(lua.LVAsString(out[0]))
		if len(out) > 1 {
			eof = lua.LVAsBool(out[1])
		}
	}
	return chunk, eof, nil
}

// runFilter runs a filter chunk; it returns ngx.arg after the run and the
// status given to ngx.exit (0 for none).
func (w *Worker) runFilter(r *phases.Request, c *Chunk, ph phases.Phase, args []lua.LValue) ([]lua.LValue, int, error) {
	rs := State(r)
	took := w.lock(rs)
	defer w.unlock(rs, took)
	saved := r.Phase
	r.Phase = ph
	defer func() { r.Phase = saved }()
	fn, err := w.function(c)
	if err != nil {
		w.RT.Log.Log(errlog.Error, errlog.ForRequest(r), err.Error())
		return nil, 0, errFilter
	}
	t := w.newTask(r, ph)
	t.noYield, t.Args = true, args
	defer w.freeTask(t)
	res := w.runEntry(t, fn)
	if res.err != nil {
		w.logTask(t, errlog.Error, "failed to run "+ph.String()+"_by_lua*: "+errorText(res.err, plainTrace(t.trace)))
		// as nginx: a failed filter aborts the response
		r.Exit = CodeError
		if ph == phases.BodyFilter && r.Parent != nil {
			// the subrequest's output fails, and with it (as in nginx)
			// the whole request: the client connection closes
			main := r.Parent
			for main.Parent != nil {
				main = main.Parent
			}
			main.Terminated.Store(true)
		}
		return nil, 0, errFilter
	}
	_, code := t.Exited()
	return t.Args, code, nil
}

// plainTrace is a traceback as nginx logs it for the handlers it runs
// outside a coroutine (set_by_lua, the filters, log_by_lua): without the
// "coroutine 0:" line.
func plainTrace(trace string) string {
	return strings.Replace(trace, "stack traceback:\ncoroutine 0:", "stack traceback:", 1)
}

// NewFilters returns the filter runner of rt.
func NewFilters(rt *Runtime) Filters { return Filters{RT: rt} }
