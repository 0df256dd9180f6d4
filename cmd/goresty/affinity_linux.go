//go:build linux

package main

import (
	"errors"
	"os"
	"strconv"

	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/internal/errlog"
	"golang.org/x/sys/unix"
)

// startMask is the CPU mask goresty started with (before any pinning): a
// reload that drops worker_cpu_affinity gives it back, as nginx's fresh
// workers would run unbound.
var startMask, startMaskErr = threadMask()

// pinned tells that worker_cpu_affinity changed the threads' mask.
var pinned bool

func threadMask() (unix.CPUSet, error) {
	var s unix.CPUSet
	err := unix.SchedGetaffinity(0, &s)
	return s, err
}

// applyAffinity binds the whole process to the CPUs of p's workers
// (worker_cpu_affinity): goresty's workers are goroutines, so the process
// gets the union of their sets. Without the directive it restores the
// start mask. It returns how many CPUs the process is now bound to, 0 when
// it is not bound.
func applyAffinity(p *config.Plan, log *errlog.Logger) int {
	cpus, bind := p.CPUAffinity.Union(p.WorkerProcesses)
	if !bind {
		unpin(log)
		return 0
	}
	var mask unix.CPUSet
	for _, cpu := range cpus.CPUs() {
		log.Logf(errlog.Notice, "sched_setaffinity(): using cpu #%d", cpu)
		mask.Set(cpu)
	}
	changed, err := setThreadMasks(&mask)
	if err != nil {
		// nginx's worker goes on unbound; so does goresty
		log.Logf(errlog.Alert, "sched_setaffinity() failed (%s)", sysErr(err))
		pinned = pinned || changed
		unpin(log)
		return 0
	}
	pinned = true
	got, err := threadMask()
	if err != nil {
		return mask.Count()
	}
	return got.Count() // the kernel drops CPUs that are offline or not ours
}

// unpin gives the threads back the start mask if worker_cpu_affinity had
// changed it.
func unpin(log *errlog.Logger) {
	if !pinned || startMaskErr != nil {
		return
	}
	if _, err := setThreadMasks(&startMask); err != nil {
		log.Logf(errlog.Alert, "sched_setaffinity() failed (%s)", sysErr(err))
		return
	}
	pinned = false
}

// setThreadMasks sets the CPU mask of every thread of the process:
// sched_setaffinity changes one thread only, and the Go runtime has
// several. A thread started meanwhile by a thread not yet done inherits
// the old mask, so the threads are listed again until no new one shows.
// changed reports that some thread got the mask before an error.
func setThreadMasks(mask *unix.CPUSet) (changed bool, err error) {
	done := map[int]bool{}
	for {
		var tids []int
		if tids, err = threadIDs(); err != nil {
			return changed, err
		}
		fresh := false
		for _, tid := range tids {
			if done[tid] {
				continue
			}
			done[tid], fresh = true, true
			err = unix.SchedSetaffinity(tid, mask)
			if errors.Is(err, unix.ESRCH) {
				continue // the thread has exited
			}
			if err != nil {
				return changed, err
			}
			changed = true
		}
		if !fresh {
			return changed, nil
		}
	}
}

// threadIDs lists the threads of the process.
func threadIDs() ([]int, error) {
	ents, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return nil, err
	}
	tids := make([]int, 0, len(ents))
	for _, e := range ents {
		if tid, err := strconv.Atoi(e.Name()); err == nil {
			tids = append(tids, tid)
		}
	}
	return tids, nil
}
