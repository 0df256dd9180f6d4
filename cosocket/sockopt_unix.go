//go:build unix

package cosocket

import (
	"fmt"
	"net"
	"syscall"

	"github.com/goresty/goresty/internal/edgepoll"
)

// fdOps makes the non-blocking calls on one connection's socket: the
// liveness check of an idle connection and a write that does not wait. It
// is made once per connection, callbacks included, so the calls do not
// allocate. One goroutine at a time may check, and one may write.
type fdOps struct {
	rc syscall.RawConn
	// w waits for the socket in the shared epoll set (package edgepoll):
	// reads wake in epoll's order, a drained socket is not read again
	// before its next edge, and an idle connection with no edge since its
	// last read is alive without a check; nil when epoll is not available
	w       *edgepoll.Waiter
	peekBuf [1]byte
	peekOK  bool
	peekFn  func(uintptr) bool
	wp      []byte
	wn      int
	werr    error
	writeFn func(uintptr) bool
}

// newFDOps returns the fdOps of c, or nil when c has no file descriptor.
func newFDOps(c net.Conn) *fdOps {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	o := &fdOps{rc: rc}
	o.peekFn = o.peek
	o.writeFn = o.write
	if set := edgepoll.Shared(); set != nil {
		o.w, _ = set.Add(rc)
	}
	return o
}

// waiter returns the socket's epoll waiter, or nil.
func (o *fdOps) waiter() *edgepoll.Waiter {
	if o == nil {
		return nil
	}
	return o.w
}

// closeConn closes c (the socket, or TLS over it): out of the epoll set
// first, and a read waiting in it woken after the close.
func (o *fdOps) closeConn(c net.Conn) error {
	if o != nil && o.w != nil {
		return o.w.Close(c.Close)
	}
	return c.Close()
}

// alive reports whether an idle connection can be handed out: the peer has
// not closed it and sent nothing while it rested in the pool.
func (o *fdOps) alive() bool {
	if o == nil {
		return true
	}
	if w := o.w; w != nil && !w.Pending() && !w.MayHaveBytes() {
		// no edge since a read drained it: neither bytes nor a close came
		// (as nginx, which learns of both from its event loop)
		return true
	}
	o.peekOK = false
	err := o.rc.Read(o.peekFn)
	return err == nil && o.peekOK
}

func (o *fdOps) peek(fd uintptr) bool {
	n, _, err := syscall.Recvfrom(int(fd), o.peekBuf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	o.peekOK = n < 0 && (err == syscall.EAGAIN || err == syscall.EWOULDBLOCK)
	return true
}

// tryWrite writes as much of p as the socket takes without waiting and
// returns the count; it stops at the first error, which it returns unless
// it is EAGAIN.
func (o *fdOps) tryWrite(p []byte) (int, error) {
	o.wp, o.wn, o.werr = p, 0, nil
	err := o.rc.Write(o.writeFn)
	n, werr := o.wn, o.werr
	o.wp, o.werr = nil, nil
	if err != nil {
		return n, err
	}
	return n, werr
}

func (o *fdOps) write(fd uintptr) bool {
	for o.wn < len(o.wp) {
		k, err := syscall.Write(int(fd), o.wp[o.wn:])
		if err == syscall.EINTR {
			continue
		}
		if k <= 0 || err != nil {
			if err != syscall.EAGAIN {
				o.werr = err
			}
			return true
		}
		o.wn += k
	}
	return true
}

type sockopt struct{ level, name int }

var sockopts = map[string]sockopt{
	"keepalive":   {syscall.SOL_SOCKET, syscall.SO_KEEPALIVE},
	"reuseaddr":   {syscall.SOL_SOCKET, syscall.SO_REUSEADDR},
	"tcp-nodelay": {syscall.IPPROTO_TCP, syscall.TCP_NODELAY},
	"sndbuf":      {syscall.SOL_SOCKET, syscall.SO_SNDBUF},
	"rcvbuf":      {syscall.SOL_SOCKET, syscall.SO_RCVBUF},
}

func controlSockopt(c net.Conn, name string, f func(fd int, o sockopt) error) error {
	o, ok := sockopts[name]
	if !ok {
		return fmt.Errorf("cosocket: option %q is not supported by goresty", name)
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return fmt.Errorf("cosocket: option %q: not a system socket", name)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	var opErr error
	if err := rc.Control(func(fd uintptr) { opErr = f(int(fd), o) }); err != nil {
		return err
	}
	return opErr
}

func setSockopt(c net.Conn, name string, v int) error {
	return controlSockopt(c, name, func(fd int, o sockopt) error {
		return syscall.SetsockoptInt(fd, o.level, o.name, v)
	})
}

func getSockopt(c net.Conn, name string) (int, error) {
	var v int
	err := controlSockopt(c, name, func(fd int, o sockopt) error {
		var err error
		v, err = syscall.GetsockoptInt(fd, o.level, o.name)
		return err
	})
	return v, err
}
