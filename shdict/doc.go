// Package shdict is the engine behind lua_shared_dict NAME SIZE: a byte-sized
// zone of keys shared by every worker, with TTLs, user flags, numbers,
// booleans, strings and lists, evicting least recently used items when full.
// It knows nothing of Lua; luaapi/shared binds it to ngx.shared.DICT.
//
// Memory is accounted as nginx does it, so a zone of a given size holds as
// many items as in OpenResty: each item costs a 68-byte node header plus its
// key and value, rounded up by a model of nginx's slab allocator (power-of-two
// chunks packed in 4 KiB pages, whole pages above 2 KiB, the pool header and
// page descriptors taken off the top). Measured on nginx 1.22 +
// lua-nginx-module 0.10.23 with 10-byte keys and 10-byte values, a zone holds
// before its first forcible eviction: 12k 31, 16k 63, 32k 191, 64k 447,
// 128k 959, 256k 1983, 1m 8095, 10m 81375 items; this package reproduces
// those numbers exactly (see TestCalibration). Sizes under 8192 bytes are
// refused by the config, and 8k…12287 bytes are refused at start-up.
//
// When a store needs room it first drops expired items from the LRU tail, then
// evicts the least recently used item (expired or not) up to 30 times,
// reporting forcible = true; the Safe variants return ErrNoMemory instead.
// Lists never evict.
//
// Locking: one mutex per zone. LRU order and capacity are per zone in nginx,
// so sharding would change which item is evicted and how full a zone may get.
// Measured with 2 goroutines on 2 cores (BenchmarkParallel*): one zone costs
// 150 ns per Get and 169 ns per Set, against 104 and 79 ns on two separate
// zones, the best that any sharding could give. The lock is held for well
// under a microsecond and never across I/O, so exact OpenResty semantics win.
package shdict
