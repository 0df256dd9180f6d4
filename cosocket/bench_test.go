package cosocket

import (
	"context"
	"net"
	"strings"
	"testing"
)

func BenchmarkPoolGetPut(b *testing.B) {
	srv := newServer(b, "tcp", echo)
	pool := NewPool()
	defer pool.Close()
	host, port := srv.target()
	s := NewTCP(nil, pool)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Connect(context.Background(), host, port, ConnectOptions{}); err != nil {
			b.Fatal(err)
		}
		if err := s.SetKeepalive(-1, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// lineConn is an endless source of 32-byte lines.
type lineConn struct {
	net.Conn
	data string
	off  int
}

func (c *lineConn) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		k := copy(p[n:], c.data[c.off:])
		n += k
		c.off = (c.off + k) % len(c.data)
	}
	return n, nil
}

func (c *lineConn) Close() error { return nil }

func BenchmarkReceiveLine(b *testing.B) {
	for _, tc := range []struct{ name, line string }{
		{"lf", strings.Repeat("a", 31) + "\n"},
		{"crlf", strings.Repeat("a", 30) + "\r\n"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			a, peer := net.Pipe()
			defer a.Close()
			defer peer.Close()
			lc := &lineConn{Conn: a, data: tc.line}
			s := NewTCP(&Config{ReadTimeout: -1, Dial: func(context.Context, string, string) (net.Conn, error) {
				return lc, nil
			}}, nil)
			if err := s.Connect(context.Background(), "x", 1, ConnectOptions{}); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.ReceiveLine(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
