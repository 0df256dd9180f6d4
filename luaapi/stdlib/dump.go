package stdlib

import (
	"bytes"
	"runtime"
	"sync"
	"weak"

	lua "github.com/yuin/gopher-lua"
)

// string.dump. LuaJIT dumps bytecode; gopher-lua has no bytecode format.
// goresty dumps the source instead: a chunk compiled by load or
// loadstring keeps its source text (until the chunk is collected), and
// string.dump(f) of such a chunk gives "\27" + a goresty tag, the chunk
// name and the source, which load and loadstring compile again. The dump
// starts with "\27" as LuaJIT's does, so code that tells dumps from source
// that way (lua-resty-template) keeps working, and it survives a restart.
// Functions defined inside a chunk cannot be dumped.

const dumpMagic = "\x1bGoRestyDump\x00"

// dumpStripped is the chunk name of a dump without debug information.
const dumpStripped = "\x01"

type dumpSource struct{ name, src string }

var dumpSources sync.Map // weak.Pointer[lua.FunctionProto] -> dumpSource

// rememberSource keeps the source of a chunk load compiled, for string.dump.
func rememberSource(p *lua.FunctionProto, name string, src []byte) {
	k := weak.Make(p)
	dumpSources.Store(k, dumpSource{name, string(src)})
	runtime.AddCleanup(p, func(k weak.Pointer[lua.FunctionProto]) { dumpSources.Delete(k) }, k)
}

// strDump is string.dump(f [, strip]).
func strDump(L *lua.LState) int {
	fn, ok := L.Get(1).(*lua.LFunction)
	if !ok {
		argExpected(L, 1, "function")
	}
	if fn.IsG {
		L.RaiseError("unable to dump given function")
	}
	v, ok := dumpSources.Load(weak.Make(fn.Proto))
	if !ok {
		L.RaiseError("unable to dump given function (goresty dumps only chunks made by load or loadstring)")
	}
	ds := v.(dumpSource)
	name := ds.name
	if lua.LVAsBool(L.Get(2)) {
		name = dumpStripped
	}
	L.Push(lua.LString(dumpMagic + name + "\x00" + ds.src))
	return 1
}

// strip removes the debug information of p and its functions, as loading
// a stripped LuaJIT dump gives: no line numbers, no variable names.
func strip(p *lua.FunctionProto) {
	for i := range p.DbgSourcePositions {
		p.DbgSourcePositions[i] = 0
	}
	p.DbgLocals = nil
	p.DbgCalls = nil
	for i := range p.DbgUpvalues {
		p.DbgUpvalues[i] = ""
	}
	for _, c := range p.FunctionPrototypes {
		strip(c)
	}
}

// undump returns the chunk name and source of a goresty dump.
func undump(b []byte) (name string, src []byte, ok bool) {
	if !bytes.HasPrefix(b, []byte(dumpMagic)) {
		return "", nil, false
	}
	rest := b[len(dumpMagic):]
	i := bytes.IndexByte(rest, 0)
	if i < 0 {
		return "", nil, false
	}
	return string(rest[:i]), rest[i+1:], true
}
