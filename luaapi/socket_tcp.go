package luaapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/goresty/goresty/cosocket"
	"github.com/goresty/goresty/internal/errlog"
	"github.com/goresty/goresty/internal/luavm"
	"github.com/goresty/goresty/luaapi/stdlib"
	lua "github.com/yuin/gopher-lua"
)

func init() { register(openSocket) }

// sockAPI is ngx.socket in one worker VM.
type sockAPI struct {
	a            *api
	st           *sockState
	tcpMT, udpMT *lua.LTable
}

// tcpSock is the Go side of an ngx.socket.tcp object: a Lua table whose
// [1] holds it in a userdata.
type tcpSock struct {
	s    *cosocket.TCPSocket
	conf *sockConf
	// id stands for nginx's upstream pointer in log lines; 0 until a
	// connect was tried.
	id atomic.Uint64
	// sendBroken is set by a send timeout: OpenResty closes the writing
	// side then, the engine keeps it open.
	sendBroken atomic.Bool
	// eof is set when a read met the end of the stream, and kept until
	// the next connect: OpenResty's closed-socket log lines show it.
	eof    atomic.Bool
	sessUD *lua.LUserData // the session last handed to Lua
}

// connectLua is ngx.socket.connect: tcp() then connect(), all on line 1
// of a chunk named as OpenResty's, whose errors point at
// "ngx.socket.connect:1:".
const connectLua = `local tcp = ... return function(...) local sock = tcp() local ok, err = sock:connect(...) if not ok then return nil, err end return sock end`

func openSocket(a *api) {
	L := a.L
	sa := &sockAPI{a: a, st: a.sockets(), tcpMT: L.NewTable(), udpMT: L.NewTable()}
	t := a.sub("socket")
	tcp := L.NewFunction(sa.socketTCP)
	t.RawSetString("tcp", tcp)
	t.RawSetString("stream", tcp)
	t.RawSetString("udp", L.NewFunction(sa.socketUDP))
	p, err := stdlib.Compile([]byte(connectLua), "=ngx.socket.connect")
	if err != nil {
		panic(err)
	}
	L.Push(L.NewFunctionFromProto(p))
	L.Push(tcp)
	L.Call(1, 1)
	t.RawSetString("connect", L.Get(-1))
	L.Pop(1)

	mt := sa.tcpMT
	mt.RawSetString("__index", mt)
	for name, f := range map[string]lua.LGFunction{
		"connect": sa.tcpConnect, "sslhandshake": sa.tcpSSLHandshake, "send": sa.tcpSend,
		"receive": sa.tcpReceive, "receiveany": sa.tcpReceiveAny, "receiveuntil": sa.tcpReceiveUntil,
		"close": sa.tcpClose, "setkeepalive": sa.tcpSetKeepalive, "getreusedtimes": sa.tcpGetReusedTimes,
		"settimeout": sa.tcpSetTimeout, "settimeouts": sa.tcpSetTimeouts, "setoption": sa.tcpSetOption,
		"getoption": sa.tcpGetOption, "bind": sa.tcpBind, "setclientcert": sa.tcpSetClientCert,
	} {
		mt.RawSetString(name, L.NewFunction(f))
	}
	sa.openUDP()
}

// socketTCP is ngx.socket.tcp (and ngx.socket.stream).
func (sa *sockAPI) socketTCP(L *lua.LState) int {
	noArgs(L)
	t, c := sa.a.checkSocketPhase(L)
	// one allocation for the socket, its engine and its Lua userdata (W5
	// makes a socket per request)
	o := &struct {
		ud   lua.LUserData
		ts   tcpSock
		sock cosocket.TCPSocket
	}{}
	o.sock.Init(c.cfg, sa.st.pool)
	o.ts.s, o.ts.conf = &o.sock, c
	o.ud.Env, o.ud.Metatable = L.Env, lua.LNil
	L.Push(sa.objectIn(L, &o.ud, t, &o.ts, sa.tcpMT, &o.ts))
	return 1
}

// object makes the Lua table of a socket; the socket is closed when the
// request ends, as OpenResty's are.
func (sa *sockAPI) object(L *lua.LState, t *luavm.Task, v any, mt *lua.LTable, closer io.Closer) *lua.LTable {
	return sa.objectIn(L, L.NewUserData(), t, v, mt, closer)
}

