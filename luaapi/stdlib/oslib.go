package stdlib

import (
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"syscall"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// The os library functions whose gopher-lua versions differ from LuaJIT's
// (os.date and os.getenv are in osdate.go).

// openOSLib installs them into L's os table and removes gopher-lua's
// os.setenv, which LuaJIT does not have.
func openOSLib(L *lua.LState) {
	o, ok := L.GetGlobal("os").(*lua.LTable)
	if !ok {
		return
	}
	for name, fn := range map[string]lua.LGFunction{
		"clock": osClock, "difftime": osDifftime, "execute": osExecute, "exit": osExit,
		"remove": osRemove, "rename": osRename, "setlocale": osSetlocale, "time": osTime,
		"tmpname": osTmpname,
	} {
		o.RawSetString(name, L.NewFunction(fn))
	}
	o.RawSetString("setenv", lua.LNil)
}

// osExit is os.exit: in nginx it ends the worker process (with
// master_process off, the whole server); goresty's workers share one
// process, so the call is refused.
func osExit(L *lua.LState) int {
	raise(L, "os.exit is not supported by goresty")
	return 0
}

// osExecute is os.execute([cmd]): C's system(), so the result is the raw
// wait status (exit code * 256, or the signal number), and 1 without a
// command (a shell is available). The worker waits for the command.
func osExecute(L *lua.LState) int {
	if L.Get(1) == lua.LNil {
		L.Push(lua.LNumber(1))
		return 1
	}
	cmd := exec.Command("/bin/sh", "-c", checkString(L, 1))
	cmd.Stdout, cmd.Stderr, cmd.Env = os.Stdout, stderr(L), environ(L)
	status := -1
	if err := cmd.Run(); err == nil || errors.As(err, new(*exec.ExitError)) {
		ps := cmd.ProcessState
		if ws, ok := ps.Sys().(interface {
			Signaled() bool
			Signal() syscall.Signal
		}); ok && ws.Signaled() {
			status = int(ws.Signal())
		} else {
			status = ps.ExitCode() << 8
		}
	}
	L.Push(lua.LNumber(status))
	return 1
}

// osRemove is os.remove(path): C's remove(), which removes empty
// directories too.
func osRemove(L *lua.LState) int {
	path := checkString(L, 1)
	err := syscall.Unlink(path)
	if errors.Is(err, syscall.EISDIR) || errors.Is(err, syscall.EPERM) {
		if rerr := syscall.Rmdir(path); rerr == nil || !errors.Is(rerr, syscall.ENOTDIR) {
			err = rerr
		}
	}
	return fileResult(L, err, path)
}

// osRename is os.rename(from, to): C's rename() (Go's os.Rename refuses to
// replace a directory); errors name the first path.
func osRename(L *lua.LState) int {
	from, to := checkString(L, 1), checkString(L, 2)
	return fileResult(L, syscall.Rename(from, to), from)
}

// osTmpname is os.tmpname: like LuaJIT's mkstemp, the name is
// /tmp/lua_XXXXXX and the file is created, empty.
func osTmpname(L *lua.LState) int {
	const chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	for range 100 {
		b := []byte("/tmp/lua_XXXXXX")
		for i := len(b) - 6; i < len(b); i++ {
			b[i] = chars[rand.IntN(len(chars))]
		}
		f, err := os.OpenFile(string(b), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			f.Close()
			L.Push(lua.LString(b))
			return 1
		}
		if !errors.Is(err, os.ErrExist) {
			break
		}
	}
	raise(L, "unable to generate a unique filename")
	return 0
}

// osSetlocale is os.setlocale([locale [, category]]): goresty runs in the
// C locale (nginx's environment has no LANG), so only it can be set.
func osSetlocale(L *lua.LState) int {
	var loc string
	if L.Get(1) != lua.LNil {
		loc = checkString(L, 1)
	}
	checkOption(L, 2, "all", "all", "collate", "ctype", "monetary", "numeric", "time")
	switch loc {
	case "", "C", "POSIX":
		L.Push(lua.LString("C"))
	default:
		L.Push(lua.LNil)
	}
	return 1
}

// osDifftime is os.difftime(t2 [, t1]): both are whole seconds (time_t)
// first, as in C.
func osDifftime(L *lua.LState) int {
	t2 := toInt64(checkNumber(L, 1))
	t1 := toInt64(optNumber(L, 2, 0))
	L.Push(lua.LNumber(float64(t2 - t1)))
	return 1
}

// osTime is os.time([t]): now, or C's mktime of the table in local time
// (fields out of range carry over, isdst shifts by an hour when it
// disagrees with the zone, -1 is nil).
func osTime(L *lua.LState) int {
	if L.Get(1) == lua.LNil {
		L.Push(lua.LNumber(time.Now().Unix()))
		return 1
	}
	t := checkTable(L, 1)
	sec := dateField(L, t, "sec", 0)
	minute := dateField(L, t, "min", 0)
	hour := dateField(L, t, "hour", 12)
	day := dateField(L, t, "day", -1)
	month := dateField(L, t, "month", -1)
	year := dateField(L, t, "year", -1)
	tm := time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.Local)
	unix := tm.Unix()
	if v := L.GetField(t, "isdst"); v != lua.LNil {
		if dst := lua.LVAsBool(v); dst != tm.IsDST() {
			if dst {
				unix -= 3600
			} else {
				unix += 3600
			}
		}
	}
	if unix == -1 {
		L.Push(lua.LNil)
	} else {
		L.Push(lua.LNumber(unix))
	}
	return 1
}

// dateField reads an integer field of an os.time table (numbers and
// numeric strings, cut to a C int); a missing one is def, or an error
// when def is negative.
func dateField(L *lua.LState, t *lua.LTable, key string, def int) int {
	var f float64
	ok := false
	switch v := L.GetField(t, key).(type) {
	case lua.LNumber:
		f, ok = float64(v), true
	case lua.LString:
		f, ok = parseNumber(string(v))
	}
	if ok {
		return int(int32(toInt64(f)))
	}
	if def < 0 {
		raise(L, "field '%s' missing in date table", key)
	}
	return def
}
