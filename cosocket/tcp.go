package cosocket

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/goresty/goresty/internal/edgepoll"
)

// ConnectOptions are the options table of tcpsock:connect.
type ConnectOptions struct {
	// Pool names the keepalive pool; "" means "host:port" or "unix:/path".
	Pool string
	// PoolSize is the size given to the pool if this connect creates it;
	// 0 means Config.PoolSize.
	PoolSize int
	// Backlog limits the connect operations queued while PoolSize
	// connections are open; it applies only when BacklogSet is true and
	// only if this connect creates the pool.
	Backlog    int
	BacklogSet bool
}

// TCPSocket is an ngx.socket.tcp object: a TCP or unix-domain stream client.
// It is created unconnected; Connect, Close and SetKeepalive may be called
// repeatedly on it.
type TCPSocket struct {
	cfg  *Config
	pool *Pool

	connectTimeout, sendTimeout, readTimeout atomic.Int64 // nanoseconds

	reading, writing, connecting atomic.Bool

	mu          sync.Mutex
	conn        net.Conn // raw or *tls.Conn
	raw         net.Conn
	ops         *fdOps    // raw's; nil when it has no file descriptor
	rec         *idleConn // the pool's record of the connection, reused to put it back
	tlsConn     *tls.Conn
	session     *Session
	lease       *connPool
	key         string
	reused      int
	readClosed  bool
	writeClosed bool
	laddr       *net.TCPAddr

	// owned by the single reader
	buf          []byte
	bufp         *[]byte // buf's holder when it came from bufs
	rpos, rend   int
	readDeadline bool
	rw           *edgepoll.Waiter // the read's epoll waiter (plain sockets), or nil

	// owned by the single writer
	writeDeadline bool
}

// NewTCP returns an unconnected socket using cfg (nil: defaults) and the
// keepalive pools of pool (nil: SetKeepalive is not supported).
func NewTCP(cfg *Config, pool *Pool) *TCPSocket {
	s := &TCPSocket{}
	s.Init(cfg, pool)
	return s
}

// Init makes s, a zero TCPSocket (one embedded in a larger allocation),
// what NewTCP(cfg, pool) returns.
func (s *TCPSocket) Init(cfg *Config, pool *Pool) {
	s.cfg, s.pool = cfg.or(), pool
	s.SetTimeouts(0, 0, 0)
}

// SetTimeout sets the connect, send and read timeouts at once
// (tcpsock:settimeout). See SetTimeouts for the meaning of d.
func (s *TCPSocket) SetTimeout(d time.Duration) { s.SetTimeouts(d, d, d) }

// SetTimeouts sets the connect, send and read timeouts
// (tcpsock:settimeouts). A positive value is used as is, 0 restores the
// Config's (directive) value, a negative value means no timeout. It may be
// called while operations are in flight; they keep their current timeout.
func (s *TCPSocket) SetTimeouts(connect, send, read time.Duration) {
	s.connectTimeout.Store(int64(orDuration(connect, orDuration(s.cfg.ConnectTimeout, DefaultTimeout))))
	s.sendTimeout.Store(int64(orDuration(send, orDuration(s.cfg.SendTimeout, DefaultTimeout))))
	s.readTimeout.Store(int64(orDuration(read, orDuration(s.cfg.ReadTimeout, DefaultTimeout))))
}

// Bind sets the local IP address (tcpsock:bind) used by the next Connect.
func (s *TCPSocket) Bind(ip string) error {
	addr := net.ParseIP(ip)
	if addr == nil {
		return fmt.Errorf("cosocket: bind: bad address %q", ip)
	}
	s.mu.Lock()
	s.laddr = &net.TCPAddr{IP: addr}
	s.mu.Unlock()
	return nil
}

// PoolKey returns the default pool name of a connect target: "host:port",
// or host itself for "unix:/path".
func PoolKey(host string, port int) string {
	if strings.HasPrefix(host, "unix:") {
		return host
	}
	return host + ":" + strconv.Itoa(port)
}

