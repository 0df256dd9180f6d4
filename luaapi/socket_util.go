package luaapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/goresty/goresty/cosocket"
	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/internal/errlog"
	"github.com/goresty/goresty/internal/luavm"
	"github.com/goresty/goresty/luaapi/stdlib"
	"github.com/goresty/goresty/phases"
	lua "github.com/yuin/gopher-lua"
)

// sockConf is what a socket takes from its location's directives.
type sockConf struct {
	cfg       *cosocket.Config
	logErrors bool     // lua_socket_log_errors
	allPhases bool     // lua_cosocket_in_all_phases (goresty extension)
	resolver  []string // the resolver directive; nil: names do not resolve
}

// sockState is the per-worker state of the cosocket API.
type sockState struct {
	pool    *cosocket.Pool
	mu      sync.Mutex
	confs   map[*luavm.LocConf]*sockConf
	mainCfg *sockConf
	ids     uint64
}

const sockStateKey = "luaapi.socket"

// sockets returns the worker's cosocket state, making it (and its
// keepalive pool, closed with the VM) on first use.
func (a *api) sockets() *sockState {
	if st, ok := a.w.Data[sockStateKey].(*sockState); ok {
		return st
	}
	st := &sockState{pool: cosocket.NewPool()}
	a.w.Data[sockStateKey] = st
	a.w.OnClose(st.pool.Close)
	return st
}

