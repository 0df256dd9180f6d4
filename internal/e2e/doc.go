// Package e2e holds end-to-end tests of the Lua runtime through a real
// server: the yield traps, light threads, timers, subrequests, the runaway
// guard and the benchmarks of a whole request.
package e2e
