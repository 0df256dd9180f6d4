package server

import (
	"bufio"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/goresty/goresty/internal/edgepoll"
)

// Client connections waiting for their next request wait in an epoll set
// of the listener (package edgepoll): they are woken in the order epoll
// reports them ready, as nginx serves them, and a connection that drained
// its socket waits for the edge before it reads, so the read that finds
// nothing after each response is saved (docs/DESIGN-NOTES.md).

// newIdleSet makes a listener's set; nil when epoll is not available
// (connections then wait in Go's poller).
func newIdleSet() *edgepoll.Set {
	s, err := edgepoll.Open()
	if err != nil {
		return nil
	}
	return s
}

// pollConn is a client connection in its listener's set.
type pollConn struct {
	net.Conn
	w *edgepoll.Waiter
	// nb makes Read one non-blocking read (edgepoll.ErrWouldBlock when empty)
	nb bool
}

// wrapIdle adds a client connection to set; connections without a
// descriptor are returned as they are.
func wrapIdle(set *edgepoll.Set, nc net.Conn) net.Conn {
	sc, ok := nc.(syscall.Conn)
	if !ok || set == nil {
		return nc
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nc
	}
	w, err := set.Add(rc)
	if err != nil {
		return nc
	}
	return &pollConn{Conn: nc, w: w}
}

// Read reads from the socket: through Go's poller, or once without
// waiting when nb is set.
func (c *pollConn) Read(p []byte) (int, error) {
	if !c.nb {
		n, err := c.Conn.Read(p)
		c.w.Noted(n, len(p))
		return n, err
	}
	n, err := c.w.Read(p)
	if err != nil && err != edgepoll.ErrWouldBlock {
		err = &net.OpError{Op: "read", Net: "tcp", Err: err}
	}
	return n, err
}

// Write writes to the socket with the set's raw system calls (see
// edgepoll.Waiter.Write), its errors wrapped as net.Conn's are.
func (c *pollConn) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	if err != nil {
		if errno, ok := err.(syscall.Errno); ok {
			err = os.NewSyscallError("write", errno)
		} else if err.Error() == net.ErrClosed.Error() {
			err = net.ErrClosed // the poller's own value, as net maps it
		}
		err = &net.OpError{Op: "write", Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
	}
	return n, err
}

// Close leaves the set, closes the socket, then wakes an idle wait.
func (c *pollConn) Close() error { return c.w.Close(c.Conn.Close) }

// CloseWrite shuts down the writing side (lingering close).
func (c *pollConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// SyscallConn returns the socket's raw connection.
func (c *pollConn) SyscallConn() (syscall.RawConn, error) {
	return c.Conn.(syscall.Conn).SyscallConn()
}

// Unwrap returns the connection the set's entry wraps.
func (c *pollConn) Unwrap() net.Conn { return c.Conn }

// idlePeek waits, at most d, for the first bytes of the next request and
// reads them into br.
func (c *h1conn) idlePeek(br *bufio.Reader, d time.Duration) error {
	if br.Buffered() > 0 {
		return nil
	}
	pc := c.pc
	pc.w.Arm(d)
	// read first when the last read may have left bytes behind, or
	// bytes wait above the socket (the abort watch's, the checker's)
	try := pc.w.MayHaveBytes() || c.peeked
	if cc, ok := c.rwc.(*checkConn); ok && cc.holding() {
		try = true
	}
	for {
		if !try {
			if err := pc.w.Wait(); err != nil {
				return err
			}
		}
		try = false
		pc.nb = true
		_, err := br.Peek(1)
		pc.nb = false
		if err != edgepoll.ErrWouldBlock {
			return err
		}
	}
}