// appendPoolKey appends PoolKey(host, port) to b.
func appendPoolKey(b []byte, host string, port int) []byte {
	b = append(b, host...)
	if strings.HasPrefix(host, "unix:") {
		return b
	}
	return strconv.AppendInt(append(b, ':'), int64(port), 10)
}

// Connect connects to host:port, or to the unix socket "unix:/path" (port
// ignored), reusing an idle connection of the keepalive pool when there is
// one. A connection already open on s is closed first. host must be an
// address or a name Config.Dial can resolve: "no resolver defined" is the
// Lua layer's check.
func (s *TCPSocket) Connect(ctx context.Context, host string, port int, opts ConnectOptions) error {
	if err := s.busy(); err != nil {
		return err
	}
	if !s.connecting.CompareAndSwap(false, true) {
		return ErrBusyConnecting
	}
	defer s.connecting.Store(false)
	s.Close()
	network, addr := "tcp", net.JoinHostPort(host, strconv.Itoa(port))
	if p, ok := strings.CutPrefix(host, "unix:"); ok {
		network, addr = "unix", p
	}
	key := opts.Pool
	if key == "" {
		key = PoolKey(host, port)
	}
	timeout := time.Duration(s.connectTimeout.Load())
	var cp *connPool
	if s.pool != nil {
		size, backlog := opts.PoolSize, -1
		if size <= 0 {
			size = s.cfg.poolSize()
		}
		if opts.BacklogSet && opts.Backlog >= 0 {
			backlog = opts.Backlog
		}
		create := opts.PoolSize > 0 || backlog >= 0
		ic, pcp, err := s.pool.acquire(ctx, key, size, backlog, create, timeout)
		if err != nil {
			return err
		}
		cp = pcp
		if ic != nil {
			s.attachIdle(ic, cp)
			return nil
		}
	}
	c, err := s.dial(ctx, network, addr, timeout)
	if err != nil {
		if cp != nil {
			s.pool.release(cp)
		}
		return err
	}
	s.attach(c, c, newFDOps(c), nil, nil, cp, key, 0)
	return nil
}

// ConnectPooled is Connect when the keepalive pool has an idle connection
// for the target: it takes it without waiting and reports true. It
// reports false, having done nothing but close the connection open on s,
// when Connect must be called: no pool, no idle connection, or host is a
// name. Callers that must not block try it first (OpenResty's connect
// does not yield on a pool hit either).
func (s *TCPSocket) ConnectPooled(host string, port int, opts ConnectOptions) (bool, error) {
	if s.pool == nil {
		return false, nil
	}
	if err := s.busy(); err != nil {
		return false, err
	}
	if !s.connecting.CompareAndSwap(false, true) {
		return false, ErrBusyConnecting
	}
	defer s.connecting.Store(false)
	s.Close()
	var ic *idleConn
	var cp *connPool
	if opts.Pool != "" {
		ic, cp = s.pool.takeIdle(opts.Pool, nil)
	} else {
		var b [64]byte
		ic, cp = s.pool.takeIdle("", appendPoolKey(b[:0], host, port))
	}
	if ic == nil {
		return false, nil
	}
	s.attachIdle(ic, cp)
	return true, nil
}

func (s *TCPSocket) dial(ctx context.Context, network, addr string, timeout time.Duration) (net.Conn, error) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	var c net.Conn
	var err error
	if s.cfg.Dial != nil {
		c, err = s.cfg.Dial(ctx, network, addr)
	} else {
		d := net.Dialer{}
		s.mu.Lock()
		if s.laddr != nil && network == "tcp" {
			d.LocalAddr = s.laddr
		}
		s.mu.Unlock()
		c, err = dialAside(ctx, &d, network, addr)
	}
	if err != nil {
		return nil, classify(err)
	}
	return c, nil
}

// dialAside dials on a goroutine of its own. Go's dialer needs more stack
// than the rest of a request, and a goroutine's stack, once grown, stays
// grown while the request waits: dialling on the request's goroutine made
// every request parked on an upstream hold 16 KB of stack instead of 8.
func dialAside(ctx context.Context, d *net.Dialer, network, addr string) (net.Conn, error) {
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		c, err := d.DialContext(ctx, network, addr)
		ch <- result{c, err}
	}()
	r := <-ch
	return r.c, r.err
}

