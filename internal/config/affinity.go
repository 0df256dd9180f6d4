package config

import (
	"math/bits"

	"github.com/goresty/goresty/internal/nginxconf"
)

// MaxCPUs is the number of CPUs a worker_cpu_affinity mask can name (the
// size of Linux's cpu_set_t, as in nginx).
const MaxCPUs = 1024

// CPUSet is a set of CPUs: CPU #i is bit i%64 of word i/64.
type CPUSet [MaxCPUs / 64]uint64

// Add puts cpu into the set; numbers outside 0..MaxCPUs-1 are ignored.
func (s *CPUSet) Add(cpu int) {
	if cpu >= 0 && cpu < MaxCPUs {
		s[cpu/64] |= 1 << (cpu % 64)
	}
}

// Has reports whether cpu is in the set.
func (s *CPUSet) Has(cpu int) bool {
	return cpu >= 0 && cpu < MaxCPUs && s[cpu/64]&(1<<(cpu%64)) != 0
}

// Count returns the number of CPUs in the set.
func (s *CPUSet) Count() int {
	n := 0
	for _, w := range s {
		n += bits.OnesCount64(w)
	}
	return n
}

// CPUs lists the CPUs of the set in increasing order.
func (s *CPUSet) CPUs() []int {
	var out []int
	for i, w := range s {
		for w != 0 {
			b := bits.TrailingZeros64(w)
			out = append(out, i*64+b)
			w &^= 1 << b
		}
	}
	return out
}

// nth returns the n-th CPU of the set (from 0), or -1.
func (s *CPUSet) nth(n int) int {
	for i, w := range s {
		if c := bits.OnesCount64(w); n >= c {
			n -= c
			continue
		}
		for ; n > 0; n-- {
			w &= w - 1 // drop the lowest CPU
		}
		return i*64 + bits.TrailingZeros64(w)
	}
	return -1
}

// CPUAffinity is a worker_cpu_affinity directive.
type CPUAffinity struct {
	// Auto is "auto": worker i gets one CPU of Masks[0], the (i mod k)-th
	// of its k CPUs.
	Auto bool
	// Masks are the masks in configuration order (worker i uses mask i,
	// the workers after the last mask use the last one). With Auto it is
	// the one candidate set: the mask given, or CPUs 0..NumCPU-1.
	Masks []CPUSet
}

// Worker returns the CPUs worker i (from 0) is bound to; ok is false when
// the worker is not bound ("auto" with an empty mask).
func (a *CPUAffinity) Worker(i int) (set CPUSet, ok bool) {
	if a == nil || len(a.Masks) == 0 {
		return set, false
	}
	if a.Auto {
		m := &a.Masks[0]
		k := m.Count()
		if k == 0 {
			return set, false
		}
		set.Add(m.nth(i % k))
		return set, true
	}
	return a.Masks[min(i, len(a.Masks)-1)], true
}

// Union returns the CPUs of workers 0..n-1 together; ok is false when
// no worker is bound.
func (a *CPUAffinity) Union(n int) (set CPUSet, ok bool) {
	if a == nil || len(a.Masks) == 0 {
		return set, false
	}
	// past the last mask (or a full turn of "auto") nothing new comes
	limit := len(a.Masks)
	if a.Auto {
		limit = a.Masks[0].Count()
	}
	for i := range min(n, limit) {
		w, bound := a.Worker(i)
		if !bound {
			return set, false
		}
		if w.Count() == 0 {
			// nginx fails to bind such a worker (EINVAL, an alert) and it
			// runs on any CPU: the empty set gives the same alert here
			// and leaves the process unbound
			return CPUSet{}, true
		}
		for j := range set {
			set[j] |= w[j]
		}
		ok = true
	}
	return set, ok
}

// affinityWarning is what nginx warns when the masks do not match the
// workers one to one.
const affinityWarning = `the number of "worker_processes" is not equal to the number of "worker_cpu_affinity" masks, using last mask for remaining worker processes`

// checkAffinity adds the warnings about worker_cpu_affinity that need the
// whole main context (worker_processes may come after it).
func checkAffinity(p *Plan) {
	a := p.CPUAffinity
	if a != nil && !a.Auto && len(a.Masks) > 1 && len(a.Masks) != p.WorkerProcesses {
		p.Warnings = append(p.Warnings, affinityWarning)
	}
}

func setCPUAffinity(c *Ctx, d *nginxconf.Directive) error {
	a := &CPUAffinity{}
	masks := d.Args
	if masks[0] == "auto" {
		if len(masks) > 2 {
			return Errorf(d, `invalid number of arguments in "%s" directive`, d.Name)
		}
		a.Auto = true
		masks = masks[1:]
		if len(masks) == 0 {
			var all CPUSet
			for i := range min(numCPU(), MaxCPUs) {
				all.Add(i)
			}
			a.Masks = []CPUSet{all}
		}
	}
	for _, m := range masks {
		set, err := parseCPUMask(d, m)
		if err != nil {
			return err
		}
		a.Masks = append(a.Masks, set)
	}
	c.Plan.CPUAffinity = a
	return nil
}

// parseCPUMask reads a mask of '0' and '1' whose last character is CPU #0.
// Spaces (in a quoted mask) are skipped. The scan goes from the last
// character to the first, so the bad character reported is the rightmost.
func parseCPUMask(d *nginxconf.Directive, m string) (CPUSet, error) {
	var set CPUSet
	if len(m) > MaxCPUs {
		return set, Errorf(d, `"%s" supports up to %d CPUs only`, d.Name, MaxCPUs)
	}
	cpu := 0
	for i := len(m) - 1; i >= 0; i-- {
		switch m[i] {
		case ' ':
			continue
		case '1':
			set.Add(cpu)
		case '0':
		default:
			return set, Errorf(d, `invalid character "%s" in "%s"`, m[i:i+1], d.Name)
		}
		cpu++
	}
	return set, nil
}
