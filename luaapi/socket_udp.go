package luaapi

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/goresty/goresty/cosocket"
	"github.com/goresty/goresty/internal/errlog"
	lua "github.com/yuin/gopher-lua"
)

// udpSock is the Go side of an ngx.socket.udp object.
type udpSock struct {
	u    *cosocket.UDPSocket
	conf *sockConf
	id   atomic.Uint64 // nginx's upstream pointer in log lines; 0 until setpeername
}

// Close closes the socket (at the end of its request).
func (us *udpSock) Close() error { return us.u.Close() }

func (sa *sockAPI) openUDP() {
	L := sa.a.L
	mt := sa.udpMT
	mt.RawSetString("__index", mt)
	mt.RawSetString("setpeername", L.NewFunction(sa.udpSetPeerName))
	mt.RawSetString("receive", L.NewFunction(sa.udpReceive))
	for name, f := range map[string]lua.LGFunction{
		"send": sa.udpSend, "close": sa.udpClose, "settimeout": sa.udpSetTimeout, "bind": sa.udpBind,
	} {
		mt.RawSetString(name, L.NewFunction(f))
	}
}

// socketUDP is ngx.socket.udp.
func (sa *sockAPI) socketUDP(L *lua.LState) int {
	noArgs(L)
	t, c := sa.a.checkSocketPhase(L)
	us := &udpSock{u: cosocket.NewUDP(c.cfg), conf: c}
	L.Push(sa.object(L, t, us, sa.udpMT, us))
	return 1
}

func (sa *sockAPI) checkUDP(L *lua.LState, method string) *udpSock {
	tb, ok := L.Get(1).(*lua.LTable)
	if !ok {
		selfArgError(L, method, "table expected, got "+L.Get(1).Type().String())
	}
	if ud, ok := tb.RawGetInt(1).(*lua.LUserData); ok {
		if us, ok := ud.Value.(*udpSock); ok {
			return us
		}
	}
	// any other table is a socket without a peer, as in OpenResty
	c := sa.a.sockConfFor(sa.a.task())
	return &udpSock{u: cosocket.NewUDP(c.cfg), conf: c}
}

func (us *udpSock) closedLine(what string) string {
	return fmt.Sprintf("attempt to %s data on a closed socket: u:%016X, c:0000000000000000", what, us.id.Load())
}

// udpSetPeerName is udpsock:setpeername(host, port) and
// udpsock:setpeername("unix:/path").
func (sa *sockAPI) udpSetPeerName(L *lua.LState) int {
	n := L.GetTop()
	if n < 2 || n > 3 {
		sockRaise(L, "ngx.socket.udp setpeername: expecting 2 or 3 arguments (including the object), but seen %d", n)
	}
	us := sa.checkUDP(L, "setpeername")
	arg := L.OptString(2, "")
	port := 0
	if !isUnix(arg) {
		if p, ok := luaInt(L.Get(3)); ok {
			if p < 0 || p > 65535 {
				L.Push(lua.LNil)
				L.Push(lua.LString(fmt.Sprintf("bad port number: %d", p)))
				return 2
			}
			port = int(p)
		}
	}
	host, port, perr := parseHost(arg, port)
	if perr != "" {
		L.Push(lua.LNil)
		L.Push(lua.LString(`failed to parse host name "` + arg + `": ` + perr))
		return 2
	}
	if needsResolve(host) && us.conf.resolver == nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(`no resolver defined to resolve "` + arg + `"`))
		return 2
	}
	if us.id.Load() == 0 {
		us.id.Store(sa.nextID())
	}
	t := sa.a.task()
	return sa.a.sockAwait(L, t, -1, func() []lua.LValue {
		addr := host
		if needsResolve(host) {
			ip, err := resolveHost(context.Background(), host, us.conf.cfg.ConnectTimeout)
			if err != nil {
				return errVals(err.Error())
			}
			addr = ip
		}
		if err := us.u.SetPeerName(context.Background(), addr, port); err != nil {
			if errno, ok := errnoOf(err); ok {
				sa.a.sockLog(t, us.conf, connectLogLevel(errno), fmt.Sprintf("connect() failed (%d: %s)", int(errno), strerror(errno)))
			}
			return errVals(cosocket.ErrString(err))
		}
		return vals(lua.LNumber(1))
	})
}

