package luaapi

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/goresty/goresty/cosocket"
	"github.com/goresty/goresty/internal/luavm"
	lua "github.com/yuin/gopher-lua"
)

func init() { register(openReqSocket) }

// openReqSocket installs ngx.req.socket: the request body as a read-only
// cosocket (receive, receiveuntil, receiveany...), as lua-resty-upload
// reads it. The raw full-duplex form (ngx.req.socket(true)) is not there yet.
func openReqSocket(a *api) {
	sa := &sockAPI{a: a, st: a.sockets(), tcpMT: a.L.NewTable(), udpMT: a.L.NewTable()}
	// tcpMT: the body socket (read-only); udpMT holds the raw socket's
	// metatable here (full duplex: send as well)
	mt, raw := sa.tcpMT, sa.udpMT
	for _, m := range []*lua.LTable{mt, raw} {
		m.RawSetString("__index", m)
		for name, f := range map[string]lua.LGFunction{"receive": sa.tcpReceive, "receiveany": sa.tcpReceiveAny,
			"receiveuntil": sa.tcpReceiveUntil, "settimeout": sa.tcpSetTimeout, "settimeouts": sa.tcpSetTimeouts,
			"close": sa.tcpClose} {
			m.RawSetString(name, a.L.NewFunction(f))
		}
	}
	raw.RawSetString("send", a.L.NewFunction(sa.tcpSend))
	a.yfn(a.sub("req"), "socket", pRewrite, func(L *lua.LState) int {
		if n := L.GetTop(); n > 1 {
			L.RaiseError("expecting zero arguments, but got %d", n) // sic: OpenResty's words
		}
		t, c := a.checkSocketPhase(L)
		r := t.R
		if r == nil {
			L.RaiseError("no request found")
		}
		if lua.LVAsBool(L.Get(1)) { // any true value asks for the raw socket
			return a.rawReqSocket(L, sa, t, c)
		}
		if r.BodyRead {
			L.Push(lua.LNil)
			L.Push(lua.LString("request body already exists"))
			return 2
		}
		if r.HTTP.Body == nil || r.HTTP.Body == http.NoBody || r.HTTP.ContentLength == 0 {
			L.Push(lua.LNil)
			L.Push(lua.LString("no body"))
			return 2
		}
		// the body is the socket's now: read_body and friends see none
		r.BodyRead = true
		cfg := *c.cfg
		body := &bodyConn{r: r.HTTP.Body, local: r.LocalAddr}
		cfg.Dial = func(context.Context, string, string) (net.Conn, error) { return body, nil }
		ts := &tcpSock{s: cosocket.NewTCP(&cfg, nil), conf: c}
		sock := sa.object(L, t, ts, mt, ts)
		return luavm.Await(L, a.w, -1, func() []lua.LValue {
			if err := ts.s.Connect(context.Background(), "127.0.0.1", 1, cosocket.ConnectOptions{}); err != nil {
				return []lua.LValue{lua.LNil, lua.LString(cosocket.ErrString(err))}
			}
			return []lua.LValue{sock}
		})
	})
}

// bodyConn is a request body seen as a read-only connection.
type bodyConn struct {
	r     io.Reader
	local net.Addr
}

var errReadOnly = errors.New("the request body socket is read-only")

func (b *bodyConn) Read(p []byte) (int, error)       { return b.r.Read(p) }
func (b *bodyConn) Write(p []byte) (int, error)      { return 0, errReadOnly }
func (b *bodyConn) Close() error                     { return nil }
func (b *bodyConn) LocalAddr() net.Addr              { return b.local }
func (b *bodyConn) RemoteAddr() net.Addr             { return b.local }
func (b *bodyConn) SetDeadline(time.Time) error      { return nil }
func (b *bodyConn) SetReadDeadline(time.Time) error  { return nil }
func (b *bodyConn) SetWriteDeadline(time.Time) error { return nil }

type hijacker interface {
	Hijack() (net.Conn, *bufio.Reader, error)
}

// rawReqSocket is ngx.req.socket(true): the client connection itself, full
// duplex, after what the handler produced so far was sent (websocket
// servers send their 101 first). The socket closes when the request ends.
func (a *api) rawReqSocket(L *lua.LState, sa *sockAPI, t *luavm.Task, c *sockConf) int {
	r := t.R
	hj, ok := r.Out.(hijacker)
	if !ok || r.Subrequest {
		L.Push(lua.LNil)
		L.Push(lua.LString("raw request socket is not available here"))
		return 2
	}
	if st := stateOf(r); st.rawSocket {
		L.Push(lua.LNil)
		L.Push(lua.LString("duplicate call"))
		return 2
	} else {
		st.rawSocket = true
	}
	cfg := *c.cfg
	ts := &tcpSock{s: cosocket.NewTCP(&cfg, nil), conf: c}
	sock := sa.object(L, t, ts, sa.udpMT, ts)
	return luavm.Await(L, a.w, -1, func() []lua.LValue {
		conn, br, err := hj.Hijack()
		if err != nil {
			return []lua.LValue{lua.LNil, lua.LString(err.Error())}
		}
		raw := &rawConn{Conn: conn, r: br}
		cfg.Dial = func(context.Context, string, string) (net.Conn, error) { return raw, nil }
		if err := ts.s.Connect(context.Background(), "127.0.0.1", 1, cosocket.ConnectOptions{}); err != nil {
			conn.Close()
			return []lua.LValue{lua.LNil, lua.LString(cosocket.ErrString(err))}
		}
		return []lua.LValue{sock}
	})
}

// rawConn is a taken-over client connection: bytes net/http had already
// buffered are read first.
type rawConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *rawConn) Read(p []byte) (int, error) { return c.r.Read(p) }
