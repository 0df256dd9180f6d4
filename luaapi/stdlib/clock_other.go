//go:build !unix

package stdlib

import (
	"time"

	lua "github.com/yuin/gopher-lua"
)

var startedAt = time.Now()

// osClock is os.clock; without getrusage, the time since start.
func osClock(L *lua.LState) int {
	L.Push(lua.LNumber(time.Since(startedAt).Seconds()))
	return 1
}
