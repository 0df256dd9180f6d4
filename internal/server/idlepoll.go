//go:build linux

package server

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The idle poller: client connections waiting for their next request are
// woken in the order epoll reports them ready, as nginx serves them.
//
// A goroutine parked in Go's poller is woken in the reverse of epoll's order
// within one poll (the runtime builds its list of ready goroutines by
// pushing on its head): under load the first connection ready is served
// last, and latencies spread from ~0 to twice the batch time where nginx's
// stay near one (docs/DESIGN-NOTES.md, BENCHMARKS.md "Tail latency").
// Each client socket is therefore also in an epoll set of goresty's own
// (edge-triggered, added once per connection); one goroutine per listener
// waits for that set's descriptor in Go's poller, takes the ready sockets
// in epoll's order and wakes their connections through a channel each.
//
// A connection waiting this way does not read before it waits: after a
// read that drained the socket, every new byte raises a new edge, so the
// read that finds nothing (Go's net package tries one before each wait) is
// saved too.

// errWouldBlock is a non-blocking read that found no bytes.
var errWouldBlock = errors.New("server: read would block")

// idlePoller is the epoll set of one listener's client connections.
type idlePoller struct {
	epfd   int
	file   *os.File // epfd, registered with Go's poller
	mu     sync.Mutex
	conns  []*pollConn // by descriptor
	closed bool
	events [128]syscall.EpollEvent
	woken  []*pollConn
	done   chan struct{}
}

// newIdlePoller starts a poller; nil when epoll is not available
// (connections then wait in Go's poller).
func newIdlePoller() *idlePoller {
	p, rc := openIdlePoller()
	if p == nil {
		return nil
	}
	go func() {
		defer close(p.done)
		rc.Read(p.poll) // until Close
	}()
	return p
}

// openIdlePoller makes the epoll set; its goroutine is not started.
func openIdlePoller() (*idlePoller, syscall.RawConn) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, nil
	}
	if err := syscall.SetNonblock(epfd, true); err != nil {
		syscall.Close(epfd)
		return nil, nil
	}
	f := os.NewFile(uintptr(epfd), "epoll")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, nil
	}
	return &idlePoller{epfd: epfd, file: f, done: make(chan struct{})}, rc
}

// poll wakes the connections that became ready; false makes Go's poller
// wait for the set's next edge.
func (p *idlePoller) poll(uintptr) bool {
	for {
		n, err := p.ready()
		if err != nil {
			return true
		}
		// the scheduler runs the goroutine woken last first and the others
		// in the order they were woken: the first ready goes last
		if len(p.woken) > 0 {
			for _, c := range p.woken[1:] {
				c.signal()
			}
			p.woken[0].signal()
		}
		clear(p.woken)
		if n < len(p.events) {
			return false
		}
	}
}

// ready takes the ready connections off the set into p.woken, in epoll's
// order; n is the number of events.
func (p *idlePoller) ready() (n int, err error) {
	for {
		n, err = syscall.EpollWait(p.epfd, p.events[:], 0)
		if err != syscall.EINTR {
			break
		}
	}
	p.woken = p.woken[:0]
	if err != nil || n == 0 {
		return n, err
	}
	p.mu.Lock()
	for _, ev := range p.events[:n] {
		if fd := int(ev.Fd); fd < len(p.conns) && p.conns[fd] != nil {
			p.woken = append(p.woken, p.conns[fd])
		}
	}
	p.mu.Unlock()
	return n, nil
}

// Close stops the poller; connections still in the set keep working
// (their idle waits are woken by their own close).
func (p *idlePoller) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	p.conns = nil
	p.mu.Unlock()
	p.file.Close()
	<-p.done
}

// wrap adds a client connection to the set. Connections without a
// descriptor are returned as they are.
func (p *idlePoller) wrap(nc net.Conn) net.Conn {
	sc, ok := nc.(syscall.Conn)
	if !ok || p == nil {
		return nc
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nc
	}
	pc := &pollConn{Conn: nc, p: p, rc: rc, wake: make(chan struct{}, 1), full: true}
	pc.readFn = pc.tryRead
	var cerr error
	err = rc.Control(func(fd uintptr) {
		pc.fd = int(fd)
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.closed {
			cerr = net.ErrClosed
			return
		}
		ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | -syscall.EPOLLET, Fd: int32(fd)}
		if cerr = syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_ADD, int(fd), &ev); cerr != nil {
			return
		}
		for len(p.conns) <= int(fd) {
			p.conns = append(p.conns, nil)
		}
		p.conns[fd] = pc
	})
	if err != nil || cerr != nil {
		return nc
	}
	return pc
}

func (p *idlePoller) remove(pc *pollConn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || pc.fd >= len(p.conns) || p.conns[pc.fd] != pc {
		return
	}
	p.conns[pc.fd] = nil
	syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_DEL, pc.fd, nil)
}

