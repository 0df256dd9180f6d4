package shdict

// Clocked is a Dict seen at one time, in milliseconds since the epoch. The
// operations that look at expiry are Clocked's: nginx's dict operations read
// the time the worker cached at its last event-loop turn, so a handler's set
// and ttl agree to the millisecond, and goresty's Lua binding passes the
// worker's cached time the same way (Dict.At). The Dict methods of the same
// names read the dict's clock (time.Now unless WithClock).
type Clocked struct {
	d   *Dict
	now int64
}

// At returns d seen at nowMs.
func (d *Dict) At(nowMs int64) Clocked { return Clocked{d: d, now: nowMs} }

// Dict returns the dict c sees.
func (c Clocked) Dict() *Dict { return c.d }

// Now returns d seen at its clock's time.
func (d *Dict) Now() Clocked { return d.At(d.nowMs()) }

// Get is Clocked.Get at the dict's clock.
func (d *Dict) Get(key string) (Value, uint32, bool, error) { return d.Now().Get(key) }

// GetStale is Clocked.GetStale at the dict's clock.
func (d *Dict) GetStale(key string) (Value, uint32, bool, bool, error) { return d.Now().GetStale(key) }

// Set is Clocked.Set at the dict's clock.
func (d *Dict) Set(key string, v Value, ttl float64, flags uint32) (bool, error) {
	return d.Now().Set(key, v, ttl, flags)
}

// SafeSet is Clocked.SafeSet at the dict's clock.
func (d *Dict) SafeSet(key string, v Value, ttl float64, flags uint32) (bool, error) {
	return d.Now().SafeSet(key, v, ttl, flags)
}

// Add is Clocked.Add at the dict's clock.
func (d *Dict) Add(key string, v Value, ttl float64, flags uint32) (bool, error) {
	return d.Now().Add(key, v, ttl, flags)
}

// SafeAdd is Clocked.SafeAdd at the dict's clock.
func (d *Dict) SafeAdd(key string, v Value, ttl float64, flags uint32) (bool, error) {
	return d.Now().SafeAdd(key, v, ttl, flags)
}

// Replace is Clocked.Replace at the dict's clock.
func (d *Dict) Replace(key string, v Value, ttl float64, flags uint32) (bool, error) {
	return d.Now().Replace(key, v, ttl, flags)
}

// Delete is Clocked.Delete at the dict's clock.
func (d *Dict) Delete(key string) { d.Now().Delete(key) }

// Incr is Clocked.Incr at the dict's clock.
func (d *Dict) Incr(key string, delta float64, init *float64, initTTL float64) (float64, bool, error) {
	return d.Now().Incr(key, delta, init, initTTL)
}

// TTL is Clocked.TTL at the dict's clock.
func (d *Dict) TTL(key string) (float64, error) { return d.Now().TTL(key) }

// Expire is Clocked.Expire at the dict's clock.
func (d *Dict) Expire(key string, ttl float64) error { return d.Now().Expire(key, ttl) }

// FlushAll is Clocked.FlushAll at the dict's clock.
func (d *Dict) FlushAll() { d.Now().FlushAll() }

// FlushExpired is Clocked.FlushExpired at the dict's clock.
func (d *Dict) FlushExpired(max int) int { return d.Now().FlushExpired(max) }

// GetKeys is Clocked.GetKeys at the dict's clock.
func (d *Dict) GetKeys(max int) []string { return d.Now().GetKeys(max) }

// LPush is Clocked.LPush at the dict's clock.
func (d *Dict) LPush(key string, v Value) (int, error) { return d.Now().LPush(key, v) }

// RPush is Clocked.RPush at the dict's clock.
func (d *Dict) RPush(key string, v Value) (int, error) { return d.Now().RPush(key, v) }

// LPop is Clocked.LPop at the dict's clock.
func (d *Dict) LPop(key string) (Value, bool, error) { return d.Now().LPop(key) }

// RPop is Clocked.RPop at the dict's clock.
func (d *Dict) RPop(key string) (Value, bool, error) { return d.Now().RPop(key) }

// LLen is Clocked.LLen at the dict's clock.
func (d *Dict) LLen(key string) (int, error) { return d.Now().LLen(key) }
