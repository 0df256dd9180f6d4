package main

import (
	"os"
	"runtime/pprof"
)

// startProfile writes a CPU profile to $GORESTY_CPUPROFILE until goresty
// exits (a development aid for the benchmarks; see BENCHMARKS.md).
func startProfile() func() {
	path := os.Getenv("GORESTY_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
