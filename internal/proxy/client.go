package proxy

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// upClient is the HTTP/1.x client of one upstream and one set of
// timeouts. It writes the request head the proxy built byte for byte (so
// the request line says HTTP/1.0 or HTTP/1.1 and the headers keep nginx's
// order, which net/http's Transport cannot do) and keeps up to
// Upstream.Keepalive idle connections, as nginx's "keepalive" does.
type upClient struct {
	dialer         net.Dialer
	readTO, sendTO time.Duration
	keep           int
	idleTO         time.Duration
	maxReqs        int

	mu   sync.Mutex
	idle []*upConn // oldest first
}

func newClient(k trKey) *upClient {
	up := k.up
	return &upClient{
		dialer: net.Dialer{Timeout: k.connectTO, KeepAlive: -1},
		readTO: k.readTO, sendTO: k.sendTO,
		keep: up.Keepalive, idleTO: up.KeepaliveTimeout, maxReqs: up.KeepaliveRequests,
	}
}

// outReq is one request to send: the head (request line, headers and the
// blank line) and the body.
type outReq struct {
	method    string
	head      []byte
	body      []byte
	keepalive bool // the head allows the connection to be kept (no "Connection: close")
}

// upConn is one upstream connection. Each read and write gets its own
// deadline: nginx's timeouts are between two operations, not for a whole
// response.
type upConn struct {
	net.Conn
	c     *upClient
	addr  string
	br    *bufio.Reader
	reqs  int
	nread int64 // bytes read for the current request
	timer *time.Timer
}

func (uc *upConn) Read(p []byte) (int, error) {
	if uc.c.readTO > 0 {
		uc.Conn.SetReadDeadline(time.Now().Add(uc.c.readTO))
	}
	n, err := uc.Conn.Read(p)
	uc.nread += int64(n)
	return n, err
}

func (uc *upConn) write(p []byte) error {
	if len(p) == 0 {
		return nil
	}
	if uc.c.sendTO > 0 {
		uc.Conn.SetWriteDeadline(time.Now().Add(uc.c.sendTO))
	}
	_, err := uc.Conn.Write(p)
	return err
}

// roundTrip sends o to addr and reads the response header. The body of
// the response must be closed; it gives the connection back to the pool
// when it was read to its end and may be kept.
// It notes in a when the connection was ready and the header read.
func (c *upClient) roundTrip(ctx context.Context, addr string, o *outReq, a *attempt, start time.Time) (*http.Response, error) {
	for {
		uc, reused := c.get(addr)
		if uc == nil {
			conn, err := c.dialer.DialContext(ctx, "tcp", addr)
			if err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				return nil, err
			}
			uc = &upConn{Conn: conn, c: c, addr: addr}
			uc.br = bufio.NewReaderSize(uc, 4096)
		}
		a.connect = time.Since(start)
		resp, err := uc.exchange(ctx, o)
		if err == nil {
			a.header = time.Since(start)
			return resp, nil
		}
		uc.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if reused && uc.nread == 0 {
			// the upstream closed the idle connection: try a new one
			continue
		}
		return nil, err
	}
}

func (uc *upConn) exchange(ctx context.Context, o *outReq) (*http.Response, error) {
	uc.reqs++
	uc.nread = 0
	stop := context.AfterFunc(ctx, func() { uc.Conn.Close() })
	if err := uc.write(o.head); err != nil {
		stop()
		return nil, err
	}
	if err := uc.write(o.body); err != nil {
		stop()
		return nil, err
	}
	req := &http.Request{Method: o.method}
	for {
		names := peekHeaderNames(uc.br)
		resp, err := http.ReadResponse(uc.br, req)
		if err != nil {
			stop()
			return nil, err
		}
		if resp.StatusCode >= 100 && resp.StatusCode < 200 && resp.StatusCode != http.StatusSwitchingProtocols {
			continue // an interim response: the real one follows
		}
		keep := o.keepalive && !resp.Close && resp.ProtoAtLeast(1, 1) && uc.c.keep > 0 &&
			(uc.c.maxReqs <= 0 || uc.reqs < uc.c.maxReqs)
		resp.Body = &upBody{rc: resp.Body, uc: uc, ctx: ctx, stop: stop, keep: keep, names: names}
		return resp, nil
	}
}

// upBody is a response body; closing it releases the connection.
type upBody struct {
	// names are the upstream's header names as it wrote them, in order
	names []string
	rc    io.ReadCloser
	uc    *upConn
	ctx   context.Context
	stop  func() bool
	keep  bool
	eof   bool
	done  bool
}

func (b *upBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err == io.EOF {
		b.eof = true
	} else if err != nil && b.ctx.Err() != nil {
		err = b.ctx.Err()
	}
	return n, err
}

func (b *upBody) Close() error {
	if b.done {
		return nil
	}
	b.done = true
	if b.stop() && b.eof && b.keep && b.uc.br.Buffered() == 0 {
		b.uc.c.put(b.uc)
		return nil
	}
	return b.uc.Close()
}

// get takes the most recent idle connection to addr.
func (c *upClient) get(addr string) (*upConn, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := len(c.idle) - 1; i >= 0; i-- {
		uc := c.idle[i]
		if uc.addr != addr {
			continue
		}
		c.idle = append(c.idle[:i], c.idle[i+1:]...)
		if uc.timer != nil {
			uc.timer.Stop()
		}
		return uc, true
	}
	return nil, false
}

// put keeps uc idle, closing the oldest idle connection when the pool is full.
func (c *upClient) put(uc *upConn) {
	uc.Conn.SetDeadline(time.Time{})
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.idle) >= c.keep {
		old := c.idle[0]
		c.idle = c.idle[1:]
		c.drop(old)
	}
	c.idle = append(c.idle, uc)
	if c.idleTO > 0 {
		uc.timer = time.AfterFunc(c.idleTO, func() { c.expire(uc) })
	}
}

func (c *upClient) drop(uc *upConn) {
	if uc.timer != nil {
		uc.timer.Stop()
	}
	uc.Close()
}

// expire closes uc after keepalive_timeout if it is still idle.
func (c *upClient) expire(uc *upConn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, x := range c.idle {
		if x == uc {
			c.idle = append(c.idle[:i], c.idle[i+1:]...)
			uc.Close()
			return
		}
	}
}

// closeIdle closes every idle connection.
func (c *upClient) closeIdle() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, uc := range c.idle {
		c.drop(uc)
	}
	c.idle = nil
}

// peekHeaderNames reads the header names of the response head waiting in
// br, spelled and ordered as the upstream wrote them, without consuming
// anything (http.ReadResponse canonicalises them and forgets the order;
// nginx passes them on as they came). nil when the head does not fit the
// buffer.
func peekHeaderNames(br *bufio.Reader) []string {
	if _, err := br.Peek(1); err != nil {
		return nil
	}
	for n := br.Buffered(); ; n = br.Buffered() {
		p, _ := br.Peek(n)
		if i := bytes.Index(p, []byte("\n\r\n")); i >= 0 {
			return headerNames(p[:i+1])
		}
		if i := bytes.Index(p, []byte("\n\n")); i >= 0 {
			return headerNames(p[:i+1])
		}
		if n >= br.Size() {
			return nil
		}
		if _, err := br.Peek(n + 1); err != nil {
			return nil
		}
	}
}

func headerNames(head []byte) []string {
	var names []string
	lines := bytes.Split(head, []byte("\n"))
	for _, l := range lines[1:] { // after the status line
		if i := bytes.IndexByte(l, ':'); i > 0 {
			names = append(names, string(bytes.TrimSpace(l[:i])))
		}
	}
	return names
}
