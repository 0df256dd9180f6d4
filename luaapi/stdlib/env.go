package stdlib

import (
	"io"
	"os"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Environ gives the environment Lua code sees (os.getenv) and hands to
// the commands it runs (os.execute, io.popen), as "NAME=value" entries.
type Environ func() []string

const environKey = "goresty.environ"

// SetEnviron makes env the environment of L's os.getenv, os.execute and
// io.popen. Without it they see the process's environment. nginx clears
// a worker's environment except TZ and the variables named by "env"
// directives; the embedder decides (luaapi does as nginx).
func SetEnviron(L *lua.LState, env Environ) {
	ud := L.NewUserData()
	ud.Value = env
	L.G.Registry.RawSetString(environKey, ud)
}

// environ is L's environment, nil for the process's.
func environ(L *lua.LState) []string {
	if ud, ok := L.G.Registry.RawGetString(environKey).(*lua.LUserData); ok {
		if env, ok := ud.Value.(Environ); ok {
			return env()
		}
	}
	return nil
}

func osGetenv(L *lua.LState) int {
	name := checkString(L, 1)
	env := environ(L)
	if env == nil {
		env = os.Environ()
	}
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			L.Push(lua.LString(v))
			return 1
		}
	}
	L.Push(lua.LNil)
	return 1
}

const stderrKey = "goresty.stderr"

// SetStderr makes w where L's io.stderr writes go, and the standard error
// of the commands os.execute and io.popen run (nginx points its stderr at
// the error log). Without it they use the process's.
func SetStderr(L *lua.LState, w io.Writer) {
	ud := L.NewUserData()
	ud.Value = w
	L.G.Registry.RawSetString(stderrKey, ud)
}

// stderr is L's standard error.
func stderr(L *lua.LState) io.Writer {
	if ud, ok := L.G.Registry.RawGetString(stderrKey).(*lua.LUserData); ok {
		if w, ok := ud.Value.(io.Writer); ok {
			return w
		}
	}
	return os.Stderr
}
