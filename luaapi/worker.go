package luaapi

import (
	"os"
	"strconv"
	"strings"

	"github.com/goresty/goresty/internal/errlog"
	"github.com/goresty/goresty/luaapi/resty"
	"github.com/goresty/goresty/phases"
	lua "github.com/yuin/gopher-lua"
)

// The worker group: ngx.worker.*, ngx.config.*, and the ngx.process and
// ngx.errlog modules. goresty's workers are goroutines of one process, so
// every worker reports the same pid.

// NgxLuaVersion is the lua-nginx-module version goresty follows, as
// ngx.config.ngx_lua_version reports it (0.10.26).
const NgxLuaVersion = 10026

// RestyCoreVersion is the lua-resty-core release paired with
// NgxLuaVersion: the version field of ngx.process, ngx.errlog, ngx.base64
// and resty.core.
const RestyCoreVersion = resty.CoreVersion

func init() { register(openWorker) }

func openWorker(a *api) {
	w := a.sub("worker")
	a.fn(w, "id", pAll, func(L *lua.LState) int {
		L.Push(lua.LNumber(a.w.ID))
		return 1
	})
	a.fn(w, "count", pAll, func(L *lua.LState) int {
		L.Push(lua.LNumber(a.workerCount()))
		return 1
	})
	a.fn(w, "pid", pAll, func(L *lua.LState) int {
		L.Push(lua.LNumber(os.Getpid()))
		return 1
	})
	a.fn(w, "pids", pAll, func(L *lua.LState) int {
		t := L.NewTable()
		for range a.workerCount() {
			t.Append(lua.LNumber(os.Getpid()))
		}
		L.Push(t)
		return 1
	})
	a.fn(w, "exiting", pAll, func(L *lua.LState) int {
		L.Push(lua.LBool(a.w.RT.Exiting()))
		return 1
	})

	c := a.sub("config")
	c.RawSetString("subsystem", lua.LString("http"))
	c.RawSetString("debug", lua.LFalse)
	c.RawSetString("nginx_version", lua.LNumber(VersionNumber(phases.NginxVersion)))
	c.RawSetString("ngx_lua_version", lua.LNumber(NgxLuaVersion))
	a.fn(c, "prefix", pAll, func(L *lua.LState) int {
		L.Push(lua.LString(a.w.RT.Plan.Prefix))
		return 1
	})
	a.fn(c, "nginx_configure", pAll, func(L *lua.LState) int {
		L.Push(lua.LString(""))
		return 1
	})

	a.L.PreloadModule("ngx.process", a.openProcess)
	a.L.PreloadModule("ngx.errlog", a.openErrlog)
}

// workerCount is worker_processes: init_by_lua runs while the workers are
// being made, so RT.Workers is not complete yet.
func (a *api) workerCount() int {
	if n := a.w.RT.Plan.WorkerProcesses; n > 1 {
		return n
	}
	return 1
}

// VersionNumber turns "1.27.1" into 1027001, nginx's version number.
func VersionNumber(v string) int {
	n := 0
	for _, part := range strings.SplitN(v, ".", 3) {
		d, _ := strconv.Atoi(part)
		n = n*1000 + d
	}
	return n
}

// utilNotSupported returns a function raising "<name> is not supported by goresty".
func utilNotSupported(L *lua.LState, name string) *lua.LFunction {
	return L.NewFunction(func(L *lua.LState) int {
		utilRaise(L, name+" is not supported by goresty")
		return 0
	})
}

// openProcess is require "ngx.process".
func (a *api) openProcess(L *lua.LState) int {
	m := L.NewTable()
	m.RawSetString("version", lua.LString(RestyCoreVersion))
	m.RawSetString("type", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString(a.processType()))
		return 1
	}))
	m.RawSetString("get_master_pid", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LNumber(os.Getpid()))
		return 1
	}))
	m.RawSetString("enable_privileged_agent", utilNotSupported(L, "ngx.process.enable_privileged_agent"))
	m.RawSetString("signal_graceful_exit", utilNotSupported(L, "ngx.process.signal_graceful_exit"))
	L.Push(m)
	return 1
}

// processType is ngx.process.type(): "single" with master_process off,
// else "master" in init_by_lua and "worker" elsewhere.
func (a *api) processType() string {
	if !a.w.RT.Plan.MasterProcess {
		return "single"
	}
	if a.phase() == phases.Init {
		return "master"
	}
	return "worker"
}

// openErrlog is require "ngx.errlog".
func (a *api) openErrlog(L *lua.LState) int {
	m := L.NewTable()
	m.RawSetString("version", lua.LString(RestyCoreVersion))
	m.RawSetString("raw_log", L.NewFunction(a.errlogRawLog))
	m.RawSetString("get_sys_filter_level", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LNumber(a.sysFilterLevel()))
		return 1
	}))
	m.RawSetString("set_filter_level", utilNotSupported(L, "ngx.errlog.set_filter_level"))
	m.RawSetString("get_logs", utilNotSupported(L, "ngx.errlog.get_logs"))
	L.Push(m)
	return 1
}

// errlogRawLog is ngx.errlog.raw_log(level, msg): msg goes to the error
// log as it is, without the "[lua] file:line:" prefix.
func (a *api) errlogRawLog(L *lua.LState) int {
	lv, ok := L.Get(1).(lua.LNumber)
	if !ok {
		utilRaise(L, "bad argument #1 to 'raw_log' (must be a number)")
	}
	msg, ok := L.Get(2).(lua.LString)
	if !ok {
		utilRaise(L, "bad argument #2 to 'raw_log' (must be a string)")
	}
	if lv < lua.LNumber(errlog.Stderr) || lv > lua.LNumber(errlog.Debug) {
		utilRaise(L, "bad log level")
	}
	a.log(errlog.Level(lv), string(msg))
	return 0
}

// sysFilterLevel is the most verbose level any error log takes.
func (a *api) sysFilterLevel() errlog.Level {
	for lv := errlog.Debug; lv > errlog.Stderr; lv-- {
		if a.w.RT.Log.Enabled(lv) {
			return lv
		}
	}
	return errlog.Stderr
}