// objectIn is object with the userdata given.
func (sa *sockAPI) objectIn(L *lua.LState, ud *lua.LUserData, t *luavm.Task, v any, mt *lua.LTable, closer io.Closer) *lua.LTable {
	tb := L.CreateTable(1, 0)
	ud.Value = v
	tb.Metatable = mt
	tb.RawSetInt(1, ud)
	if t != nil && t.R != nil {
		luavm.State(t.R).AddCloser(closer)
	}
	return tb
}

// Close closes the socket (at the end of its request).
func (ts *tcpSock) Close() error { return ts.s.Close() }

func (sa *sockAPI) nextID() uint64 {
	sa.st.mu.Lock()
	defer sa.st.mu.Unlock()
	sa.st.ids++
	return sa.st.ids<<4 | 0x7f0000000000
}

// checkTCP returns the socket of the method's object (argument 1).
func (sa *sockAPI) checkTCP(L *lua.LState, method string) *tcpSock {
	tb, ok := L.Get(1).(*lua.LTable)
	if !ok {
		selfArgError(L, method, "table expected, got "+L.Get(1).Type().String())
	}
	if ud, ok := tb.RawGetInt(1).(*lua.LUserData); ok {
		if ts, ok := ud.Value.(*tcpSock); ok {
			return ts
		}
	}
	// any other table is a socket that never connected, as in OpenResty:
	// its methods answer "closed"
	return &tcpSock{s: cosocket.NewTCP(nil, nil), conf: sa.a.sockConfFor(sa.a.task())}
}

// closedRecv answers a receive on a socket with nothing to read: OpenResty
// checks this before it looks at the pattern.
func (sa *sockAPI) closedRecv(L *lua.LState, ts *tcpSock) (int, bool) {
	if !ts.s.ReadClosed() {
		return 0, false
	}
	sa.a.sockLog(sa.a.task(), ts.conf, errlog.Error, ts.closedLine("receive"))
	L.Push(lua.LNil)
	L.Push(lua.LString("closed"))
	return 2, true
}

// connectOptions reads the options table of connect (argument n).
func connectOptions(L *lua.LState, n int, tb *lua.LTable) cosocket.ConnectOptions {
	var o cosocket.ConnectOptions
	if tb == nil {
		return o
	}
	switch v := tb.RawGetString("pool").(type) {
	case *lua.LNilType:
	case lua.LString:
		o.Pool = string(v)
	case lua.LNumber:
		o.Pool = stdlib.FormatNumber(float64(v))
	default:
		sockArgError(L, n, "connect", `bad "pool" option type: `+v.Type().String())
	}
	switch v := tb.RawGetString("pool_size").(type) {
	case *lua.LNilType:
	case lua.LNumber:
		if int(v) <= 0 {
			sockArgError(L, n, "connect", fmt.Sprintf(`bad "pool_size" option value: %d`, int(v)))
		}
		o.PoolSize = int(v)
	default:
		sockArgError(L, n, "connect", `bad "pool_size" option type: `+v.Type().String())
	}
	if v, ok := tb.RawGetString("backlog").(lua.LNumber); ok {
		if int(v) < 0 {
			sockArgError(L, n, "connect", fmt.Sprintf(`bad "backlog" option value: %d`, int(v)))
		}
		o.Backlog, o.BacklogSet = int(v), true
	}
	return o
}

