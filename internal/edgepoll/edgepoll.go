//go:build linux

package edgepoll

import (
	"errors"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/goresty/goresty/internal/clock"
)

// ErrWouldBlock is a read that found no bytes.
var ErrWouldBlock = errors.New("edgepoll: read would block")

// Set is an edge-triggered epoll set of sockets.
type Set struct {
	epfd    int
	file    *os.File // epfd, registered with Go's poller
	mu      sync.Mutex
	members []*Waiter // by descriptor
	closed  bool
	events  [128]syscall.EpollEvent
	woken   []*Waiter
	done    chan struct{}
}

// Open makes a set and starts its goroutine.
func Open() (*Set, error) {
	s, rc, err := open()
	if err != nil {
		return nil, err
	}
	go func() {
		defer close(s.done)
		rc.Read(s.poll) // until Close
	}()
	return s, nil
}

// Shared returns the process's set for outgoing sockets (cosockets), made
// at the first call; nil when epoll is not available.
var Shared = sync.OnceValue(func() *Set {
	s, _ := Open()
	return s
})

func open() (*Set, syscall.RawConn, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, nil, os.NewSyscallError("epoll_create1", err)
	}
	if err := syscall.SetNonblock(epfd, true); err != nil {
		syscall.Close(epfd)
		return nil, nil, err
	}
	f := os.NewFile(uintptr(epfd), "epoll")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return &Set{epfd: epfd, file: f, done: make(chan struct{})}, rc, nil
}

// poll gives the ready sockets' waiters their tokens; false makes Go's
// poller wait for the set's next edge.
func (s *Set) poll(uintptr) bool {
	for {
		n, err := s.ready()
		if err != nil {
			return true
		}
		// the scheduler runs the goroutine woken last first and the others
		// in the order they were woken: the first ready goes last
		if len(s.woken) > 0 {
			for _, w := range s.woken[1:] {
				w.Signal()
			}
			s.woken[0].Signal()
		}
		clear(s.woken)
		if n < len(s.events) {
			return false
		}
	}
}

// ready takes the ready sockets off the set into s.woken, in epoll's
// order; n is the number of events.
func (s *Set) ready() (n int, err error) {
	for {
		n, err = syscall.EpollWait(s.epfd, s.events[:], 0)
		if err != syscall.EINTR {
			break
		}
	}
	s.woken = s.woken[:0]
	if err != nil || n == 0 {
		return n, err
	}
	s.mu.Lock()
	for _, ev := range s.events[:n] {
		if fd := int(ev.Fd); fd < len(s.members) && s.members[fd] != nil {
			w := s.members[fd]
			if ev.Events&(syscall.EPOLLRDHUP|syscall.EPOLLHUP|syscall.EPOLLERR) != 0 {
				w.hup.Store(true)
			}
			s.woken = append(s.woken, w)
		}
	}
	s.mu.Unlock()
	return n, nil
}

// Close stops the set's goroutine. Waiters still in it keep working: their
// waits end with their own Signal (a close).
func (s *Set) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.members = nil
	s.mu.Unlock()
	s.file.Close()
	<-s.done
}

// Add puts a socket in the set for its life.
func (s *Set) Add(rc syscall.RawConn) (*Waiter, error) {
	w := &Waiter{set: s, rc: rc, wake: make(chan struct{}, 1), full: true}
	w.readFn = w.tryRead
	w.writeFn = w.tryWrite
	var err error
	cerr := rc.Control(func(fd uintptr) {
		w.fd = int(fd)
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.closed {
			err = os.ErrClosed
			return
		}
		ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | -syscall.EPOLLET, Fd: int32(fd)}
		if err = syscall.EpollCtl(s.epfd, syscall.EPOLL_CTL_ADD, int(fd), &ev); err != nil {
			err = os.NewSyscallError("epoll_ctl", err)
			return
		}
		for len(s.members) <= int(fd) {
			s.members = append(s.members, nil)
		}
		s.members[fd] = w
	})
	if cerr != nil {
		return nil, cerr
	}
	if err != nil {
		return nil, err
	}
	return w, nil
}

// Waiter waits for one socket of a Set. One goroutine at a time reads and
// waits; Signal and Close may come from any.
type Waiter struct {
	set  *Set
	rc   syscall.RawConn
	fd   int
	wake chan struct{} // a token: the socket became readable (or closed, or the wait timed out)
	// full: the last read filled its buffer, so bytes may be left in the
	// socket that raised no new edge
	full bool
	// hup: the peer closed (or reset) the connection. Its edge may have
	// come with bytes a read took after it: the end is then left with no
	// edge to come, so every read from now on goes ahead without a wait
	// (nginx keeps the same mark from EPOLLRDHUP)
	hup atomic.Bool
	// the non-blocking read's buffer and results, for readFn (made once:
	// a read allocates nothing)
	buf    []byte
	rn     int
	rerr   error
	readFn func(uintptr) bool
	// Write's state, likewise for writeFn; wmu keeps writers apart
	wmu     sync.Mutex
	wbuf    []byte
	wn      int
	werr    syscall.Errno
	writeFn func(uintptr) bool

	// the wait's timeout: one timer per waiter, moved only forward lazily
	// (it re-arms itself when it fires before the deadline)
	mu       sync.Mutex
	timer    *time.Timer
	fireAt   time.Time // zero: not armed
	deadline time.Time // zero: no limit
	expired  atomic.Bool
	removed  atomic.Bool
}

