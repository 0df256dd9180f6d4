//go:build !linux

package main

import (
	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/internal/errlog"
)

// applyAffinity says that worker_cpu_affinity is ignored: goresty binds
// CPUs on Linux only. It returns 0: the process is not bound.
func applyAffinity(p *config.Plan, log *errlog.Logger) int {
	if p.CPUAffinity != nil {
		log.Logf(errlog.Warn, `"worker_cpu_affinity" is not supported on this platform, ignored`)
	}
	return 0
}