// tcpConnect is tcpsock:connect(host, port [, opts]) and
// tcpsock:connect("unix:/path" [, opts]).
func (sa *sockAPI) tcpConnect(L *lua.LState) int {
	n := L.GetTop()
	if n < 2 || n > 4 {
		sockRaise(L, "ngx.socket connect: expecting 2, 3, or 4 arguments (including the object), but seen %d", n)
	}
	ts := sa.checkTCP(L, "connect")
	host, ok := L.Get(2).(lua.LString)
	if !ok {
		if num, isNum := L.Get(2).(lua.LNumber); isNum {
			host = lua.LString(stdlib.FormatNumber(float64(num)))
		} else {
			sockArgError(L, 2, "connect", "string expected, got "+L.Get(2).Type().String())
		}
	}
	port, optArg := 0, 4
	if isUnix(string(host)) {
		optArg = 3
	} else {
		p, ok := luaInt(L.Get(3))
		if !ok {
			L.Push(lua.LNil)
			L.Push(lua.LString("missing the port number"))
			return 2
		}
		if p < 0 || p > 65535 {
			L.Push(lua.LNil)
			L.Push(lua.LString(fmt.Sprintf("bad port number: %d", p)))
			return 2
		}
		port = int(p)
	}
	tb, _ := L.Get(optArg).(*lua.LTable)
	opts := connectOptions(L, optArg, tb)
	if ts.id.Load() == 0 {
		ts.id.Store(sa.nextID())
	}
	arg := string(host)
	h, dport, perr := parseHost(arg, port)
	if perr != "" {
		L.Push(lua.LNil)
		L.Push(lua.LString(`failed to parse host name "` + arg + `": ` + perr))
		return 2
	}
	resolve := needsResolve(h) // a name, not an address
	if resolve && ts.conf.resolver == nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(`no resolver defined to resolve "` + arg + `"`))
		return 2
	}
	if opts.Pool == "" && (resolve || h != arg && !isUnix(h)) {
		// the pool is named after the arguments, not the address dialled
		opts.Pool = cosocket.PoolKey(arg, port)
	}
	port = dport
	ts.sendBroken.Store(false)
	ts.eof.Store(false)
	if !resolve {
		// a pool hit takes no wait, so no yield
		if ok, err := ts.s.ConnectPooled(h, port, opts); err != nil || ok {
			return pushResult(L, err)
		}
	}
	t := sa.a.task()
	return sa.a.sockAwait(L, t, -1, func() []lua.LValue {
		addr := h
		if resolve {
			ip, err := resolveHost(context.Background(), h, ts.conf.cfg.ConnectTimeout)
			if err != nil {
				return errVals(err.Error())
			}
			addr = ip
		}
		if err := ts.s.Connect(context.Background(), addr, port, opts); err != nil {
			if isUnix(arg) {
				addr = arg // nginx names the path as given
			}
			sa.logConnect(t, ts.conf, addr, port, err)
			return errVals(cosocket.ErrString(err))
		}
		return vals(lua.LNumber(1))
	})
}

// logConnect logs a failed connect as nginx does.
func (sa *sockAPI) logConnect(t *luavm.Task, c *sockConf, host string, port int, err error) {
	if errors.Is(err, cosocket.ErrTimeout) {
		sa.a.sockLog(t, c, errlog.Error, fmt.Sprintf("lua tcp socket connect timed out, when connecting to %s:%d", host, port))
		return
	}
	errno, ok := errnoOf(err)
	if !ok {
		return
	}
	lv := connectLogLevel(errno)
	if isUnix(host) {
		sa.a.sockLog(t, c, lv, fmt.Sprintf("connect() to %s failed (%d: %s)", host, int(errno), strerror(errno)))
		return
	}
	sa.a.sockLog(t, c, lv, fmt.Sprintf("connect() failed (%d: %s)", int(errno), strerror(errno)))
}

// sawEOF records that a read met the end of the stream (a socket that
// never connected has none).
func (ts *tcpSock) sawEOF() {
	if _, err := ts.s.GetReusedTimes(); err == nil {
		ts.eof.Store(true)
	}
}

// closedLine is the text OpenResty logs for I/O on a closed socket.
func (ts *tcpSock) closedLine(what string) string {
	var c, eof uint64
	if _, err := ts.s.GetReusedTimes(); err == nil {
		c = ts.id.Load() | 0x8
	}
	if ts.eof.Load() {
		eof = 1
	}
	return fmt.Sprintf("attempt to %s data on a closed socket: u:%016X, c:%016X, ft:0 eof:%d", what, ts.id.Load(), c, eof)
}