// Signal gives the waiter a token (a close, a timeout, new bytes).
func (w *Waiter) Signal() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Pending reports whether a token waits: the socket raised an edge (bytes,
// a close by the peer) since the last Wait took one.
func (w *Waiter) Pending() bool { return len(w.wake) > 0 }

// MayHaveBytes reports whether the last read filled its buffer or the
// peer closed: bytes or the end may wait in the socket without a token.
func (w *Waiter) MayHaveBytes() bool { return w.full || w.hup.Load() }

// Noted records a read made past the waiter (through Go's poller) of n
// bytes into a buffer of size.
func (w *Waiter) Noted(n, size int) { w.full = n == size }

// Read reads once without waiting: ErrWouldBlock when the socket is
// empty, io.EOF when the peer closed it.
func (w *Waiter) Read(p []byte) (int, error) {
	w.buf = p
	err := w.rc.Read(w.readFn)
	n, rerr := w.rn, w.rerr
	w.buf, w.rerr = nil, nil
	switch {
	case err != nil:
		return 0, err
	case rerr == syscall.EAGAIN:
		w.full = false
		return 0, ErrWouldBlock
	case rerr != nil:
		return 0, os.NewSyscallError("read", rerr)
	case n == 0:
		return 0, io.EOF
	}
	w.full = n == len(p)
	return n, nil
}

func (w *Waiter) tryRead(fd uintptr) bool {
	for {
		n, errno := rawIO(syscall.SYS_READ, fd, w.buf)
		if errno == syscall.EINTR {
			continue
		}
		w.rn, w.rerr = n, nil
		if errno != 0 {
			w.rn, w.rerr = 0, errno
		}
		return true
	}
}

// Write writes all of p, as a net.Conn's Write does: when the socket is
// full, it waits in Go's poller (within the connection's write deadline).
// It returns the system call's error (a syscall.Errno) or the poller's
// (a deadline, a closed connection) as they are.
func (w *Waiter) Write(p []byte) (int, error) {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	w.wbuf, w.wn, w.werr = p, 0, 0
	err := w.rc.Write(w.writeFn)
	n, werr := w.wn, w.werr
	w.wbuf = nil
	if err == nil && werr != 0 {
		err = werr
	}
	return n, err
}

func (w *Waiter) tryWrite(fd uintptr) bool {
	for w.wn < len(w.wbuf) {
		n, errno := rawIO(syscall.SYS_WRITE, fd, w.wbuf[w.wn:])
		switch errno {
		case 0:
			w.wn += n
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false // wait until the socket takes more
		default:
			w.werr = errno
			return true
		}
	}
	return true
}

// rawIO reads or writes p on non-blocking socket fd. Such a call never
// blocks, so it is made without telling Go's scheduler (as syscall.Read
// and Write do, at ~200 instructions a call).
func rawIO(trap, fd uintptr, p []byte) (int, syscall.Errno) {
	var ptr unsafe.Pointer
	if len(p) > 0 {
		ptr = unsafe.Pointer(&p[0])
	}
	n, _, errno := syscall.RawSyscall(trap, fd, uintptr(ptr), uintptr(len(p)))
	return int(n), errno
}

// Arm starts a wait of at most d (none when d <= 0); Wait returns
// os.ErrDeadlineExceeded once it has passed.
func (w *Waiter) Arm(d time.Duration) {
	w.mu.Lock()
	w.expired.Store(false)
	if d <= 0 {
		w.deadline = time.Time{}
		w.mu.Unlock()
		return
	}
	dl := clock.Now().Add(d)
	w.deadline = dl
	switch {
	case w.timer == nil:
		w.timer = time.AfterFunc(d, w.fire)
		w.fireAt = dl
	case w.fireAt.IsZero() || dl.Before(w.fireAt):
		w.timer.Reset(d)
		w.fireAt = dl
	}
	w.mu.Unlock()
}

// Deadline is when the wait armed last ends (zero: no limit).
func (w *Waiter) Deadline() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.deadline
}

// fire ends the wait whose deadline passed, or re-arms for the later
// deadline of a newer wait.
func (w *Waiter) fire() {
	w.mu.Lock()
	if w.removed.Load() || w.deadline.IsZero() {
		w.fireAt = time.Time{}
		w.mu.Unlock()
		return
	}
	if d := time.Until(w.deadline); d > 0 {
		w.timer.Reset(d)
		w.fireAt = w.deadline
		w.mu.Unlock()
		return
	}
	w.fireAt = time.Time{}
	w.expired.Store(true)
	w.mu.Unlock()
	w.Signal()
}

// Wait waits for a token; os.ErrDeadlineExceeded when the armed wait has
// passed. A token may be stale (its bytes already read): the caller reads
// and waits again on ErrWouldBlock.
func (w *Waiter) Wait() error {
	if w.expired.Load() {
		return os.ErrDeadlineExceeded
	}
	<-w.wake
	return nil
}

// Close takes the socket out of the set, closes it with closeConn, and
// then wakes a wait, which reads the closed socket and fails. (A wake
// before the close could let the waiter read once more, find nothing and
// wait for good.) The kernel drops the closed socket from the epoll set.
func (w *Waiter) Close(closeConn func() error) error {
	if w.removed.Swap(true) {
		return closeConn()
	}
	w.mu.Lock()
	if w.timer != nil {
		w.timer.Stop()
	}
	w.mu.Unlock()
	s := w.set
	s.mu.Lock()
	if w.fd < len(s.members) && s.members[w.fd] == w {
		s.members[w.fd] = nil
	}
	s.mu.Unlock()
	err := closeConn()
	w.Signal()
	return err
}
