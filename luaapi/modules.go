package luaapi

import (
	"sync"

	lua "github.com/yuin/gopher-lua"
)

var (
	modMu   sync.Mutex
	modules = map[string]lua.LGFunction{}
)

// RegisterModule makes a Go-implemented Lua module available to
// require(name) in every VM opened afterwards (the embedding API).
func RegisterModule(name string, loader lua.LGFunction) {
	modMu.Lock()
	defer modMu.Unlock()
	modules[name] = loader
}

func init() { register(openModules) }

func openModules(a *api) {
	modMu.Lock()
	defer modMu.Unlock()
	for name, loader := range modules {
		a.L.PreloadModule(name, loader)
	}
}