// pollConn is a client connection in an idle poller's set.
type pollConn struct {
	net.Conn
	p    *idlePoller
	rc   syscall.RawConn
	fd   int
	wake chan struct{} // a token: the socket became readable (or closed, or the wait timed out)
	// nb makes Read one non-blocking read (errWouldBlock when empty)
	nb bool
	// full: the last read filled its buffer, so bytes may be left in the
	// socket that raised no new edge
	full bool
	// the non-blocking read's buffer and results, for readFn
	buf    []byte
	rn     int
	rerr   error
	readFn func(uintptr) bool

	// the idle timeout: one timer per connection, moved only forward
	// lazily (it re-arms itself when it fires before the deadline)
	mu       sync.Mutex
	timer    *time.Timer
	fireAt   time.Time // zero: not armed
	deadline time.Time
	expired  atomic.Bool
	closed   atomic.Bool
}

func (c *pollConn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Read reads from the socket: through Go's poller, or once without
// waiting when nb is set.
func (c *pollConn) Read(p []byte) (int, error) {
	if !c.nb {
		n, err := c.Conn.Read(p)
		c.full = n == len(p)
		return n, err
	}
	c.buf = p
	err := c.rc.Read(c.readFn)
	n, rerr := c.rn, c.rerr
	c.buf, c.rerr = nil, nil
	if err != nil {
		return 0, &net.OpError{Op: "read", Net: "tcp", Err: err}
	}
	switch {
	case rerr == syscall.EAGAIN:
		return 0, errWouldBlock
	case rerr != nil:
		return 0, &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", rerr)}
	case n == 0:
		return 0, io.EOF
	}
	c.full = n == len(p)
	return n, nil
}

func (c *pollConn) tryRead(fd uintptr) bool {
	for {
		c.rn, c.rerr = syscall.Read(int(fd), c.buf)
		if c.rerr != syscall.EINTR {
			break
		}
	}
	if c.rn < 0 {
		c.rn = 0
	}
	return true
}

// arm starts an idle wait of at most d.
func (c *pollConn) arm(d time.Duration) {
	dl := time.Now().Add(d)
	c.mu.Lock()
	c.deadline = dl
	c.expired.Store(false)
	switch {
	case c.timer == nil:
		c.timer = time.AfterFunc(d, c.fire)
		c.fireAt = dl
	case c.fireAt.IsZero() || dl.Before(c.fireAt):
		c.timer.Reset(d)
		c.fireAt = dl
	}
	c.mu.Unlock()
}

// waitDeadline is when the wait armed last ends.
func (c *pollConn) waitDeadline() time.Time { return c.deadline }

// fire ends the idle wait whose deadline passed, or re-arms for the later
// deadline of a newer wait.
func (c *pollConn) fire() {
	c.mu.Lock()
	if c.closed.Load() {
		c.mu.Unlock()
		return
	}
	if d := time.Until(c.deadline); d > 0 {
		c.timer.Reset(d)
		c.fireAt = c.deadline
		c.mu.Unlock()
		return
	}
	c.fireAt = time.Time{}
	c.expired.Store(true)
	c.mu.Unlock()
	c.signal()
}

// Close leaves the set, wakes an idle wait and closes the socket.
func (c *pollConn) Close() error {
	if c.closed.Swap(true) {
		return c.Conn.Close()
	}
	c.mu.Lock()
	if c.timer != nil {
		c.timer.Stop()
	}
	c.mu.Unlock()
	c.p.remove(c)
	err := c.Conn.Close()
	c.signal()
	return err
}

// CloseWrite shuts down the writing side (lingering close).
func (c *pollConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// SyscallConn returns the socket's raw connection.
func (c *pollConn) SyscallConn() (syscall.RawConn, error) { return c.rc, nil }

// Unwrap returns the connection the poller wraps.
func (c *pollConn) Unwrap() net.Conn { return c.Conn }

// idlePeek waits, at most d, for the first bytes of the next request and
// reads them into br.
func (c *h1conn) idlePeek(br *bufio.Reader, d time.Duration) error {
	pc := c.pc
	if br.Buffered() > 0 {
		return nil
	}
	pc.arm(d)
	// read first when the last read may have left bytes behind, or
	// bytes wait above the socket (the abort watch's, the checker's)
	try := pc.full || c.peeked
	if cc, ok := c.rwc.(*checkConn); ok && cc.holding() {
		try = true
	}
	for {
		if !try {
			if pc.expired.Load() {
				return os.ErrDeadlineExceeded
			}
			<-pc.wake
		}
		try = false
		pc.nb = true
		_, err := br.Peek(1)
		pc.nb = false
		if err != errWouldBlock {
			return err
		}
	}
}