// sockConfFor returns the socket configuration of the running task: its
// request's location (for a timer, the location of the request that
// started it), or the http block for init_worker and timers started there.
func (a *api) sockConfFor(t *luavm.Task) *sockConf {
	st := a.sockets()
	var where any
	if t != nil && t.R != nil {
		where = t.R.Loc
	} else if t != nil {
		where = t.TimerLoc
	}
	if loc, ok := where.(*config.Location); ok && loc != nil {
		lc := luavm.Loc(loc)
		st.mu.Lock()
		defer st.mu.Unlock()
		if c := st.confs[lc]; c != nil {
			return c
		}
		if st.confs == nil {
			st.confs = map[*luavm.LocConf]*sockConf{}
		}
		res, _ := loc.Ext["resolver"].([]string)
		c := a.buildSockConf(lc.Settings, res)
		st.confs[lc] = c
		return c
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.mainCfg == nil {
		res, _ := a.w.RT.Plan.Ext["resolver"].([]string)
		st.mainCfg = a.buildSockConf(a.w.RT.Main.Settings, res)
	}
	return st.mainCfg
}

func (a *api) buildSockConf(set map[string]string, resolver []string) *sockConf {
	c := &sockConf{cfg: &cosocket.Config{}, logErrors: true, resolver: resolver}
	dur := func(name string) time.Duration {
		if v, ok := set[name]; ok {
			if d, ok := config.ParseTime(v, time.Second); ok {
				if d == 0 {
					return -1 // 0 in nginx.conf: no timeout
				}
				return d
			}
		}
		return 0
	}
	c.cfg.ConnectTimeout = dur("lua_socket_connect_timeout")
	c.cfg.SendTimeout = dur("lua_socket_send_timeout")
	c.cfg.ReadTimeout = dur("lua_socket_read_timeout")
	c.cfg.KeepaliveTimeout = dur("lua_socket_keepalive_timeout")
	if v, ok := set["lua_socket_buffer_size"]; ok {
		if n, ok := config.ParseSize(v); ok {
			c.cfg.BufferSize = int(n)
		}
	}
	if v, ok := set["lua_socket_pool_size"]; ok {
		if n, err := strconv.Atoi(v); err == nil {
			c.cfg.PoolSize = n
		}
	}
	if v, ok := set["lua_ssl_verify_depth"]; ok {
		if n, err := strconv.Atoi(v); err == nil {
			c.cfg.VerifyDepth = n
		}
	}
	if v, ok := set["lua_ssl_trusted_certificate"]; ok {
		pool, err := cosocket.LoadTrustedCertificate(a.w.RT.Plan.ConfPath(v))
		if err != nil {
			a.w.RT.Log.Log(errlog.Error, nil, err.Error())
		}
		c.cfg.TrustedCAs = pool
	}
	c.logErrors = set["lua_socket_log_errors"] != "off"
	c.allPhases = set["lua_cosocket_in_all_phases"] == "on"
	return c
}

// Phases where cosockets may be created; lua_cosocket_in_all_phases adds
// the filters and the log phase.
const (
	pSocket    = pYield
	pSocketAll = pYield | 1<<phases.HeaderFilter | 1<<phases.BodyFilter | 1<<phases.Log
)

// checkSocketPhase raises OpenResty's error when cosockets are not
// allowed in the running phase, and returns the socket configuration.
func (a *api) checkSocketPhase(L *lua.LState) (*luavm.Task, *sockConf) {
	t := a.task()
	ph := a.phase()
	if ph == phases.Init {
		sockRaise(L, "no request found")
	}
	if pSocket.Has(ph) {
		return t, a.sockConfFor(t)
	}
	if pSocketAll.Has(ph) {
		if c := a.sockConfFor(t); c.allPhases {
			return t, c
		}
	}
	sockRaise(L, "API disabled in the context of %s", ph.Context())
	return nil, nil
}

// sockAwait runs op as the result of the calling method: it yields in
// the phases that can, and runs op in place (blocking the worker) in the
// header and body filters, which lua_cosocket_in_all_phases opens.
func (a *api) sockAwait(L *lua.LState, t *luavm.Task, nret int, op luavm.Op) int {
	if t != nil && (t.Phase == phases.HeaderFilter || t.Phase == phases.BodyFilter) {
		vals := op()
		for _, v := range vals {
			L.Push(v)
		}
		return len(vals)
	}
	return luavm.Await(L, a.w, nret, op)
}

// sockLog writes a socket error-log line in t's context, as OpenResty
// does when lua_socket_log_errors is on. It may run off the VM.
func (a *api) sockLog(t *luavm.Task, c *sockConf, lv errlog.Level, msg string) {
	if !c.logErrors {
		return
	}
	var ctx *errlog.Context
	if t != nil && t.R != nil {
		ctx = errlog.ForRequest(t.R)
	} else if t != nil && t.Phase == phases.Timer {
		ctx = t.TimerLogContext()
	}
	a.w.RT.Log.Log(lv, ctx, msg)
}

// callerPos returns the "source:line:" of the Lua code that called the
// running Go function, skipping goresty's own wrappers, or "" when the
// caller is a Go function (pcall(sock.send, ...)).
func callerPos(L *lua.LState) string {
	for level := 1; ; level++ {
		dbg, ok := L.GetStack(level)
		if !ok {
			return ""
		}
		if _, err := L.GetInfo("Sl", dbg, lua.LNil); err != nil {
			return ""
		}
		if dbg.Source == "[goresty]" {
			continue
		}
		if luavm.TailCalled(dbg) {
			// "return ngx.sleep(x)": in LuaJIT the Go function took the
			// place of this frame, so the position is its caller's
			if dbg, ok = luavm.CallerFrame(L, dbg, level); !ok {
				return ""
			}
			if _, err := L.GetInfo("Sl", dbg, lua.LNil); err != nil || dbg.Source == "[goresty]" {
				return ""
			}
		}
		if dbg.What == "G" || dbg.CurrentLine <= 0 {
			return ""
		}
		return dbg.Source + ":" + strconv.Itoa(dbg.CurrentLine) + ":"
	}
}

// sockRaise is luaL_error for socket methods.
func sockRaise(L *lua.LState, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if pos := callerPos(L); pos != "" {
		msg = pos + " " + msg
	}
	L.Error(lua.LString(msg), 0)
}

// sockArgError is luaL_argerror for a method's argument n (counting the
// object as 1): LuaJIT names the method and counts from its first real
// argument when Lua code calls it, and says '?' and counts the object
// when it is called through pcall.
func sockArgError(L *lua.LState, n int, method, msg string) {
	if pos := callerPos(L); pos != "" {
		L.Error(lua.LString(fmt.Sprintf("%s bad argument #%d to '%s' (%s)", pos, n-1, method, msg)), 0)
	}
	L.Error(lua.LString(fmt.Sprintf("bad argument #%d to '?' (%s)", n, msg)), 0)
}

// selfArgError is luaL_argerror for a method's object (argument 1): it is
// argument #1 whether Lua code or pcall calls the method, since a method
// call (sock:m()) cannot pass a bad object.
func selfArgError(L *lua.LState, method, msg string) {
	if pos := callerPos(L); pos != "" {
		L.Error(lua.LString(fmt.Sprintf("%s bad argument #1 to '%s' (%s)", pos, method, msg)), 0)
	}
	L.Error(lua.LString("bad argument #1 to '?' ("+msg+")"), 0)
}

// funcArgError is luaL_argerror for argument n of a plain function that
// goresty wraps in Lua: LuaJIT names the function when Lua code calls it,
// and says '?' when pcall calls it directly.
func funcArgError(L *lua.LState, n int, name, msg string) {
	if pos := callerPos(L); pos != "" {
		L.Error(lua.LString(fmt.Sprintf("%s bad argument #%d to '%s' (%s)", pos, n, name, msg)), 0)
	}
	L.Error(lua.LString(fmt.Sprintf("bad argument #%d to '?' (%s)", n, msg)), 0)
}

// appendSendData renders a send() argument: strings, numbers, booleans,
// nil, and (nested) array tables of strings and numbers.
func appendSendData(L *lua.LState, b []byte, v lua.LValue, top bool) []byte {
	return appendSendDepth(L, b, v, top, 0)
}

func appendSendDepth(L *lua.LState, b []byte, v lua.LValue, top bool, depth int) []byte {
	switch x := v.(type) {
	case lua.LString:
		return append(b, x...)
	case lua.LNumber:
		return stdlib.AppendNumberOut(b, float64(x))
	case *lua.LTable:
		if depth >= maxTableDepth {
			sockArgError(L, 2, "send", "table nested too deeply")
		}
		n, ok := arrayLen(x)
		if !ok {
			sockArgError(L, 2, "send", "non-array table found")
		}
		for i := 1; i <= n; i++ {
			b = appendSendDepth(L, b, x.RawGetInt(i), false, depth+1)
		}
		return b
	}
	if top {
		switch x := v.(type) {
		case lua.LBool:
			if x {
				return append(b, "true"...)
			}
			return append(b, "false"...)
		case *lua.LNilType:
			return append(b, "nil"...)
		}
		sockArgError(L, 2, "send", "string, number, boolean, nil, or array table expected, got "+v.Type().String())
	}
	sockArgError(L, 2, "send", "bad data type "+v.Type().String()+" found")
	return b
}

// errnoOf returns the system error under err, if any.
func errnoOf(err error) (syscall.Errno, bool) {
	var errno syscall.Errno
	ok := errors.As(err, &errno)
	return errno, ok
}

// strerror is glibc's text of errno ("Connection refused").
func strerror(errno syscall.Errno) string {
	s := errno.Error()
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// connectLogLevel is the level nginx logs a failed connect at.
func connectLogLevel(errno syscall.Errno) errlog.Level {
	switch errno {
	case syscall.ECONNREFUSED, syscall.EAGAIN, syscall.ENETDOWN, syscall.ENETUNREACH,
		syscall.EHOSTDOWN, syscall.EHOSTUNREACH:
		return errlog.Error
	}
	return errlog.Crit
}

// needsResolve reports whether host is a name (not an IP literal nor a
// unix socket path).
// isUnix reports whether a host argument names a unix-domain socket
// ("unix:" in any case, as nginx reads it).
func isUnix(h string) bool { return len(h) >= 5 && strings.EqualFold(h[:5], "unix:") }

// parseHost reads the host argument of tcpsock:connect and
// udpsock:setpeername as nginx's URL parser does: "unix:/path", "[v6]",
// and a ":port" in the host that overrides the port argument. It returns
// the host to dial ("unix:/path", an address, or a name to resolve) and
// the port, or nginx's reason for refusing the host.
func parseHost(h string, port int) (string, int, string) {
	switch {
	case isUnix(h):
		if len(h) == 5 {
			return "", 0, "no path in the unix domain socket"
		}
		return "unix:" + h[5:], 0, ""
	case h == "":
		return "", 0, "no host"
	case h[0] == '[':
		end := strings.IndexByte(h, ']')
		if end < 0 {
			return "", 0, "invalid host"
		}
		ip := h[1:end]
		if net.ParseIP(ip) == nil || !strings.Contains(ip, ":") {
			return "", 0, "invalid IPv6 address"
		}
		switch rest := h[end+1:]; {
		case rest == "":
		case rest[0] == ':':
			p, ok := urlPort(rest[1:])
			if !ok {
				return "", 0, "invalid port"
			}
			port = p
		default:
			return "", 0, "invalid host"
		}
		return ip, port, ""
	case strings.IndexByte(h, '/') >= 0:
		return "", 0, "invalid host"
	}
	if i := strings.IndexByte(h, ':'); i >= 0 {
		p, ok := urlPort(h[i+1:])
		if !ok {
			return "", 0, "invalid port"
		}
		return h[:i], p, ""
	}
	return h, port, ""
}

// urlPort reads the port of a "host:port" as nginx does: 1 to 65535.
func urlPort(s string) (int, bool) {
	if s == "" || len(s) > 5 {
		return 0, false
	}
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n >= 1 && n <= 65535
}

func needsResolve(host string) bool {
	if isUnix(host) {
		return false
	}
	h := strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	// netip parses without allocating; a zone is no address to net.ParseIP
	a, err := netip.ParseAddr(h)
	return err != nil || a.Zone() != ""
}

// resolveHost resolves a name with Go's resolver when a resolver is
// configured; the error text is OpenResty's.
func resolveHost(ctx context.Context, host string, timeout time.Duration) (string, error) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err == nil && len(addrs) == 0 {
		err = &net.DNSError{IsNotFound: true}
	}
	if err != nil {
		var de *net.DNSError
		code := "2: Server failure"
		if errors.As(err, &de) && de.IsNotFound {
			code = "3: Host not found"
		} else if errors.As(err, &de) && de.IsTimeout {
			code = "110: Operation timed out"
		}
		return "", fmt.Errorf("%s could not be resolved (%s)", host, code)
	}
	// OpenResty picks one of the answers; the first keeps tests stable
	return addrs[0].IP.String(), nil
}

// luaInt reads an integer argument the way lua_tointeger does: numbers
// and numeric strings; ok is false for anything else.
// noArgs raises OpenResty's error for ngx.socket.tcp(x) and udp(x).
func noArgs(L *lua.LState) {
	if n := L.GetTop(); n != 0 {
		sockRaise(L, "expecting zero arguments, but got %d", n)
	}
}

// luaNumber is lua_tonumber: a number, or a string that reads as one.
func luaNumber(v lua.LValue) (float64, bool) {
	switch x := v.(type) {
	case lua.LNumber:
		return float64(x), true
	case lua.LString:
		s := strings.TrimSpace(string(x))
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f, true
		}
		if i, err := strconv.ParseInt(s, 0, 64); err == nil {
			return float64(i), true
		}
	}
	return 0, false
}

func luaInt(v lua.LValue) (int64, bool) {
	switch x := v.(type) {
	case lua.LNumber:
		return int64(x), true
	case lua.LString:
		f, err := strconv.ParseFloat(strings.TrimSpace(string(x)), 64)
		if err != nil {
			return 0, false
		}
		return int64(f), true
	}
	return 0, false
}

// vals is a small helper for op results.
func vals(v ...lua.LValue) []lua.LValue { return v }

// errVals is "nil, err".
func errVals(err string) []lua.LValue { return []lua.LValue{lua.LNil, lua.LString(err)} }
