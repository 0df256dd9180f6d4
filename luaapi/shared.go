package luaapi

import (
	"fmt"
	"sync"

	"github.com/goresty/goresty/luaapi/lrucache"
	"github.com/goresty/goresty/luaapi/shared"
	"github.com/goresty/goresty/shdict"
)

// zones are the shared dict zones of the process: they survive a reload
// when name and size are unchanged, as in nginx. They are kept per prefix,
// so two servers in one process (tests, embedding) do not share them; a
// zone's own name stays the name from the config, because nginx's slab
// bookkeeping (and so the room left for items) depends on its length.
var (
	zonesMu   sync.Mutex
	zonesByPx = map[string]*shdict.Zones{}
)

func zonesFor(prefix string) *shdict.Zones {
	zonesMu.Lock()
	defer zonesMu.Unlock()
	z := zonesByPx[prefix]
	if z == nil {
		z = shdict.NewZones()
		zonesByPx[prefix] = z
	}
	return z
}

func init() { register(openShared) }

func openShared(a *api) {
	dicts := map[string]*shdict.Dict{}
	zones := zonesFor(a.w.RT.Plan.Prefix)
	for _, sd := range a.w.RT.Main.SharedDicts {
		d, err := zones.Get(sd.Name, sd.Size)
		if err != nil {
			a.openErr = fmt.Errorf("%v in %s:%d", err, sd.File, sd.Line)
			return
		}
		dicts[sd.Name] = d
	}
	a.ngx.RawSetString("shared", shared.New(a.L, dicts, func() int64 { return a.w.Now().UnixMilli() }))
	lrucache.Preload(a.L)
}
