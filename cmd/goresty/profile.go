package main

import (
	"net/http"
	_ "net/http/pprof" // served only when GORESTY_PPROF is set
	"os"
	"runtime"
	"runtime/pprof"
)

// startProfile writes a CPU profile to $GORESTY_CPUPROFILE until goresty
// exits, and serves net/http/pprof on $GORESTY_PPROF (development aids for
// the benchmarks; see BENCHMARKS.md).
//
// Without GORESTY_PPROF nothing reads heap profiles, so the runtime's
// sampling of allocations is turned off: it records a stack every 512 KB
// allocated, ~2k instructions per W3 request (1.5 %).
func startProfile() func() {
	if addr := os.Getenv("GORESTY_PPROF"); addr != "" {
		// net/http/pprof on its own address, for memory and goroutine profiles
		go http.ListenAndServe(addr, nil)
	} else {
		runtime.MemProfileRate = 0
	}
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
