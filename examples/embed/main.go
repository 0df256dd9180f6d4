// Command embed starts goresty from Go and gives its Lua code a "zlib"
// module written in Go: where OpenResty code would reach zlib through
// LuaJIT's ffi.cdef, goresty code calls a Go function.
package main

import (
	"bytes"
	"compress/zlib"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/goresty/goresty"
	lua "github.com/yuin/gopher-lua"
)

// OpenZlib is the loader of the Lua module "zlib": compress and uncompress.
func OpenZlib(L *lua.LState) int {
	mod := L.NewTable()
	mod.RawSetString("compress", L.NewFunction(func(L *lua.LState) int {
		var buf bytes.Buffer
		w := zlib.NewWriter(&buf)
		w.Write([]byte(L.CheckString(1)))
		w.Close()
		L.Push(lua.LString(buf.String()))
		return 1
	}))
	mod.RawSetString("uncompress", L.NewFunction(func(L *lua.LState) int {
		r, err := zlib.NewReader(bytes.NewReader([]byte(L.CheckString(1))))
		if err != nil {
			L.Push(lua.LNil)
			L.Push(lua.LString(err.Error()))
			return 2
		}
		out, err := io.ReadAll(r)
		if err != nil {
			L.Push(lua.LNil)
			L.Push(lua.LString(err.Error()))
			return 2
		}
		L.Push(lua.LString(out))
		return 1
	}))
	L.Push(mod)
	return 1
}

func main() {
	prefix := flag.String("p", ".", "prefix")
	conf := flag.String("c", "nginx.conf", "configuration file")
	flag.Parse()
	goresty.RegisterModule("zlib", OpenZlib)
	srv, err := goresty.Start(*prefix, *conf)
	if err != nil {
		fmt.Fprintln(os.Stderr, "embed:", err)
		os.Exit(1)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	srv.Stop(true)
}
