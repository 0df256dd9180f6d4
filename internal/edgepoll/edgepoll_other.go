//go:build !linux

package edgepoll

import (
	"errors"
	"syscall"
	"time"
)

// ErrWouldBlock is a read that found no bytes.
var ErrWouldBlock = errors.New("edgepoll: read would block")

var errNoEpoll = errors.New("edgepoll: not supported on this system")

// Set is not available on this system.
type Set struct{}

// Open fails on this system.
func Open() (*Set, error) { return nil, errNoEpoll }

// Shared is nil on this system.
func Shared() *Set { return nil }

// Close does nothing.
func (s *Set) Close() {}

// Add fails on this system.
func (s *Set) Add(syscall.RawConn) (*Waiter, error) { return nil, errNoEpoll }

// Waiter is never made on this system.
type Waiter struct{}

func (w *Waiter) Signal()                            {}
func (w *Waiter) Pending() bool                      { return true }
func (w *Waiter) MayHaveBytes() bool                 { return true }
func (w *Waiter) Noted(n, size int)                  {}
func (w *Waiter) Read(p []byte) (int, error)         { return 0, errNoEpoll }
func (w *Waiter) Arm(time.Duration)                  {}
func (w *Waiter) Deadline() time.Time                { return time.Time{} }
func (w *Waiter) Wait() error                        { return errNoEpoll }
func (w *Waiter) Close(closeConn func() error) error { return closeConn() }

// Write fails on this system.
func (w *Waiter) Write([]byte) (int, error) { return 0, errNoEpoll }