// tcpSend is tcpsock:send(data).
func (sa *sockAPI) tcpSend(L *lua.LState) int {
	if n := L.GetTop(); n != 2 {
		sockRaise(L, "expecting 2 arguments (including the object), but got %d", n)
	}
	ts := sa.checkTCP(L, "send")
	t := sa.a.task()
	if ts.sendBroken.Load() || ts.s.WriteClosed() {
		sa.a.sockLog(t, ts.conf, errlog.Error, ts.closedLine("send"))
		L.Push(lua.LNil)
		L.Push(lua.LString("closed"))
		return 2
	}
	data := appendSendData(L, nil, L.Get(2), true)
	// what the connection takes at once goes out without a yield, as in
	// OpenResty; the rest waits
	sent, done, err := ts.s.TrySend(data)
	if done && err == nil {
		L.Push(lua.LNumber(sent))
		return 1
	}
	data = data[sent:]
	return sa.a.sockAwait(L, t, -1, func() []lua.LValue {
		n, err := ts.s.Send(data)
		n += sent
		if err == nil {
			return vals(lua.LNumber(n))
		}
		switch errno, isErrno := errnoOf(err); {
		case errors.Is(err, cosocket.ErrClosed):
			sa.a.sockLog(t, ts.conf, errlog.Error, ts.closedLine("send"))
		case errors.Is(err, cosocket.ErrTimeout):
			ts.sendBroken.Store(true)
			sa.a.sockLog(t, ts.conf, errlog.Error, "lua tcp socket write timed out")
		case isErrno:
			sa.a.sockLog(t, ts.conf, errlog.Error, fmt.Sprintf("send() failed (%d: %s)", int(errno), strerror(errno)))
		}
		return errVals(cosocket.ErrString(err))
	})
}

// recvFailed builds the results of a failed read and logs it.
func (sa *sockAPI) recvFailed(t *luavm.Task, ts *tcpSock, partial string, err error) []lua.LValue {
	errno, isErrno := errnoOf(err)
	if errors.Is(err, cosocket.ErrClosed) {
		ts.sawEOF()
	}
	switch {
	case errors.Is(err, cosocket.ErrTimeout):
		sa.a.sockLog(t, ts.conf, errlog.Error, "lua tcp socket read timed out")
	case isErrno:
		sa.a.sockLog(t, ts.conf, errlog.Error, fmt.Sprintf("recv() failed (%d: %s)", int(errno), strerror(errno)))
	case errors.Is(err, cosocket.ErrClosed) && !cosocket.HasPartial(err):
		sa.a.sockLog(t, ts.conf, errlog.Error, ts.closedLine("receive"))
	}
	if cosocket.HasPartial(err) {
		return vals(lua.LNil, lua.LString(cosocket.ErrString(err)), lua.LString(partial))
	}
	return errVals(cosocket.ErrString(err))
}

// tcpReceive is tcpsock:receive([pattern]): "*l" (default), "*a" or a size.
func (sa *sockAPI) tcpReceive(L *lua.LState) int {
	n := L.GetTop()
	if n < 1 || n > 2 {
		sockRaise(L, "expecting 1 or 2 arguments (including the object), but got %d", n)
	}
	ts := sa.checkTCP(L, "receive")
	if n, ok := sa.closedRecv(L, ts); ok {
		return n
	}
	mode, size := byte('l'), 0
	if n == 2 {
		v := L.Get(2)
		if f, ok := luaNumber(v); ok {
			v = lua.LNumber(f) // a numeric string is a size, as lua_isnumber has it
		}
		switch v := v.(type) {
		case lua.LString:
			if len(v) != 2 || v[0] != '*' {
				sockArgError(L, 2, "receive", "bad pattern argument: "+string(v))
			}
			mode = v[1]
			if mode != 'l' && mode != 'a' {
				sockArgError(L, 2, "receive", "bad pattern argument")
			}
		case lua.LNumber:
			if v < 0 {
				sockArgError(L, 2, "receive", "bad pattern argument")
			}
			mode, size = 'n', int(v)
		default:
			sockArgError(L, 2, "receive", "bad pattern argument")
		}
	}
	t := sa.a.task()
	if (mode == 'l' || mode == 'n' && size > 0) && ts.s.Buffered(size) {
		// the answer is already in the buffer: no wait, so no yield (and
		// no closure or result slice to allocate)
		data, err := receiveMode(ts.s, mode, size)
		if err != nil {
			res := sa.recvFailed(t, ts, data, err)
			for _, v := range res {
				L.Push(v)
			}
			return len(res)
		}
		L.Push(lua.LString(data))
		return 1
	}
	return sa.a.sockAwait(L, t, -1, func() []lua.LValue {
		data, err := receiveMode(ts.s, mode, size)
		if err != nil {
			return sa.recvFailed(t, ts, data, err)
		}
		return vals(lua.LString(data))
	})
}

