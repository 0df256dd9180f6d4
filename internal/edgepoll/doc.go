// Package edgepoll waits for sockets to become readable in an epoll set of
// goresty's own, and wakes the waiting goroutines in the order epoll
// reports the sockets ready, as nginx handles them.
//
// A goroutine parked in Go's poller is woken in the reverse of epoll's
// order within one poll (the runtime builds its list of ready goroutines by
// pushing on its head): under load the first socket ready is served last,
// and latencies spread from ~0 to twice the batch time where nginx's stay
// near one. A socket added to a Set (edge-triggered, once for its life)
// stays in Go's poller too; one goroutine per Set waits for the set's own
// descriptor in Go's poller, takes the ready sockets in epoll's order and
// gives each Waiter a token.
//
// A Waiter does not read before it waits: after a read that drained the
// socket, every new byte raises a new edge. Go's net package must try a
// read before each wait (it resets the readiness it knew), which finds
// nothing when the peer has not answered yet; a Waiter saves that call.
// Two marks keep this safe (MayHaveBytes): a read that filled its buffer
// may have left bytes behind, and an edge that carried the peer's close
// may have come with bytes a read took after it; either way the next read
// goes ahead without waiting.
//
// The package is Linux-only: elsewhere Open fails and callers let sockets
// wait in Go's poller.
package edgepoll