// attachIdle makes s use a connection taken from the pool cp.
func (s *TCPSocket) attachIdle(ic *idleConn, cp *connPool) {
	s.attach(ic.conn, ic.raw, ic.ops, ic.tls, ic.session, cp, cp.key, ic.reused+1)
	s.mu.Lock()
	s.rec = ic
	s.mu.Unlock()
}

func (s *TCPSocket) attach(c, raw net.Conn, ops *fdOps, tc *tls.Conn, sess *Session, cp *connPool, key string, reused int) {
	s.mu.Lock()
	s.conn, s.raw, s.ops, s.rec, s.tlsConn, s.session, s.lease, s.key, s.reused = c, raw, ops, nil, tc, sess, cp, key, reused
	s.readClosed, s.writeClosed = false, false
	s.mu.Unlock()
	s.rpos, s.rend = 0, 0
	s.readDeadline, s.writeDeadline = false, false
}

func (s *TCPSocket) busy() error {
	switch {
	case s.connecting.Load():
		return ErrBusyConnecting
	case s.reading.Load():
		return ErrBusyReading
	case s.writing.Load():
		return ErrBusyWriting
	}
	return nil
}

// detach forgets the connection and returns it with its pool.
func (s *TCPSocket) detach() (net.Conn, *connPool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, cp := s.conn, s.lease
	s.conn, s.raw, s.ops, s.rec, s.tlsConn, s.session, s.lease = nil, nil, nil, nil, nil, nil, nil
	return c, cp
}

// Close closes the connection (tcpsock:close). It returns ErrClosed when
// there is none. A read or send in flight fails with ErrClosed.
func (s *TCPSocket) Close() error {
	s.mu.Lock()
	ops := s.ops
	s.mu.Unlock()
	c, cp := s.detach()
	if c == nil {
		return ErrClosed
	}
	ops.closeConn(c)
	if cp != nil {
		s.pool.release(cp)
	}
	if s.reading.CompareAndSwap(false, true) {
		s.freeBuf()
		s.reading.Store(false)
	}
	return nil
}

// SetKeepalive puts the connection into its keepalive pool
// (tcpsock:setkeepalive) for at most idle (0: no limit, negative: the
// Config's KeepaliveTimeout). size is the pool size if the pool does not
// exist yet (<= 0: Config.PoolSize). Unread buffered data fails with
// ErrUnreadData and leaves the socket usable; a half-closed connection is
// closed and ErrClosed returned.
func (s *TCPSocket) SetKeepalive(idle time.Duration, size int) error {
	if err := s.busy(); err != nil {
		return err
	}
	s.mu.Lock()
	if s.conn == nil {
		s.mu.Unlock()
		return ErrClosed
	}
	broken := s.readClosed || s.writeClosed
	s.mu.Unlock()
	if broken {
		s.Close()
		return ErrClosed
	}
	if s.rpos < s.rend {
		return ErrUnreadData
	}
	if s.pool == nil {
		s.Close()
		return errNoPool
	}
	if idle < 0 {
		idle = s.cfg.keepaliveTimeout()
	}
	s.mu.Lock()
	ic := s.rec
	if ic == nil {
		ic = new(idleConn)
	}
	*ic = idleConn{conn: s.conn, raw: s.raw, ops: s.ops, tls: s.tlsConn, session: s.session, reused: s.reused}
	cp, key := s.lease, s.key
	s.mu.Unlock()
	s.detach()
	s.freeBuf() // nothing is buffered and nobody reads (busy was checked)
	if w := ic.ops.waiter(); w != nil {
		w.Arm(0)
	}
	// clear the deadlines reads and sends set (a waiter's reads and
	// TrySend set none)
	if s.readDeadline || s.writeDeadline {
		if err := ic.conn.SetDeadline(time.Time{}); err != nil {
			ic.close()
			if cp != nil {
				s.pool.release(cp)
			}
			return classify(err)
		}
	}
	if cp == nil {
		if size <= 0 {
			size = s.cfg.poolSize()
		}
		s.pool.mu.Lock()
		cp = s.pool.get(key, size, -1)
		cp.total++
		s.pool.mu.Unlock()
	}
	s.pool.put(cp, ic, idle)
	return nil
}