// receiveMode is receive's read: a line ('l'), all ('a') or size bytes.
func receiveMode(s *cosocket.TCPSocket, mode byte, size int) (string, error) {
	switch mode {
	case 'l':
		return s.ReceiveLine()
	case 'a':
		return s.ReceiveAll()
	}
	return s.Receive(size)
}

// tcpReceiveAny is tcpsock:receiveany(max).
func (sa *sockAPI) tcpReceiveAny(L *lua.LState) int {
	if n := L.GetTop(); n != 2 {
		sockRaise(L, "expecting 2 arguments (including the object), but got %d", n)
	}
	ts := sa.checkTCP(L, "receiveany")
	if n, ok := sa.closedRecv(L, ts); ok {
		return n
	}
	max, ok := luaInt(L.Get(2))
	if !ok || max <= 0 {
		sockArgError(L, 2, "receiveany", "bad max argument")
	}
	t := sa.a.task()
	return sa.a.sockAwait(L, t, -1, func() []lua.LValue {
		data, err := ts.s.ReceiveAny(int(max))
		if err != nil {
			return sa.recvFailed(t, ts, data, err)
		}
		return vals(lua.LString(data))
	})
}

// tcpReceiveUntil is tcpsock:receiveuntil(pattern [, {inclusive = b}]):
// it returns an iterator that takes an optional size.
func (sa *sockAPI) tcpReceiveUntil(L *lua.LState) int {
	n := L.GetTop()
	if n < 2 || n > 3 {
		sockRaise(L, "expecting 2 or 3 arguments (including the object), but got %d", n)
	}
	ts := sa.checkTCP(L, "receiveuntil")
	var pat string
	switch v := L.Get(2).(type) {
	case lua.LString:
		pat = string(v)
	case lua.LNumber:
		pat = stdlib.FormatNumber(float64(v))
	default:
		sockArgError(L, 2, "receiveuntil", "string expected, got "+v.Type().String())
	}
	inclusive := false
	if n == 3 && L.Get(3) != lua.LNil {
		tb, ok := L.Get(3).(*lua.LTable)
		if !ok {
			sockArgError(L, 3, "receiveuntil", "table expected, got "+L.Get(3).Type().String())
		}
		switch v := tb.RawGetString("inclusive").(type) {
		case *lua.LNilType:
		case lua.LBool:
			inclusive = bool(v)
		default:
			sockRaise(L, `bad "inclusive" option value type: %s`, v.Type().String())
		}
	}
	r, err := ts.s.ReceiveUntil(pat, inclusive)
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(cosocket.ErrString(err)))
		return 2
	}
	it := L.NewFunction(func(L *lua.LState) int {
		size := 0
		if L.GetTop() >= 1 && L.Get(1) != lua.LNil {
			v, ok := stdlib.ToNumber(L.Get(1))
			if !ok {
				msg := "bad argument #1 to '?' (number expected, got " + L.Get(1).Type().String() + ")"
				if pos := callerPos(L); pos != "" {
					msg = pos + " " + msg
				}
				L.Error(lua.LString(msg), 0)
			}
			size = int(v)
		}
		t := sa.a.task()
		return sa.a.sockAwait(L, t, -1, func() []lua.LValue {
			data, ok, err := r.Read(size)
			switch {
			case err != nil && errors.Is(err, cosocket.ErrClosed) && !cosocket.HasPartial(err):
				// OpenResty's iterator does not log a closed socket
				ts.sawEOF()
				return errVals("closed")
			case err != nil:
				return sa.recvFailed(t, ts, data, err)
			case !ok:
				return vals(lua.LNil, lua.LNil, lua.LNil)
			}
			return vals(lua.LString(data))
		})
	})
	L.Push(it)
	return 1
}

// tcpClose is tcpsock:close().
func (sa *sockAPI) tcpClose(L *lua.LState) int {
	if n := L.GetTop(); n != 1 {
		sockRaise(L, "expecting 1 argument (including the object) but seen %d", n)
	}
	ts := sa.checkTCP(L, "close")
	return pushResult(L, ts.s.Close())
}

