package luaapi

import (
	"fmt"

	"github.com/goresty/goresty/luaapi/lrucache"
	"github.com/goresty/goresty/luaapi/shared"
	"github.com/goresty/goresty/shdict"
)

// zones are the shared dict zones of the process: they survive a reload
// when name and size are unchanged, as in nginx. They are kept per prefix,
// so two servers in one process (tests, embedding) do not share them.
var zones = shdict.NewZones()

func init() { register(openShared) }

func openShared(a *api) {
	dicts := map[string]*shdict.Dict{}
	for _, sd := range a.w.RT.Main.SharedDicts {
		d, err := zones.Get(a.w.RT.Plan.Prefix+"\x00"+sd.Name, sd.Size)
		if err != nil {
			a.openErr = fmt.Errorf("%v in %s:%d", err, sd.File, sd.Line)
			return
		}
		dicts[sd.Name] = d
	}
	a.ngx.RawSetString("shared", shared.New(a.L, dicts))
	lrucache.Preload(a.L)
}