// GetReusedTimes returns how many times the connection was taken from a
// keepalive pool (tcpsock:getreusedtimes).
func (s *TCPSocket) GetReusedTimes() (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		return 0, ErrClosed
	}
	return s.reused, nil
}

// ReadClosed reports whether a receive would fail at once with ErrClosed:
// there is no connection, or its reading side is closed.
func (s *TCPSocket) ReadClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conn == nil || s.readClosed
}

// WriteClosed reports whether a send would fail at once with ErrClosed.
func (s *TCPSocket) WriteClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conn == nil || s.writeClosed
}

// SetOption sets a socket option on the connected socket
// (tcpsock:setoption): "keepalive", "reuseaddr", "tcp-nodelay" (booleans as
// 0/1), "sndbuf", "rcvbuf" (bytes).
func (s *TCPSocket) SetOption(name string, value int) error {
	raw, err := s.rawConn()
	if err != nil {
		return err
	}
	return setSockopt(raw, name, value)
}

// GetOption reads a socket option (tcpsock:getoption); see SetOption.
func (s *TCPSocket) GetOption(name string) (int, error) {
	raw, err := s.rawConn()
	if err != nil {
		return 0, err
	}
	return getSockopt(raw, name)
}

func (s *TCPSocket) rawConn() (net.Conn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.raw == nil {
		return nil, ErrClosed
	}
	return s.raw, nil
}

// TrySend writes as much of p as the connection takes without waiting,
// for callers that must not block: done reports that p went out in full
// (n == len(p)) or that the send failed with err, as Send would have. When
// not done, the first n bytes were written and the caller sends the rest
// with Send. A TLS connection is never written here.
func (s *TCPSocket) TrySend(p []byte) (n int, done bool, err error) {
	if s.connecting.Load() {
		return 0, true, ErrBusyConnecting
	}
	if !s.writing.CompareAndSwap(false, true) {
		return 0, true, ErrBusyWriting
	}
	defer s.writing.Store(false)
	s.mu.Lock()
	c, ops, closed, plain := s.conn, s.ops, s.writeClosed, s.tlsConn == nil
	s.mu.Unlock()
	if c == nil || closed {
		return 0, true, ErrClosed
	}
	if ops == nil || !plain || len(p) == 0 {
		return 0, false, nil
	}
	n, err = ops.tryWrite(p)
	if err != nil {
		// let Send meet the error again and report it its usual way
		return n, false, nil
	}
	return n, n == len(p), nil
}

// Send writes p in full (tcpsock:send) and returns the bytes written. The
// send timeout bounds the whole write. A failure other than a timeout
// closes the sending side.
func (s *TCPSocket) Send(p []byte) (int, error) {
	if s.connecting.Load() {
		return 0, ErrBusyConnecting
	}
	if !s.writing.CompareAndSwap(false, true) {
		return 0, ErrBusyWriting
	}
	defer s.writing.Store(false)
	s.mu.Lock()
	c, closed := s.conn, s.writeClosed
	s.mu.Unlock()
	if c == nil || closed {
		return 0, ErrClosed
	}
	var deadline time.Time
	if to := time.Duration(s.sendTimeout.Load()); to > 0 {
		deadline = time.Now().Add(to)
	}
	if err := c.SetWriteDeadline(deadline); err != nil {
		return 0, classify(err)
	}
	s.writeDeadline = !deadline.IsZero()
	n, err := c.Write(p)
	if err != nil {
		err = classify(err)
		if !errors.Is(err, ErrTimeout) {
			s.mu.Lock()
			s.writeClosed = true
			s.mu.Unlock()
		}
	}
	return n, err
}