// pushResult returns 1 or nil, err.
func pushResult(L *lua.LState, err error) int {
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(cosocket.ErrString(err)))
		return 2
	}
	L.Push(lua.LNumber(1))
	return 1
}

// tcpSetKeepalive is tcpsock:setkeepalive([timeout [, size]]).
func (sa *sockAPI) tcpSetKeepalive(L *lua.LState) int {
	n := L.GetTop()
	if n < 1 || n > 3 {
		sockRaise(L, "expecting 1 to 3 arguments (including the object), but got %d", n)
	}
	ts := sa.checkTCP(L, "setkeepalive")
	idle := time.Duration(-1)
	if v, ok := L.Get(2).(lua.LNumber); ok && v >= 0 {
		idle = time.Duration(float64(v) * float64(time.Millisecond))
	}
	size := 0
	if v, ok := L.Get(3).(lua.LNumber); ok && v > 0 {
		size = int(v)
	}
	return pushResult(L, ts.s.SetKeepalive(idle, size))
}

// tcpGetReusedTimes is tcpsock:getreusedtimes().
func (sa *sockAPI) tcpGetReusedTimes(L *lua.LState) int {
	if n := L.GetTop(); n != 1 {
		sockRaise(L, "expecting 1 argument (including the object), but got %d", n)
	}
	ts := sa.checkTCP(L, "getreusedtimes")
	k, err := ts.s.GetReusedTimes()
	if err != nil {
		return pushResult(L, err)
	}
	L.Push(lua.LNumber(k))
	return 1
}

// timeoutArg reads a timeout in milliseconds; 0 (or not a number) means
// the directive's value.
func timeoutArg(L *lua.LState, n int) time.Duration {
	v, ok := L.Get(n).(lua.LNumber)
	if !ok {
		return 0
	}
	if v < 0 || v >= 1<<31 {
		sockRaise(L, "bad timeout value")
	}
	return time.Duration(float64(v) * float64(time.Millisecond))
}

// tcpSetTimeout is tcpsock:settimeout(ms).
func (sa *sockAPI) tcpSetTimeout(L *lua.LState) int {
	if n := L.GetTop(); n != 2 {
		sockRaise(L, "ngx.socket settimeout: expecting 2 arguments (including the object) but seen %d", n)
	}
	ts := sa.checkTCP(L, "settimeout")
	ts.s.SetTimeout(timeoutArg(L, 2))
	return 0 // no result at all, as select("#", sock:settimeout(1000)) shows on OpenResty
}

// tcpSetTimeouts is tcpsock:settimeouts(connect, send, read).
func (sa *sockAPI) tcpSetTimeouts(L *lua.LState) int {
	if n := L.GetTop(); n != 4 {
		sockRaise(L, "ngx.socket settimeout: expecting 4 arguments (including the object) but seen %d", n)
	}
	ts := sa.checkTCP(L, "settimeouts")
	ts.s.SetTimeouts(timeoutArg(L, 2), timeoutArg(L, 3), timeoutArg(L, 4))
	return 0
}

var sockOptions = map[string]bool{"keepalive": true, "reuseaddr": true, "tcp-nodelay": true, "sndbuf": true, "rcvbuf": true}

// connected raises OpenResty's error for options on a socket that has no
// connection.
func (ts *tcpSock) mustBeConnected(L *lua.LState) {
	if _, err := ts.s.GetReusedTimes(); err != nil {
		sockRaise(L, "socket is never created nor connected")
	}
}

// tcpSetOption is tcpsock:setoption(name, value).
func (sa *sockAPI) tcpSetOption(L *lua.LState) int {
	ts := sa.checkTCP(L, "setoption")
	ts.mustBeConnected(L)
	if L.Get(2) == lua.LNil {
		L.Push(lua.LNil)
		L.Push(lua.LString(`missing the "option" argument`))
		return 2
	}
	name := L.OptString(2, "")
	var v int
	switch x := L.Get(3).(type) {
	case *lua.LNilType:
		L.Push(lua.LNil)
		L.Push(lua.LString(`missing the "value" argument`))
		return 2
	case lua.LBool:
		if x {
			v = 1
		}
	case lua.LNumber:
		v = int(x)
	default:
		sockArgError(L, 3, "setoption", "number expected, got "+x.Type().String())
	}
	if !sockOptions[name] {
		L.Push(lua.LNil)
		L.Push(lua.LString("unsupported option " + name))
		return 2
	}
	if err := ts.s.SetOption(name, v); err != nil {
		return pushResult(L, err)
	}
	L.Push(lua.LTrue)
	return 1
}

