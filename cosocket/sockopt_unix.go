//go:build unix

package cosocket

import (
	"fmt"
	"net"
	"syscall"
)

// alive reports whether an idle connection can be handed out: the peer has
// not closed it and sent nothing while it rested in the pool.
func alive(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return true
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	ok = false
	var b [1]byte
	err = rc.Read(func(fd uintptr) bool {
		n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		ok = n < 0 && (err == syscall.EAGAIN || err == syscall.EWOULDBLOCK)
		return true
	})
	return err == nil && ok
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
