//go:build !linux

package server

import (
	"bufio"
	"net"
	"time"
)

// Without epoll, connections wait for their next request in Go's poller.

type idlePoller struct{}

func newIdlePoller() *idlePoller                { return nil }
func (p *idlePoller) Close()                    {}
func (p *idlePoller) wrap(nc net.Conn) net.Conn { return nc }

type pollConn struct{ net.Conn }

func (c *pollConn) waitDeadline() time.Time { return time.Time{} }

func (c *h1conn) idlePeek(*bufio.Reader, time.Duration) error { panic("server: no idle poller") }
