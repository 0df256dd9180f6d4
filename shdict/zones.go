package shdict

import "sync"

// Zones is the registry of dicts by name. A reload asks it again for every
// lua_shared_dict of the new config: a zone whose name and size are unchanged
// keeps its contents, as in nginx.
type Zones struct {
	opts []Option

	mu    sync.Mutex
	zones map[string]*Dict
}

// NewZones returns an empty registry; opts apply to every dict it creates.
func NewZones(opts ...Option) *Zones {
	return &Zones{opts: opts, zones: make(map[string]*Dict)}
}

// Get returns the zone called name, creating it when it does not exist or
// when its size changed (the old contents are then dropped).
func (z *Zones) Get(name string, size int64) (*Dict, error) {
	z.mu.Lock()
	defer z.mu.Unlock()
	if d := z.zones[name]; d != nil && d.size == size {
		return d, nil
	}
	d, err := New(name, size, z.opts...)
	if err != nil {
		return nil, err
	}
	z.zones[name] = d
	return d, nil
}

// Retain forgets every zone whose name is not in names, after a reload whose
// config no longer declares them.
func (z *Zones) Retain(names []string) {
	keep := make(map[string]bool, len(names))
	for _, n := range names {
		keep[n] = true
	}
	z.mu.Lock()
	defer z.mu.Unlock()
	for n := range z.zones {
		if !keep[n] {
			delete(z.zones, n)
		}
	}
}
