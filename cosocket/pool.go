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
		conns = append(conns, cp.idle...)
		cp.idle = nil
		cp.closed = true
		if cp.timer != nil {
			cp.timer.Stop()
		}
	}
	p.mu.Unlock()
	for _, ic := range conns {
		ic.close()
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
	// timer closes the idle connections whose time is up; it is armed for
	// timerAt (zero: not armed), the earliest expiry among the idle ones,
	// so putting a connection back costs no timer operation in the usual
	// case of one idle timeout for the whole pool.
	timer   *time.Timer
	timerAt time.Time
}

// idleConn is a connection resting in a pool.
type idleConn struct {
	conn    net.Conn // what the socket reads and writes (maybe *tls.Conn)
	raw     net.Conn // the transport under conn
	tls     *tls.Conn
	session *Session
	reused  int
	ops     *fdOps    // raw's; nil when it has no file descriptor
	expires time.Time // zero: no idle timeout
}

// close closes an idle connection.
func (ic *idleConn) close() { ic.ops.closeConn(ic.conn) }

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
	if ic := cp.popLive(); ic != nil {
		p.mu.Unlock()
		return ic, cp, nil
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

// takeIdle returns a live idle connection of the pool named key (or kb,
// when not nil), and the pool, without waiting; nil when there is none.
func (p *Pool) takeIdle(key string, kb []byte) (*idleConn, *connPool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var cp *connPool
	if kb != nil {
		cp = p.pools[string(kb)]
	} else {
		cp = p.pools[key]
	}
	if cp == nil {
		return nil, nil
	}
	if ic := cp.popLive(); ic != nil {
		return ic, cp
	}
	return nil, nil
}

// popLive takes the most recently used idle connection that is still
// alive, closing the dead ones it meets; the caller holds the Pool's mu.
func (cp *connPool) popLive() *idleConn {
	for len(cp.idle) > 0 {
		ic := cp.idle[len(cp.idle)-1]
		cp.idle[len(cp.idle)-1] = nil
		cp.idle = cp.idle[:len(cp.idle)-1]
		if ic.ops.alive() {
			return ic
		}
		cp.total--
		ic.close()
	}
	return nil
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
		ic.close()
		return
	}
	if len(cp.waiters) > 0 {
		ch := cp.waiters[0]
		cp.waiters = cp.waiters[1:]
		p.mu.Unlock()
		ch <- grant{ic: ic}
		return
	}
	ic.expires = time.Time{}
	if idle > 0 {
		ic.expires = time.Now().Add(idle)
		if cp.timerAt.IsZero() || ic.expires.Before(cp.timerAt) {
			p.arm(cp, ic.expires)
		}
	}
	cp.idle = append(cp.idle, ic)
	var evicted *idleConn
	if len(cp.idle) > cp.size {
		evicted = cp.idle[0]
		copy(cp.idle, cp.idle[1:])
		cp.idle[len(cp.idle)-1] = nil
		cp.idle = cp.idle[:len(cp.idle)-1]
		cp.total--
	}
	p.mu.Unlock()
	if evicted != nil {
		evicted.close()
	}
}

// arm sets cp's timer to fire at at; the caller holds p.mu.
func (p *Pool) arm(cp *connPool, at time.Time) {
	cp.timerAt = at
	d := time.Until(at)
	if cp.timer == nil {
		cp.timer = time.AfterFunc(d, func() { p.sweep(cp) })
		return
	}
	cp.timer.Reset(d)
}

// sweep closes the idle connections of cp whose idle timeout is up and
// arms the timer for the next one.
func (p *Pool) sweep(cp *connPool) {
	p.mu.Lock()
	if cp.closed {
		p.mu.Unlock()
		return
	}
	now := time.Now()
	var expired []*idleConn
	var next time.Time
	kept := cp.idle[:0]
	for _, ic := range cp.idle {
		switch {
		case ic.expires.IsZero():
		case !ic.expires.After(now):
			expired = append(expired, ic)
			continue
		case next.IsZero() || ic.expires.Before(next):
			next = ic.expires
		}
		kept = append(kept, ic)
	}
	clear(cp.idle[len(kept):])
	cp.idle = kept
	cp.timerAt = time.Time{}
	if !next.IsZero() {
		p.arm(cp, next)
	}
	p.mu.Unlock()
	for _, ic := range expired {
		ic.close()
		p.release(cp)
	}
}
