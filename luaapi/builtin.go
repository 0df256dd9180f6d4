package luaapi

import (
	"sync"

	lua "github.com/yuin/gopher-lua"

	"github.com/goresty/goresty/luaapi/stdlib"
)

// A builtin is a module goresty ships as Lua source (resty.lock,
// resty.limit.req...). It is compiled once per process, when a worker
// first requires it, and its prototype is shared by the workers as a
// chunk's is. Compiled at every worker's start instead, the modules a
// configuration never requires cost each worker ~600 KB of prototypes
// that the collector marked at every cycle.
type builtin struct {
	name, src string // the chunk name and the source
	once      sync.Once
	proto     *lua.FunctionProto
	err       error
}

// compiled returns the module's prototype, compiling it the first time.
func (b *builtin) compiled() (*lua.FunctionProto, error) {
	b.once.Do(func() { b.proto, b.err = stdlib.Compile([]byte(b.src), b.name) })
	return b.proto, b.err
}

// preload makes require(module) run the builtin's chunk with args and
// return its first result.
func (b *builtin) preload(L *lua.LState, module string, args ...lua.LValue) {
	L.PreloadModule(module, func(L *lua.LState) int {
		proto, err := b.compiled()
		if err != nil {
			L.RaiseError("%s", err.Error())
		}
		L.Push(L.NewFunctionFromProto(proto))
		for _, v := range args {
			L.Push(v)
		}
		L.Call(len(args), 1)
		return 1
	})
}
