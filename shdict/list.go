package shdict

// elem is one list element and its memory.
type elem struct {
	v   Value
	mem chunk
}

// deque is a double-ended queue of list elements.
type deque struct {
	front []elem // reversed: front[len-1] is the first element
	back  []elem
}

func (q *deque) len() int { return len(q.front) + len(q.back) }

func (q *deque) pushFront(e elem) { q.front = append(q.front, e) }
func (q *deque) pushBack(e elem)  { q.back = append(q.back, e) }

func (q *deque) popFront() elem {
	if len(q.front) == 0 {
		q.rebalance(&q.back, &q.front)
	}
	e := q.front[len(q.front)-1]
	q.front = q.front[:len(q.front)-1]
	return e
}

func (q *deque) popBack() elem {
	if len(q.back) == 0 {
		q.rebalance(&q.front, &q.back)
	}
	e := q.back[len(q.back)-1]
	q.back = q.back[:len(q.back)-1]
	return e
}

// rebalance moves the elements of from (in list order reversed for the
// other side) into the empty slice to.
func (q *deque) rebalance(from, to *[]elem) {
	src := *from
	dst := make([]elem, len(src))
	for i, e := range src {
		dst[len(src)-1-i] = e
	}
	*to, *from = dst, nil
}

func (q *deque) each(f func(elem)) {
	for _, e := range q.front {
		f(e)
	}
	for _, e := range q.back {
		f(e)
	}
}

// LPush inserts v at the head of the list under key, creating it, and
// returns the new length. Only strings and numbers can be pushed. Lists never
// evict: a full zone gives ErrNoMemory.
func (c Clocked) LPush(key string, v Value) (int, error) { return c.push(key, v, true) }

// RPush inserts v at the tail of the list under key; see LPush.
func (c Clocked) RPush(key string, v Value) (int, error) { return c.push(key, v, false) }

func (c Clocked) push(key string, v Value, left bool) (int, error) {
	d := c.d
	if v.Kind != KindString && v.Kind != KindNumber {
		return 0, ErrBadValue
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	now := c.now
	d.expire(false, now)
	it := d.lookup(key)
	if it != nil && it.expired(now) {
		d.remove(it) // nginx reuses an expired list's node; the count is the same
		it = nil
	}
	if it != nil && it.list == nil {
		return 0, ErrNotList
	}
	if it == nil {
		ch, ok := d.mem.alloc(listHeadSize(len(key)))
		if !ok {
			return 0, ErrNoMemory
		}
		it = &item{key: key, val: Value{Kind: KindList}, list: &deque{}, mem: ch}
		d.insert(it)
	}
	ch, ok := d.mem.alloc(listElemSize(v.size()))
	if !ok {
		if it.list.len() == 0 {
			d.remove(it)
		}
		return 0, ErrNoMemory
	}
	if left {
		it.list.pushFront(elem{v: v, mem: ch})
	} else {
		it.list.pushBack(elem{v: v, mem: ch})
	}
	return it.list.len(), nil
}

// LPop removes and returns the head of the list under key; ok is false when
// the key is absent or expired. The key goes when its list is empty.
func (c Clocked) LPop(key string) (v Value, ok bool, err error) { return c.pop(key, true) }

// RPop removes and returns the tail of the list under key; see LPop.
func (c Clocked) RPop(key string) (v Value, ok bool, err error) { return c.pop(key, false) }

func (c Clocked) pop(key string, left bool) (Value, bool, error) {
	d := c.d
	d.mu.Lock()
	defer d.mu.Unlock()
	now := c.now
	d.expire(false, now)
	it := d.lookup(key)
	if it == nil || it.expired(now) {
		return Value{}, false, nil
	}
	if it.list == nil {
		return Value{}, false, ErrNotList
	}
	var e elem
	if left {
		e = it.list.popFront()
	} else {
		e = it.list.popBack()
	}
	d.mem.free(e.mem)
	if it.list.len() == 0 {
		d.remove(it)
	}
	return e.v, true, nil
}

// LLen returns the length of the list under key, 0 when absent or expired.
func (c Clocked) LLen(key string) (int, error) {
	d := c.d
	d.mu.Lock()
	defer d.mu.Unlock()
	now := c.now
	d.expire(false, now)
	it := d.lookup(key)
	if it == nil || it.expired(now) {
		return 0, nil
	}
	if it.list == nil {
		return 0, ErrNotList
	}
	return it.list.len(), nil
}
