package shdict

import (
	"fmt"
	"math"
	"sync"
	"time"
)

// MinSize is the smallest size lua_shared_dict accepts; smaller sizes are a
// configuration error (`invalid lua shared dict size "4k"`).
const MinSize = 8192

// maxAllocRounds is how many times a store evicts before giving up, as in
// lua-nginx-module.
const maxAllocRounds = 30

// item is one key of the dict, linked into the LRU list.
type item struct {
	key        string
	val        Value
	list       *deque // non-nil for lists
	flags      uint32
	expires    int64 // unix milliseconds, 0 = never
	mem        chunk
	prev, next *item
}

// Dict is one shared dict zone. All methods are safe for concurrent use.
//
// A Dict keeps one lock for the whole zone: nginx's LRU order and byte
// capacity are per zone, and a sharded dict could not evict the zone's least
// recently used item or account its memory exactly (see the package doc for
// measurements).
type Dict struct {
	name string
	size int64
	now  func() time.Time

	mu    sync.Mutex
	items map[string]*item
	head  *item // most recently used
	tail  *item // least recently used
	mem   *slab
}

// Option configures a Dict.
type Option func(*Dict)

// WithClock makes the dict read time from now instead of time.Now.
func WithClock(now func() time.Time) Option {
	return func(d *Dict) { d.now = now }
}

// New returns an empty zone called name of size bytes. It fails like nginx
// when size is under MinSize or too small for nginx's own bookkeeping.
func New(name string, size int64, opts ...Option) (*Dict, error) {
	if size < MinSize {
		return nil, fmt.Errorf("shdict: invalid lua shared dict size %d", size)
	}
	d := &Dict{name: name, size: size, now: time.Now, items: make(map[string]*item), mem: newSlab(size)}
	for _, o := range opts {
		o(d)
	}
	// nginx allocates the dict's context and the zone's log context first.
	if _, ok := d.mem.alloc(shctxSize); !ok {
		return nil, fmt.Errorf("shdict: zone %q: %w", name, ErrSlabInit)
	}
	if _, ok := d.mem.alloc(len(` in lua_shared_dict zone ""`) + 1 + len(name)); !ok {
		return nil, fmt.Errorf("shdict: zone %q: %w", name, ErrSlabInit)
	}
	return d, nil
}

// Name returns the zone name.
func (d *Dict) Name() string { return d.name }

// Capacity returns the zone size in bytes, as ngx.shared.DICT:capacity().
func (d *Dict) Capacity() int64 { return d.size }

// FreeSpace returns the bytes of wholly free pages, as
// ngx.shared.DICT:free_space(): partly used pages do not count.
func (d *Dict) FreeSpace() int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.mem.freePages * pageSize
}

func (d *Dict) nowMs() int64 { return d.now().UnixMilli() }

// expiry turns a TTL in seconds into an absolute time in milliseconds the way
// lua-nginx-module does: the TTL is truncated to whole milliseconds as a C
// int64, so anything under 1 ms, negative, NaN or past 2^63 ms (where the
// conversion gives INT64_MIN) means "never".
func expiry(now int64, ttl float64) int64 {
	ms := ttl * 1000
	if !(ms >= 1 && ms < 1<<63) {
		return 0
	}
	if int64(ms) > math.MaxInt64-now { // nginx's uint64 sum does not wrap
		return math.MaxInt64
	}
	return now + int64(ms)
}

func (it *item) expired(now int64) bool { return it.expires != 0 && it.expires <= now }

// --- LRU list -------------------------------------------------------------

func (d *Dict) pushFront(it *item) {
	it.prev, it.next = nil, d.head
	if d.head != nil {
		d.head.prev = it
	}
	d.head = it
	if d.tail == nil {
		d.tail = it
	}
}

func (d *Dict) unlinkLRU(it *item) {
	if it.prev != nil {
		it.prev.next = it.next
	} else {
		d.head = it.next
	}
	if it.next != nil {
		it.next.prev = it.prev
	} else {
		d.tail = it.prev
	}
	it.prev, it.next = nil, nil
}

func (d *Dict) touch(it *item) {
	if d.head != it {
		d.unlinkLRU(it)
		d.pushFront(it)
	}
}

// lookup finds key and marks it most recently used, expired or not.
func (d *Dict) lookup(key string) *item {
	it := d.items[key]
	if it != nil {
		d.touch(it)
	}
	return it
}

// remove deletes an item and frees its memory.
func (d *Dict) remove(it *item) {
	d.unlinkLRU(it)
	delete(d.items, it.key)
	if it.list != nil {
		it.list.each(func(e elem) { d.mem.free(e.mem) })
	}
	d.mem.free(it.mem)
}

// expire is ngx_http_lua_shdict_expire: from the LRU tail, it removes up to
// two expired items; with force it first removes the tail item whatever its
// TTL (three items at most). It returns how many items it removed.
func (d *Dict) expire(force bool, now int64) int {
	freed := 0
	n := 1
	if force {
		n = 0
	}
	for ; n < 3; n++ {
		it := d.tail
		if it == nil {
			return freed
		}
		if n != 0 {
			if !it.expired(now) {
				return freed
			}
		}
		d.remove(it)
		freed++
	}
	return freed
}

// allocEvicting allocates size bytes, evicting from the LRU tail when the
// zone is full (unless safe). forcible reports that evictions happened.
func (d *Dict) allocEvicting(size int, safe bool, now int64) (ch chunk, forcible bool, err error) {
	if ch, ok := d.mem.alloc(size); ok {
		return ch, false, nil
	}
	if safe {
		return chunk{}, false, ErrNoMemory
	}
	for i := 0; i < maxAllocRounds; i++ {
		if d.expire(true, now) == 0 {
			break
		}
		forcible = true
		if ch, ok := d.mem.alloc(size); ok {
			return ch, true, nil
		}
	}
	return chunk{}, forcible, ErrNoMemory
}

// insert adds a new item at the LRU head.
func (d *Dict) insert(it *item) {
	d.items[it.key] = it
	d.pushFront(it)
}
