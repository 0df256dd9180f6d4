package luaapi

import (
	"math"

	"github.com/goresty/goresty/internal/luavm"
	"github.com/goresty/goresty/luaapi/stdlib"
	"github.com/goresty/goresty/phases"
	lua "github.com/yuin/gopher-lua"
)

func init() { register(openOutput) }

func openOutput(a *api) {
	a.fn(a.ngx, "say", pOutput, func(L *lua.LState) int { return a.outputSay(L, "say", true) })
	a.fn(a.ngx, "print", pOutput, func(L *lua.LState) int { return a.outputSay(L, "print", false) })
	a.fn(a.ngx, "send_headers", pOutput, a.outputSendHeaders)
	a.yfn(a.ngx, "flush", pOutput, a.outputFlush)
	// eof answers "seen eof" after the end wherever it is, then checks its
	// phase itself (lua-nginx-module's order)
	a.yfn(a.ngx, "eof", pOutput|phases.BodyFilter.Bit()|phases.Log.Bit(), a.outputEOF)
}

// appendValue renders one ngx.say/print argument as OpenResty does.
// maxTableDepth bounds the nesting of the array tables ngx.say, ngx.print
// and tcpsock:send flatten.
const maxTableDepth = 100

// arg is the argument's number in error messages.
func (a *api) appendValue(L *lua.LState, arg int, b []byte, v lua.LValue, depth int) []byte {
	switch x := v.(type) {
	case lua.LString:
		return append(b, x...)
	case lua.LNumber:
		return stdlib.AppendNumberOut(b, float64(x))
	case lua.LBool:
		if x {
			return append(b, "true"...)
		}
		return append(b, "false"...)
	case *lua.LNilType:
		return append(b, "nil"...)
	case *lua.LUserData:
		if x == a.null {
			return append(b, "null"...)
		}
	case *lua.LTable:
		if depth >= maxTableDepth {
			// a table that holds itself would recurse until the Go stack
			// overflows and the process dies (OpenResty loops for good)
			L.ArgError(arg, "table nested too deeply")
		}
		n, ok := arrayLen(x)
		if !ok {
			L.ArgError(arg, "non-array table found")
		}
		for i := 1; i <= n; i++ {
			e := x.RawGetInt(i)
			switch e.(type) {
			case lua.LString, lua.LNumber, *lua.LTable:
				b = a.appendValue(L, arg, b, e, depth+1)
			case lua.LBool, *lua.LNilType:
				b = a.appendValue(L, arg, b, e, depth+1)
			default:
				if ud, ok := e.(*lua.LUserData); ok && ud == a.null {
					b = append(b, "null"...)
					continue
				}
				L.ArgError(arg, "bad data type "+e.Type().String()+" found")
			}
		}
		return b
	}
	L.ArgError(arg, "string, number, boolean, nil, ngx.null, or array table expected, but got "+v.Type().String())
	return b
}

// arrayLen is the largest key of t when every key of t is a whole number
// of at least 1 (its nils print as "nil"); ok is false for any other key,
// where OpenResty refuses the table as "non-array". A border (t.Len())
// would stop at the first nil and let other keys pass unseen.
func arrayLen(t *lua.LTable) (n int, ok bool) {
	ok = true
	t.ForEach(func(k, _ lua.LValue) {
		f, isNum := k.(lua.LNumber)
		if !isNum || f < 1 || math.Floor(float64(f)) != float64(f) {
			ok = false
			return
		}
		if int(f) > n {
			n = int(f)
		}
	})
	return n, ok
}

// maxSayBuf is the largest ngx.say buffer kept for the next call.
const maxSayBuf = 64 << 10

func (a *api) outputSay(L *lua.LState, name string, nl bool) int {
	r := a.req(L)
	top := L.GetTop()
	b := a.sayBuf[:0]
	a.sayBuf = nil
	defer func() {
		if cap(b) <= maxSayBuf {
			a.sayBuf = b
		}
	}()
	for i := 1; i <= top; i++ {
		b = a.appendValue(L, i, b, L.Get(i), 0)
	}
	if nl {
		b = append(b, '\n')
	}
	if r.Finished {
		L.Push(lua.LNil)
		L.Push(lua.LString("seen eof"))
		return 2
	}
	if err := r.Out.Write(r, b, false); err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	L.Push(lua.LNumber(1))
	return 1
}

func (a *api) outputSendHeaders(L *lua.LState) int {
	r := a.req(L)
	// a second call is a no-op that succeeds, as in nginx
	if !r.HeaderSent {
		if o, ok := r.Out.(interface{ SendHeaderNow(*phases.Request) }); ok {
			o.SendHeaderNow(r)
		} else {
			r.Out.SendHeader(r)
		}
	}
	L.Push(lua.LNumber(1))
	return 1
}

func (a *api) outputFlush(L *lua.LState) int {
	r := a.req(L)
	// ngx.flush(true) waits for the client to take the bytes; goresty's
	// asynchronous flush (false) also runs as an operation, so the bytes
	// go out now and the worker is free meanwhile either way
	wait := L.OptBool(1, false)
	if r.Finished {
		L.Push(lua.LNil)
		L.Push(lua.LString("seen eof"))
		return 2
	}
	if !r.HeaderSent || r.BodySent == 0 && !wait {
		// as nginx: nothing to send before the headers, nor (unless
		// waiting for them to go out) before the first body byte
		L.Push(lua.LNil)
		L.Push(lua.LString("nothing to flush"))
		return 2
	}
	// as nginx: the flush is an empty buffer through the body filters
	if fc, ok := r.Out.(interface{ FlushChunk(*phases.Request) error }); ok {
		fc.FlushChunk(r)
	}
	f, ok := r.Out.(interface{ FlushOutput() })
	if !ok {
		L.Push(lua.LNumber(1))
		return 1
	}
	return luavm.Await(L, a.w, 1, func() []lua.LValue {
		f.FlushOutput()
		return []lua.LValue{lua.LNumber(1)}
	})
}

func (a *api) outputEOF(L *lua.LState) int {
	r := a.req(L)
	if L.GetTop() != 0 {
		utilRaise(L, "no argument is expected")
	}
	t := a.task()
	if r.Finished || t != nil && t.Phase == phases.BodyFilter && len(t.Args) > 1 && lua.LVAsBool(t.Args[1]) {
		// the end went out already (a body filter sees it in its last chunk)
		L.Push(lua.LNil)
		L.Push(lua.LString("seen eof"))
		return 2
	}
	a.check(L, pOutput)
	r.Out.Write(r, nil, true)
	f, ok := r.Out.(interface{ Finish() })
	if !ok {
		L.Push(lua.LNumber(1))
		return 1
	}
	// the response goes to the client now; the handler goes on working
	return luavm.Await(L, a.w, 1, func() []lua.LValue {
		f.Finish()
		return []lua.LValue{lua.LNumber(1)}
	})
}
