// Package cosocket is goresty's Lua-free client I/O engine: the part of
// OpenResty's ngx.socket.tcp and ngx.socket.udp cosockets that talks to the
// network.
//
// Every method may block and is meant to be called from an operation
// goroutine, never from a Lua VM goroutine: the Lua layer (luaapi) yields the
// calling coroutine, runs the method on its own goroutine and resumes the
// coroutine with the results. A socket allows one reader, one writer and
// non-blocking setters at the same time, as OpenResty does; a second
// concurrent reader gets ErrBusyReading ("socket busy reading").
//
// Failures are Go errors whose OpenResty text is given by ErrString, so a Lua
// binding is a thin shim:
//
//	data, err := sock.Receive(n)
//	if err != nil {
//		if cosocket.HasPartial(err) {
//			return nil, cosocket.ErrString(err), data // 3 values
//		}
//		return nil, cosocket.ErrString(err) // 2 values
//	}
//
// Keepalive pools live in a Pool (one per worker, as OpenResty's pools are per
// nginx worker). Timeouts are per socket and per operation kind (connect,
// send, read), with nginx semantics: the read timeout bounds each wait for
// new bytes, not the whole operation.
//
// Behaviour (strings, receiveuntil chunking, partial data) was observed on
// nginx 1.22.1 + lua-nginx-module 0.10.23; testdata/receiveuntil_nginx.tsv is
// a capture of the real module's receiveuntil results replayed by the tests.
package cosocket
