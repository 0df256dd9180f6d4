package cosocket

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/goresty/goresty/internal/edgepoll"
)

// startRead claims the reading side and returns the connection to read.
func (s *TCPSocket) startRead() (net.Conn, error) {
	if s.connecting.Load() {
		return nil, ErrBusyConnecting
	}
	if !s.reading.CompareAndSwap(false, true) {
		return nil, ErrBusyReading
	}
	s.mu.Lock()
	c, closed := s.conn, s.readClosed
	s.rw = nil
	if s.tlsConn == nil {
		s.rw = s.ops.waiter()
	}
	s.mu.Unlock()
	if c == nil || closed {
		s.reading.Store(false)
		return nil, ErrClosed
	}
	if s.buf == nil {
		if size := s.cfg.bufferSize(); size == DefaultBufferSize {
			s.bufp = bufs.Get().(*[]byte)
			s.buf = *s.bufp
		} else {
			s.buf = make([]byte, size)
		}
	}
	return c, nil
}

// bufs keeps read buffers of the default size between sockets: a socket
// gives its buffer back when it goes to the keepalive pool or is closed
// with nothing being read.
var bufs = sync.Pool{New: func() any { b := make([]byte, DefaultBufferSize); return &b }}

// freeBuf gives the read buffer back; the caller holds the reading side,
// and nothing must be left unread.
func (s *TCPSocket) freeBuf() {
	if s.buf == nil || s.rpos < s.rend {
		return
	}
	if s.bufp != nil {
		bufs.Put(s.bufp)
	}
	s.buf, s.bufp, s.rpos, s.rend = nil, nil, 0, 0
}

func (s *TCPSocket) endRead() { s.reading.Store(false) }

// fill reads once from c into the (empty) buffer, under the read timeout.
func (s *TCPSocket) fill(c net.Conn) error {
	if s.rpos == s.rend {
		s.rpos, s.rend = 0, 0
	}
	if s.rw != nil {
		return s.fillEdge(s.rw)
	}
	if to := time.Duration(s.readTimeout.Load()); to > 0 {
		if err := c.SetReadDeadline(time.Now().Add(to)); err != nil {
			return err
		}
		s.readDeadline = true
	} else if s.readDeadline {
		if err := c.SetReadDeadline(time.Time{}); err != nil {
			return err
		}
		s.readDeadline = false
	}
	for {
		n, err := c.Read(s.buf[s.rend:])
		s.rend += n
		if n > 0 {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// fillEdge is fill on a socket in the epoll set: it waits for the socket's
// edge before reading unless the last read may have left bytes behind.
func (s *TCPSocket) fillEdge(w *edgepoll.Waiter) error {
	w.Arm(time.Duration(s.readTimeout.Load()))
	wait := !w.MayHaveBytes()
	for {
		if wait {
			if err := w.Wait(); err != nil {
				return err
			}
		}
		wait = true
		n, err := w.Read(s.buf[s.rend:])
		if err == edgepoll.ErrWouldBlock {
			continue
		}
		s.rend += n
		if n > 0 {
			return nil
		}
		return err
	}
}

// readFailed turns a read error into the returned error; anything but a
// timeout closes the reading side, as OpenResty does.
func (s *TCPSocket) readFailed(err error) error {
	err = classify(err)
	if !errors.Is(err, ErrTimeout) {
		s.mu.Lock()
		s.readClosed = true
		s.mu.Unlock()
	}
	return withPartial(err)
}

func (s *TCPSocket) buffered() []byte { return s.buf[s.rpos:s.rend] }

// Receive reads exactly n bytes (tcpsock:receive(size)). On failure it
// returns the bytes read so far with the error. n <= 0 returns "".
func (s *TCPSocket) Receive(n int) (string, error) {
	c, err := s.startRead()
	if err != nil {
		return "", err
	}
	defer s.endRead()
	if n <= 0 {
		return "", nil
	}
	if s.rend-s.rpos >= n {
		d := string(s.buf[s.rpos : s.rpos+n])
		s.rpos += n
		return d, nil
	}
	var out strings.Builder
	out.Grow(min(n, 1<<20))
	for {
		k := min(n-out.Len(), s.rend-s.rpos)
		out.Write(s.buf[s.rpos : s.rpos+k])
		s.rpos += k
		if out.Len() == n {
			return out.String(), nil
		}
		if err := s.fill(c); err != nil {
			return out.String(), s.readFailed(err)
		}
	}
}

// ReceiveLine reads a line (tcpsock:receive("*l")): up to a LF, which is
// dropped, as are all CR characters of the line. On failure (including the
// peer closing before a LF) it returns the line read so far.
func (s *TCPSocket) ReceiveLine() (string, error) {
	c, err := s.startRead()
	if err != nil {
		return "", err
	}
	defer s.endRead()
	var out strings.Builder
	for {
		b := s.buffered()
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			s.rpos += i + 1
			line := b[:i]
			if out.Len() == 0 && bytes.IndexByte(line, '\r') < 0 {
				return string(line), nil
			}
			writeNoCR(&out, line)
			return out.String(), nil
		}
		writeNoCR(&out, b)
		s.rpos = s.rend
		if err := s.fill(c); err != nil {
			return out.String(), s.readFailed(err)
		}
	}
}

func writeNoCR(out *strings.Builder, b []byte) {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\r')
		if i < 0 {
			out.Write(b)
			return
		}
		out.Write(b[:i])
		b = b[i+1:]
	}
}

// ReceiveAll reads until the peer closes (tcpsock:receive("*a")); the close
// is success. On failure it returns what was read.
func (s *TCPSocket) ReceiveAll() (string, error) {
	c, err := s.startRead()
	if err != nil {
		return "", err
	}
	defer s.endRead()
	var out strings.Builder
	for {
		out.Write(s.buffered())
		s.rpos = s.rend
		if err := s.fill(c); err != nil {
			if errors.Is(err, io.EOF) {
				return out.String(), nil
			}
			return out.String(), s.readFailed(err)
		}
	}
}

// ReceiveAny returns the data buffered or, when there is none, the data of
// one read from the network, at most max bytes (tcpsock:receiveany).
func (s *TCPSocket) ReceiveAny(max int) (string, error) {
	if max <= 0 {
		return "", errors.New("cosocket: receiveany: size must be positive")
	}
	c, err := s.startRead()
	if err != nil {
		return "", err
	}
	defer s.endRead()
	if s.rpos == s.rend {
		if err := s.fill(c); err != nil {
			return "", s.readFailed(err)
		}
	}
	k := min(max, s.rend-s.rpos)
	d := string(s.buf[s.rpos : s.rpos+k])
	s.rpos += k
	return d, nil
}

// Buffered reports whether a receive can be served from the bytes already
// buffered, without waiting on the network: by size (n > 0: at least n
// bytes) or by line (n == 0: a complete line). A caller that knows this
// may run the receive in place instead of yielding. It is false while
// another receive is running.
func (s *TCPSocket) Buffered(n int) bool {
	if s.connecting.Load() || !s.reading.CompareAndSwap(false, true) {
		return false
	}
	defer s.reading.Store(false)
	b := s.buffered()
	if n > 0 {
		return len(b) >= n
	}
	return bytes.IndexByte(b, '\n') >= 0
}