// tcpGetOption is tcpsock:getoption(name).
func (sa *sockAPI) tcpGetOption(L *lua.LState) int {
	ts := sa.checkTCP(L, "getoption")
	ts.mustBeConnected(L)
	if L.Get(2) == lua.LNil {
		L.Push(lua.LNil)
		L.Push(lua.LString(`missing the "option" argument`))
		return 2
	}
	name := L.OptString(2, "")
	if !sockOptions[name] {
		L.Push(lua.LNil)
		L.Push(lua.LString("unsupported option " + name))
		return 2
	}
	v, err := ts.s.GetOption(name)
	if err != nil {
		return pushResult(L, err)
	}
	L.Push(lua.LNumber(v))
	return 1
}

// tcpBind is tcpsock:bind(ip).
func (sa *sockAPI) tcpBind(L *lua.LState) int {
	if n := L.GetTop(); n != 2 {
		sockRaise(L, "expecting 2 arguments, but got %d", n)
	}
	ts := sa.checkTCP(L, "bind")
	if err := ts.s.Bind(L.OptString(2, "")); err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString("bad address"))
		return 2
	}
	L.Push(lua.LTrue)
	return 1
}

func (sa *sockAPI) tcpSetClientCert(L *lua.LState) int {
	sockRaise(L, "tcpsock:setclientcert is not supported by goresty")
	return 0
}

// tcpSSLHandshake is tcpsock:sslhandshake(reused_session, server_name,
// ssl_verify, send_status_req): it returns a session userdata, or true
// when reused_session is false.
func (sa *sockAPI) tcpSSLHandshake(L *lua.LState) int {
	n := L.GetTop()
	if n < 1 || n > 5 {
		sockRaise(L, "ngx.socket sslhandshake: expecting 1 ~ 5 arguments (including the object), but seen %d", n)
	}
	ts := sa.checkTCP(L, "sslhandshake")
	ts.mustBeConnected(L)
	var o cosocket.TLSOptions
	noSession := L.Get(2) == lua.LFalse
	if ud, ok := L.Get(2).(*lua.LUserData); ok {
		if s, ok := ud.Value.(*cosocket.Session); ok {
			o.Session = s
		}
	}
	switch v := L.Get(3).(type) {
	case lua.LString:
		o.ServerName = string(v)
	case *lua.LNilType:
	default:
		sockArgError(L, 3, "sslhandshake", "string expected, got "+v.Type().String())
	}
	o.Verify = lua.LVAsBool(L.Get(4))
	if lua.LVAsBool(L.Get(5)) {
		sockRaise(L, "send_status_req (OCSP stapling) is not supported by goresty")
	}
	ud := L.NewUserData()
	t := sa.a.task()
	return sa.a.sockAwait(L, t, -1, func() []lua.LValue {
		sess, err := ts.s.SSLHandshake(context.Background(), o)
		if err != nil {
			var ve *cosocket.VerifyError
			switch {
			case errors.As(err, &ve):
				sa.a.sockLog(t, ts.conf, errlog.Error, "lua ssl certificate verify error: ("+ve.Error()+")")
			case errors.Is(err, cosocket.ErrNotTLS):
				// OpenSSL 3's words for a peer that answers in plain text
				sa.a.sockLog(t, ts.conf, errlog.Error, "SSL_do_handshake() failed (SSL: error:0A00010B:SSL routines::wrong version number)")
			case errors.Is(err, cosocket.ErrHostMismatch):
				sa.a.sockLog(t, ts.conf, errlog.Error, `lua ssl certificate does not match host "`+o.ServerName+`"`)
			}
			return errVals(cosocket.ErrString(err))
		}
		if noSession {
			return vals(lua.LTrue)
		}
		if ts.sessUD != nil && ts.sessUD.Value == sess {
			return vals(ts.sessUD)
		}
		ud.Value = sess
		ts.sessUD = ud
		return vals(ud)
	})
}
