package shdict

// storeOp selects the behaviour of store.
type storeOp uint8

const (
	opSet storeOp = iota
	opAdd
	opReplace
)

// Get returns the value and user flags of a live key; ok is false when the
// key is absent or expired. A list gives ErrIsList.
func (c Clocked) Get(key string) (v Value, flags uint32, ok bool, err error) {
	d := c.d
	d.mu.Lock()
	defer d.mu.Unlock()
	now := c.now
	d.expire(false, now)
	it := d.lookup(key)
	if it == nil || it.expired(now) {
		return Value{}, 0, false, nil
	}
	if it.list != nil {
		return Value{}, 0, false, ErrIsList
	}
	return it.val, it.flags, true, nil
}

// GetStale is Get that also returns expired items not yet removed, with
// stale set.
func (c Clocked) GetStale(key string) (v Value, flags uint32, stale, ok bool, err error) {
	d := c.d
	d.mu.Lock()
	defer d.mu.Unlock()
	it := d.lookup(key)
	if it == nil {
		return Value{}, 0, false, false, nil
	}
	if it.list != nil {
		return Value{}, 0, false, false, ErrIsList
	}
	return it.val, it.flags, it.expired(c.now), true, nil
}

// Set stores v under key for ttl seconds (0 = forever) with user flags,
// evicting least recently used items when the zone is full; forcible reports
// that live items may have been evicted. A Value of KindNil deletes the key.
func (c Clocked) Set(key string, v Value, ttl float64, flags uint32) (forcible bool, err error) {
	return c.store(opSet, false, key, v, ttl, flags)
}

// SafeSet is Set that fails with ErrNoMemory instead of evicting.
func (c Clocked) SafeSet(key string, v Value, ttl float64, flags uint32) (forcible bool, err error) {
	return c.store(opSet, true, key, v, ttl, flags)
}

// Add is Set that fails with ErrExists when key is live.
func (c Clocked) Add(key string, v Value, ttl float64, flags uint32) (forcible bool, err error) {
	return c.store(opAdd, false, key, v, ttl, flags)
}

// SafeAdd is Add that fails with ErrNoMemory instead of evicting.
func (c Clocked) SafeAdd(key string, v Value, ttl float64, flags uint32) (forcible bool, err error) {
	return c.store(opAdd, true, key, v, ttl, flags)
}

// Replace is Set that fails with ErrNotFound when key is absent or expired.
func (c Clocked) Replace(key string, v Value, ttl float64, flags uint32) (forcible bool, err error) {
	return c.store(opReplace, false, key, v, ttl, flags)
}

// Delete removes key.
func (c Clocked) Delete(key string) {
	_, _ = c.store(opSet, false, key, Value{}, 0, 0)
}

// store is ngx_lua_ffi_shdict_store.
func (c Clocked) store(op storeOp, safe bool, key string, v Value, ttl float64, flags uint32) (bool, error) {
	d := c.d
	if v.Kind == KindList {
		return false, ErrBadValue
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	now := c.now
	d.expire(false, now)
	it := d.lookup(key)
	switch {
	case op == opReplace && (it == nil || it.expired(now)):
		return false, ErrNotFound
	case op == opAdd && it != nil && !it.expired(now):
		return false, ErrExists
	}
	if it != nil {
		if v.Kind != KindNil && it.list == nil && v.size() == it.val.size() {
			// same value length: nginx rewrites the node in place
			it.val, it.flags, it.expires = v, flags, expiry(now, ttl)
			return false, nil
		}
		d.remove(it)
	}
	if v.Kind == KindNil {
		return false, nil
	}
	ch, forcible, err := d.allocEvicting(nodeSize(len(key), v.size()), safe, now)
	if err != nil {
		return forcible, err
	}
	d.insert(&item{key: key, val: v, flags: flags, expires: expiry(now, ttl), mem: ch})
	return forcible, nil
}

// Incr adds delta to the number under key. When the key is absent or expired
// it fails with ErrNotFound, unless init is given: then the key is created as
// *init+delta, living initTTL seconds (0 = forever), with flags 0.
func (c Clocked) Incr(key string, delta float64, init *float64, initTTL float64) (newval float64, forcible bool, err error) {
	d := c.d
	d.mu.Lock()
	defer d.mu.Unlock()
	now := c.now
	d.expire(false, now)
	it := d.lookup(key)
	if it != nil && !it.expired(now) {
		if it.list != nil || it.val.Kind != KindNumber {
			return 0, false, ErrNotNumber
		}
		it.val.Num += delta
		return it.val.Num, false, nil
	}
	if init == nil {
		return 0, false, ErrNotFound
	}
	num := *init + delta
	if it != nil {
		if it.list == nil && it.val.size() == 8 {
			it.val, it.flags, it.expires = Number(num), 0, expiry(now, initTTL)
			return num, false, nil
		}
		d.remove(it)
	}
	ch, forcible, err := d.allocEvicting(nodeSize(len(key), 8), false, now)
	if err != nil {
		return 0, forcible, err
	}
	d.insert(&item{key: key, val: Number(num), expires: expiry(now, initTTL), mem: ch})
	return num, forcible, nil
}

// TTL returns the seconds key has left to live (0 = forever; negative when
// it expired but was not removed yet), or ErrNotFound.
func (c Clocked) TTL(key string) (float64, error) {
	d := c.d
	d.mu.Lock()
	defer d.mu.Unlock()
	it := d.items[key]
	if it == nil {
		return 0, ErrNotFound
	}
	if it.expires == 0 {
		return 0, nil
	}
	return float64(it.expires-c.now) / 1000, nil
}

// Expire sets key's TTL in seconds (not positive = forever). An expired item
// not yet removed comes back to life, as in OpenResty.
func (c Clocked) Expire(key string, ttl float64) error {
	d := c.d
	d.mu.Lock()
	defer d.mu.Unlock()
	it := d.items[key]
	if it == nil {
		return ErrNotFound
	}
	it.expires = expiry(c.now, ttl)
	return nil
}

// FlushAll marks every item expired, then frees up to three of them from the
// LRU tail, exactly as OpenResty does: memory comes back with FlushExpired or
// as new items need it.
func (c Clocked) FlushAll() {
	d := c.d
	d.mu.Lock()
	defer d.mu.Unlock()
	for it := d.head; it != nil; it = it.next {
		it.expires = 1
	}
	d.expire(true, c.now)
}

// FlushExpired frees expired items, at most max of them when max > 0, and
// returns how many it freed.
func (c Clocked) FlushExpired(max int) int {
	d := c.d
	d.mu.Lock()
	defer d.mu.Unlock()
	now := c.now
	freed := 0
	for it := d.tail; it != nil; {
		prev := it.prev
		if it.expired(now) {
			d.remove(it)
			freed++
			if max > 0 && freed == max {
				break
			}
		}
		it = prev
	}
	return freed
}

// GetKeys returns up to max live keys (all when max <= 0), least recently
// used first as OpenResty lists them.
func (c Clocked) GetKeys(max int) []string {
	d := c.d
	d.mu.Lock()
	defer d.mu.Unlock()
	now := c.now
	var keys []string
	for it := d.tail; it != nil; it = it.prev {
		if it.expired(now) {
			continue
		}
		keys = append(keys, it.key)
		if max > 0 && len(keys) == max {
			break
		}
	}
	if keys == nil {
		keys = []string{}
	}
	return keys
}
