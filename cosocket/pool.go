package cosocket

import (
	"context"
	"crypto/tls"
	"net"
	"sync"
	"time"
)

// Pool is one worker's set of keepalive connection pools, keyed by
// "host:port", "unix:/path" or a custom pool name. It is safe for concurrent
// use. The zero value is not usable: call NewPool.
type Pool struct {
	mu    sync.Mutex
	pools map[string]*connPool
}

// NewPool returns an empty set of pools.
func NewPool() *Pool {
	return &Pool{pools: make(map[string]*connPool)}
}

// PoolStats describes one pool: Idle connections kept alive, Total
// connections counted against the pool (idle plus in use by sockets that
// connected through it), Waiting connect operations in the backlog queue.
type PoolStats struct {
	Size, Backlog        int // Backlog is -1 when there is none
	Idle, Total, Waiting int
}

// Stats returns the state of the pool named key, and whether it exists.
func (p *Pool) Stats(key string) (PoolStats, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	cp := p.pools[key]
	if cp == nil {
		return PoolStats{}, false
	}
	return PoolStats{Size: cp.size, Backlog: cp.backlog, Idle: len(cp.idle),
		Total: cp.total, Waiting: len(cp.waiters)}, true
}

// Close closes every idle connection of every pool. Sockets in use are not
// touched; putting them back later closes them.
func (p *Pool) Close() {
	p.mu.Lock()
	pools := p.pools
	p.pools = make(map[string]*connPool)
	var conns []*idleConn
	for _, cp := range pools {
		for _, ic := range cp.idle {
			ic.stopTimer()
			conns = append(conns, ic)
		}
		cp.idle = nil
		cp.closed = true
	}
	p.mu.Unlock()
	for _, ic := range conns {
		ic.conn.Close()
	}
}

type connPool struct {
	key     string
	size    int
	backlog int // -1: no backlog limit
	total   int
	idle    []*idleConn // least recently used first
	waiters []chan grant
	closed  bool
}

// idleConn is a connection resting in a pool.
type idleConn struct {
	conn    net.Conn // what the socket reads and writes (maybe *tls.Conn)
	raw     net.Conn // the transport under conn
	tls     *tls.Conn
	session *Session
	reused  int
	timer   *time.Timer
}

// grant is what a waiting connect receives: a pooled connection to reuse,
// or (ic == nil) a slot to dial a new one.
type grant struct{ ic *idleConn }

// lease is a socket's membership in a pool.
type lease struct {
	pool *Pool
	cp   *connPool
}

func (p *Pool) get(key string, size, backlog int) *connPool {
	cp := p.pools[key]
	if cp == nil {
		cp = &connPool{key: key, size: size, backlog: backlog}
		p.pools[key] = cp
	}
	return cp
}

// acquire returns a live idle connection of the pool, or nil with a slot
// counted for a connection the caller dials (and must release on failure).
// A missing pool is created only if create is set (connect options named a
// size or a backlog); otherwise the result is nil, nil: no pool yet.
// With a backlog, it waits up to timeout for a connection or a slot.
func (p *Pool) acquire(ctx context.Context, key string, size, backlog int, create bool, timeout time.Duration) (*idleConn, *connPool, error) {
	p.mu.Lock()
	cp := p.pools[key]
	if cp == nil {
		if !create {
			p.mu.Unlock()
			return nil, nil, nil
		}
		cp = p.get(key, size, backlog)
	}
	for len(cp.idle) > 0 {
		ic := cp.idle[len(cp.idle)-1]
		cp.idle = cp.idle[:len(cp.idle)-1]
		ic.stopTimer()
		if alive(ic.raw) {
			p.mu.Unlock()
			return ic, cp, nil
		}
		cp.total--
		ic.conn.Close()
	}
	if cp.backlog < 0 || cp.total < cp.size {
		cp.total++
		p.mu.Unlock()
		return nil, cp, nil
	}
	if len(cp.waiters) >= cp.backlog {
		p.mu.Unlock()
		return nil, nil, ErrTooManyWaiting
	}
	ch := make(chan grant, 1)
	cp.waiters = append(cp.waiters, ch)
	p.mu.Unlock()
	return p.wait(ctx, cp, ch, timeout)
}

func (p *Pool) wait(ctx context.Context, cp *connPool, ch chan grant, timeout time.Duration) (*idleConn, *connPool, error) {
	var expire <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expire = t.C
	}
	var err error
	select {
	case g := <-ch:
		return g.ic, cp, nil
	case <-expire:
		err = ErrTimeout
	case <-ctx.Done():
		err = classify(ctx.Err())
	}
	p.mu.Lock()
	for i, w := range cp.waiters {
		if w == ch {
			cp.waiters = append(cp.waiters[:i], cp.waiters[i+1:]...)
			p.mu.Unlock()
			return nil, nil, err
		}
	}
	p.mu.Unlock()
	// Granted while giving up: hand the grant on to the next waiter.
	g := <-ch
	if g.ic != nil {
		p.put(cp, g.ic, 0)
	} else {
		p.release(cp)
	}
	return nil, nil, err
}

// release gives back the slot of a connection that was closed.
func (p *Pool) release(cp *connPool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	cp.total--
	if len(cp.waiters) > 0 && cp.total < cp.size && !cp.closed {
		ch := cp.waiters[0]
		cp.waiters = cp.waiters[1:]
		cp.total++
		ch <- grant{}
	}
}

// put keeps ic idle in cp for at most idle (0: forever), or hands it to
// the first waiting connect. The least recently used idle connection is
// closed when the pool is over its size.
func (p *Pool) put(cp *connPool, ic *idleConn, idle time.Duration) {
	p.mu.Lock()
	if cp.closed {
		cp.total--
		p.mu.Unlock()
		ic.conn.Close()
		return
	}
	if len(cp.waiters) > 0 {
		ch := cp.waiters[0]
		cp.waiters = cp.waiters[1:]
		p.mu.Unlock()
		ch <- grant{ic: ic}
		return
	}
	ic.timer = nil
	if idle > 0 {
		ic.timer = time.AfterFunc(idle, func() { p.expire(cp, ic) })
	}
	cp.idle = append(cp.idle, ic)
	var evicted *idleConn
	if len(cp.idle) > cp.size {
		evicted = cp.idle[0]
		cp.idle = cp.idle[1:]
		evicted.stopTimer()
		cp.total--
	}
	p.mu.Unlock()
	if evicted != nil {
		evicted.conn.Close()
	}
}

// expire closes ic if it is still idle in cp.
func (p *Pool) expire(cp *connPool, ic *idleConn) {
	p.mu.Lock()
	found := false
	for i, c := range cp.idle {
		if c == ic {
			cp.idle = append(cp.idle[:i], cp.idle[i+1:]...)
			found = true
			break
		}
	}
	p.mu.Unlock()
	if found {
		ic.conn.Close()
		p.release(cp)
	}
}

func (ic *idleConn) stopTimer() {
	if ic.timer != nil {
		ic.timer.Stop()
	}
}