// udpSend is udpsock:send(data); it does not block.
func (sa *sockAPI) udpSend(L *lua.LState) int {
	if n := L.GetTop(); n != 2 {
		sockRaise(L, "expecting 2 arguments (including the object), but got %d", n)
	}
	us := sa.checkUDP(L, "send")
	if us.u.Closed() {
		// OpenResty answers this before it looks at the data
		sa.a.sockLog(sa.a.task(), us.conf, errlog.Error, us.closedLine("send"))
		L.Push(lua.LNil)
		L.Push(lua.LString("closed"))
		return 2
	}
	data := appendSendData(L, nil, L.Get(2), true)
	err := us.u.Send(data)
	if err != nil {
		t := sa.a.task()
		if errors.Is(err, cosocket.ErrClosed) {
			sa.a.sockLog(t, us.conf, errlog.Error, us.closedLine("send"))
		} else if errno, ok := errnoOf(err); ok {
			sa.a.sockLog(t, us.conf, errlog.Error, fmt.Sprintf("send() failed (%d: %s)", int(errno), strerror(errno)))
		}
	}
	return pushResult(L, err)
}

// udpReceive is udpsock:receive([size]).
func (sa *sockAPI) udpReceive(L *lua.LState) int {
	n := L.GetTop()
	if n < 1 || n > 2 {
		sockRaise(L, "expecting 1 or 2 arguments (including the object), but got %d", n)
	}
	us := sa.checkUDP(L, "receive")
	if us.u.Closed() {
		// OpenResty answers this before it looks at the size
		sa.a.sockLog(sa.a.task(), us.conf, errlog.Error, us.closedLine("receive"))
		L.Push(lua.LNil)
		L.Push(lua.LString("closed"))
		return 2
	}
	size := 0
	if n == 2 {
		v, ok := luaNumber(L.Get(2))
		if !ok {
			sockArgError(L, 2, "receive", "number expected, got "+L.Get(2).Type().String())
		}
		size = int(v)
	}
	t := sa.a.task()
	return sa.a.sockAwait(L, t, -1, func() []lua.LValue {
		data, err := us.u.Receive(size)
		if err == nil {
			return vals(lua.LString(data))
		}
		errno, isErrno := errnoOf(err)
		switch {
		case errors.Is(err, cosocket.ErrClosed):
			sa.a.sockLog(t, us.conf, errlog.Error, us.closedLine("receive"))
		case errors.Is(err, cosocket.ErrTimeout):
			sa.a.sockLog(t, us.conf, errlog.Error, "lua udp socket read timed out")
		case isErrno:
			sa.a.sockLog(t, us.conf, errlog.Error, fmt.Sprintf("recv() failed (%d: %s)", int(errno), strerror(errno)))
		}
		return errVals(cosocket.ErrString(err))
	})
}

// udpClose is udpsock:close().
func (sa *sockAPI) udpClose(L *lua.LState) int {
	us := sa.checkUDP(L, "close")
	return pushResult(L, us.u.Close())
}

// udpSetTimeout is udpsock:settimeout(ms).
func (sa *sockAPI) udpSetTimeout(L *lua.LState) int {
	if n := L.GetTop(); n != 2 {
		sockRaise(L, "ngx.socket settimeout: expecting at least 2 arguments (including the object) but seen %d", n)
	}
	us := sa.checkUDP(L, "settimeout")
	us.u.SetTimeout(timeoutArg(L, 2))
	return 0
}

// udpBind is udpsock:bind(ip) (newer OpenResty releases have it).
func (sa *sockAPI) udpBind(L *lua.LState) int {
	us := sa.checkUDP(L, "bind")
	if err := us.u.Bind(L.OptString(2, "")); err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString("bad address"))
		return 2
	}
	L.Push(lua.LTrue)
	return 1
}
