// Package luavm is goresty's Lua runtime: one gopher-lua VM per worker, a
// coroutine per handler invocation, and the scheduler that drives those
// coroutines through their yields.
//
// The yield protocol: a Go function that must wait (ngx.sleep, a cosocket
// read) records an operation on the running Task and yields a sentinel.
// Resume returns to the driver, which releases the VM, runs the operation
// on the request's own goroutine (never the VM's time), takes the VM again
// and resumes the coroutine with the operation's results. A worker's VM is
// a mutex-guarded LState: whichever goroutine holds the mutex runs Lua, so
// the VM never waits on I/O and no channel hand-off is needed when a
// handler does not yield.
//
// gopher-lua traps closed here: yields inside pcall/xpcall and inside user
// coroutines travel to the scheduler through Lua-level drivers (see
// coroutine.go); yielding Go functions are exposed through Lua wrappers
// that call them in non-tail position.
//
// Coroutines and Tasks are reused from per-worker free lists (pool.go);
// a coroutine left suspended by ngx.exit is unwound first.
package luavm
