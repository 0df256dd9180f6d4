//go:build unix

package stdlib

import (
	"syscall"

	lua "github.com/yuin/gopher-lua"
)

// osClock is os.clock: the CPU time of the process (all workers) in
// seconds, as C's clock() gives it for one nginx worker.
func osClock(L *lua.LState) int {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		L.Push(lua.LNumber(-1))
		return 1
	}
	ns := ru.Utime.Nano() + ru.Stime.Nano()
	L.Push(lua.LNumber(float64(ns) / 1e9))
	return 1
}
