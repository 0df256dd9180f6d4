package cosocket

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// UDPSocket is an ngx.socket.udp object: a connected UDP or unix datagram
// client.
type UDPSocket struct {
	cfg     *Config
	timeout atomic.Int64 // nanoseconds, for Receive
	reading atomic.Bool

	mu    sync.Mutex
	conn  net.Conn
	laddr *net.UDPAddr
}

// NewUDP returns an unconnected UDP socket using cfg (nil: defaults).
func NewUDP(cfg *Config) *UDPSocket {
	u := &UDPSocket{cfg: cfg.or()}
	u.SetTimeout(0)
	return u
}

// SetTimeout sets the receive timeout (udpsock:settimeout): positive as is,
// 0 the Config's ReadTimeout, negative none.
func (u *UDPSocket) SetTimeout(d time.Duration) {
	u.timeout.Store(int64(orDuration(d, orDuration(u.cfg.ReadTimeout, DefaultTimeout))))
}

// Bind sets the local IP address (udpsock:bind) of the next SetPeerName.
func (u *UDPSocket) Bind(ip string) error {
	addr := net.ParseIP(ip)
	if addr == nil {
		return fmt.Errorf("cosocket: bind: bad address %q", ip)
	}
	u.mu.Lock()
	u.laddr = &net.UDPAddr{IP: addr}
	u.mu.Unlock()
	return nil
}

// SetPeerName connects the socket to host:port or to the unix datagram
// socket "unix:/path" (udpsock:setpeername), closing any previous one.
func (u *UDPSocket) SetPeerName(ctx context.Context, host string, port int) error {
	u.Close()
	var c net.Conn
	var err error
	if p, ok := strings.CutPrefix(host, "unix:"); ok {
		c, err = net.DialUnix("unixgram", nil, &net.UnixAddr{Name: p, Net: "unixgram"})
	} else {
		d := net.Dialer{}
		u.mu.Lock()
		if u.laddr != nil {
			d.LocalAddr = u.laddr
		}
		u.mu.Unlock()
		c, err = d.DialContext(ctx, "udp", net.JoinHostPort(host, strconv.Itoa(port)))
	}
	if err != nil {
		return classify(err)
	}
	u.mu.Lock()
	u.conn = c
	u.mu.Unlock()
	return nil
}

func (u *UDPSocket) current() net.Conn {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.conn
}

// Closed reports whether the socket has no peer (never set, or closed).
func (u *UDPSocket) Closed() bool { return u.current() == nil }

// Send sends one datagram (udpsock:send).
func (u *UDPSocket) Send(p []byte) error {
	c := u.current()
	if c == nil {
		return ErrClosed
	}
	_, err := c.Write(p)
	return classify(err)
}

// Receive reads one datagram of at most size bytes (udpsock:receive); size
// <= 0 or over MaxUDPReceive means MaxUDPReceive. Errors ("timeout",
// "connection refused" after an ICMP error, ...) leave the socket usable.
func (u *UDPSocket) Receive(size int) (string, error) {
	c := u.current()
	if c == nil {
		return "", ErrClosed
	}
	if !u.reading.CompareAndSwap(false, true) {
		return "", ErrBusyReading
	}
	defer u.reading.Store(false)
	if size <= 0 || size > MaxUDPReceive {
		size = MaxUDPReceive
	}
	var deadline time.Time
	if to := time.Duration(u.timeout.Load()); to > 0 {
		deadline = time.Now().Add(to)
	}
	if err := c.SetReadDeadline(deadline); err != nil {
		return "", classify(err)
	}
	var buf [MaxUDPReceive]byte
	n, err := c.Read(buf[:size])
	if err != nil {
		return "", classify(err)
	}
	return string(buf[:n]), nil
}

// Close closes the socket (udpsock:close); ErrClosed if it was not open.
func (u *UDPSocket) Close() error {
	u.mu.Lock()
	c := u.conn
	u.conn = nil
	u.mu.Unlock()
	if c == nil {
		return ErrClosed
	}
	return c.Close()
}
