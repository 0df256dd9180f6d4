package shdict

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock for TTL tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newTestDict(t testing.TB, size int64) (*Dict, *fakeClock) {
	t.Helper()
	c := &fakeClock{t: time.Unix(1700000000, 0)}
	d, err := New("dogs", size, WithClock(c.now))
	if err != nil {
		t.Fatal(err)
	}
	return d, c
}

func ptr(f float64) *float64 { return &f }

// fill sets 10-byte keys with 10-byte values until one set is forcible and
// returns how many fitted before.
func fill(t *testing.T, d *Dict) int {
	for n := 0; ; n++ {
		forcible, err := d.Set(fmt.Sprintf("k%09d", n), String("vvvvvvvvvv"), 0, 0)
		if err != nil {
			t.Fatalf("set %d: %v", n, err)
		}
		if forcible {
			return n
		}
	}
}

// TestCalibration checks item counts measured on nginx 1.22 + lua 0.10.23.
func TestCalibration(t *testing.T) {
	tests := []struct {
		size int64
		want int
	}{
		{12 << 10, 31}, {16 << 10, 63}, {32 << 10, 191}, {64 << 10, 447},
		{128 << 10, 959}, {256 << 10, 1983}, {1 << 20, 8095}, {10 << 20, 81375},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.size), func(t *testing.T) {
			d, _ := newTestDict(t, tt.size)
			if got := fill(t, d); got != tt.want {
				t.Errorf("items before forcible eviction = %d, want %d", got, tt.want)
			}
			if got := d.FreeSpace(); got != 0 {
				t.Errorf("free space when full = %d, want 0", got)
			}
		})
	}
}

func TestNewSizes(t *testing.T) {
	tests := []struct {
		size     int64
		wantErr  bool
		wantFree int64
	}{
		{4096, true, 0}, {8191, true, 0}, {8192, true, 0}, {12287, true, 0},
		{12288, false, 0}, {1 << 20, false, 1032192},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.size), func(t *testing.T) {
			d, err := New("x", tt.size)
			if (err != nil) != tt.wantErr {
				t.Fatalf("New(%d) err = %v, wantErr %v", tt.size, err, tt.wantErr)
			}
			if err == nil && d.FreeSpace() != tt.wantFree {
				t.Errorf("FreeSpace = %d, want %d", d.FreeSpace(), tt.wantFree)
			}
			if err == nil && d.Capacity() != tt.size {
				t.Errorf("Capacity = %d, want %d", d.Capacity(), tt.size)
			}
		})
	}
}

func TestSafeSetNoMemory(t *testing.T) {
	d, _ := newTestDict(t, 12<<10)
	n := 0
	for ; ; n++ {
		_, err := d.SafeSet(fmt.Sprintf("k%09d", n), String("vvvvvvvvvv"), 0, 0)
		if err != nil {
			if !errors.Is(err, ErrNoMemory) {
				t.Fatalf("err = %v, want no memory", err)
			}
			break
		}
	}
	if n != 31 {
		t.Errorf("safe_set stored %d items, want 31", n)
	}
	if _, err := d.SafeAdd("new", String("vvvvvvvvvv"), 0, 0); !errors.Is(err, ErrNoMemory) {
		t.Errorf("SafeAdd err = %v, want no memory", err)
	}
	forcible, err := d.Set("new", String("vvvvvvvvvv"), 0, 0)
	if err != nil || !forcible {
		t.Errorf("Set = %v, %v; want forcible", forcible, err)
	}
	// the least recently used key went
	if _, _, ok, _ := d.Get("k000000000"); ok {
		t.Error("oldest key survived eviction")
	}
	// a value bigger than the zone evicts everything and still fails
	forcible, err = d.Set("big", String(string(make([]byte, 9000))), 0, 0)
	if !errors.Is(err, ErrNoMemory) || !forcible {
		t.Errorf("huge Set = %v, %v; want forcible, no memory", forcible, err)
	}
	// at most 30 evictions per store, as in nginx: 31 items leave one
	if keys := d.GetKeys(0); len(keys) != 1 {
		t.Errorf("keys after huge set = %d, want 1", len(keys))
	}
}

func TestEvictExpiredFirst(t *testing.T) {
	d, c := newTestDict(t, 12<<10)
	for i := 0; i < 31; i++ {
		ttl := 0.0
		if i == 0 || i == 1 {
			ttl = 1
		}
		if _, err := d.Set(fmt.Sprintf("k%09d", i), String("vvvvvvvvvv"), ttl, 0); err != nil {
			t.Fatal(err)
		}
	}
	c.advance(2 * time.Second)
	forcible, err := d.Set("k999999999", String("vvvvvvvvvv"), 0, 0)
	if err != nil || forcible {
		t.Fatalf("Set = %v, %v; want not forcible (expired items make room)", forcible, err)
	}
	if got := len(d.GetKeys(0)); got != 30 {
		t.Errorf("keys = %d, want 30", got)
	}
}

func TestStoreOps(t *testing.T) {
	d, _ := newTestDict(t, 1<<20)
	steps := []struct {
		name    string
		do      func() error
		wantErr error
	}{
		{"set", func() error { _, err := d.Set("a", String("x"), 0, 7); return err }, nil},
		{"add existing", func() error { _, err := d.Add("a", Number(1), 0, 0); return err }, ErrExists},
		{"safe add existing", func() error { _, err := d.SafeAdd("a", Number(1), 0, 0); return err }, ErrExists},
		{"add new", func() error { _, err := d.Add("b", Number(1), 0, 0); return err }, nil},
		{"replace missing", func() error { _, err := d.Replace("c", Number(1), 0, 0); return err }, ErrNotFound},
		{"replace", func() error { _, err := d.Replace("b", Bool(true), 0, 0); return err }, nil},
		{"set list kind", func() error { _, err := d.Set("l", Value{Kind: KindList}, 0, 0); return err }, ErrBadValue},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if err := s.do(); !errors.Is(err, s.wantErr) {
				t.Errorf("err = %v, want %v", err, s.wantErr)
			}
		})
	}
	v, flags, ok, err := d.Get("a")
	if !ok || err != nil || v != String("x") || flags != 7 {
		t.Errorf("Get(a) = %v %d %v %v", v, flags, ok, err)
	}
	if v, _, ok, _ := d.Get("b"); !ok || v != Bool(true) {
		t.Errorf("Get(b) = %v %v, want true", v, ok)
	}
	d.Delete("a")
	if _, _, ok, _ := d.Get("a"); ok {
		t.Error("Get after Delete found the key")
	}
	if _, err := d.Set("b", Value{}, 0, 0); err != nil {
		t.Errorf("Set nil: %v", err)
	}
	if _, _, ok, _ := d.Get("b"); ok {
		t.Error("Set(nil) did not delete")
	}
}

func TestTTL(t *testing.T) {
	d, c := newTestDict(t, 1<<20)
	if _, err := d.Set("a", String("v"), 1.5, 3); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Set("tiny", String("v"), 0.0004, 0); err != nil { // under 1 ms: never expires
		t.Fatal(err)
	}
	if ttl, _ := d.TTL("a"); ttl != 1.5 {
		t.Errorf("TTL = %v, want 1.5", ttl)
	}
	c.advance(1499 * time.Millisecond)
	if _, _, ok, _ := d.Get("a"); !ok {
		t.Error("expired early")
	}
	c.advance(11 * time.Millisecond)
	if _, _, ok, _ := d.Get("a"); ok {
		t.Error("Get returned an expired item")
	}
	v, flags, stale, ok, _ := d.GetStale("a")
	if !ok || !stale || v != String("v") || flags != 3 {
		t.Errorf("GetStale = %v %d stale=%v ok=%v", v, flags, stale, ok)
	}
	if ttl, err := d.TTL("a"); err != nil || ttl != -0.01 {
		t.Errorf("TTL of expired = %v, %v; want -0.01", ttl, err)
	}
	if ttl, _ := d.TTL("tiny"); ttl != 0 {
		t.Errorf("TTL(tiny) = %v, want 0", ttl)
	}
	if _, err := d.Replace("a", String("w"), 0, 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("Replace expired err = %v, want not found", err)
	}
	if _, err := d.Add("a", String("w"), 0, 0); err != nil {
		t.Errorf("Add over expired: %v", err)
	}
	if err := d.Expire("a", 2); err != nil {
		t.Fatal(err)
	}
	if ttl, _ := d.TTL("a"); ttl != 2 {
		t.Errorf("TTL after Expire = %v", ttl)
	}
	if err := d.Expire("a", -1); err != nil {
		t.Fatal(err)
	}
	if ttl, _ := d.TTL("a"); ttl != 0 {
		t.Errorf("TTL after Expire(-1) = %v, want 0 (never)", ttl)
	}
	if err := d.Expire("zz", 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("Expire missing err = %v", err)
	}
	if _, err := d.TTL("zz"); !errors.Is(err, ErrNotFound) {
		t.Errorf("TTL missing err = %v", err)
	}
}

func TestIncr(t *testing.T) {
	d, c := newTestDict(t, 1<<20)
	d.Set("s", String("12"), 0, 0)
	d.Set("e", Number(5), 0.001, 9)
	d.LPush("l", Number(1))
	c.advance(time.Second)
	tests := []struct {
		name    string
		key     string
		delta   float64
		init    *float64
		initTTL float64
		want    float64
		wantErr error
	}{
		{"missing", "c", 1, nil, 0, 0, ErrNotFound},
		{"init", "c", 1, ptr(10), 0, 11, nil},
		{"existing ignores init", "c", 2.5, ptr(100), 0, 13.5, nil},
		{"string", "s", 1, nil, 0, 0, ErrNotNumber},
		{"string with init", "s", 1, ptr(0), 0, 0, ErrNotNumber},
		{"list", "l", 1, ptr(0), 0, 0, ErrNotNumber},
		{"expired", "e", 1, nil, 0, 0, ErrNotFound},
		{"expired with init", "e", 1, ptr(100), 0, 101, nil},
		{"init ttl", "t", 1, ptr(0), 0.5, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := d.Incr(tt.key, tt.delta, tt.init, tt.initTTL)
			if !errors.Is(err, tt.wantErr) || got != tt.want {
				t.Errorf("Incr = %v, %v; want %v, %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
	if _, flags, _, _ := d.Get("e"); flags != 0 {
		t.Errorf("flags after re-init = %d, want 0", flags)
	}
	if ttl, _ := d.TTL("t"); ttl != 0.5 {
		t.Errorf("init ttl = %v, want 0.5", ttl)
	}
	if ttl, _ := d.TTL("e"); ttl != 0 {
		t.Errorf("ttl after re-init without init_ttl = %v, want 0", ttl)
	}
}

func TestLists(t *testing.T) {
	d, c := newTestDict(t, 1<<20)
	for i, step := range []struct {
		left bool
		v    Value
		want int
	}{{true, Number(1), 1}, {true, String("two"), 2}, {false, Number(3.5), 3}} {
		var n int
		var err error
		if step.left {
			n, err = d.LPush("l", step.v)
		} else {
			n, err = d.RPush("l", step.v)
		}
		if err != nil || n != step.want {
			t.Fatalf("push %d = %d, %v; want %d", i, n, err, step.want)
		}
	}
	if _, err := d.RPush("l", Bool(true)); !errors.Is(err, ErrBadValue) {
		t.Errorf("push bool err = %v", err)
	}
	if _, _, _, err := d.Get("l"); !errors.Is(err, ErrIsList) {
		t.Errorf("Get list err = %v", err)
	}
	d.Set("s", String("x"), 0, 0)
	if _, err := d.LPush("s", Number(1)); !errors.Is(err, ErrNotList) {
		t.Errorf("push on string err = %v", err)
	}
	if _, _, err := d.RPop("s"); !errors.Is(err, ErrNotList) {
		t.Errorf("pop on string err = %v", err)
	}
	if _, err := d.LLen("s"); !errors.Is(err, ErrNotList) {
		t.Errorf("llen on string err = %v", err)
	}
	want := []struct {
		left bool
		v    Value
	}{{true, String("two")}, {false, Number(3.5)}, {true, Number(1)}}
	for i, w := range want {
		var v Value
		var ok bool
		if w.left {
			v, ok, _ = d.LPop("l")
		} else {
			v, ok, _ = d.RPop("l")
		}
		if !ok || v != w.v {
			t.Errorf("pop %d = %v %v, want %v", i, v, ok, w.v)
		}
	}
	if _, ok, _ := d.LPop("l"); ok {
		t.Error("pop on emptied list found a value")
	}
	if _, err := d.TTL("l"); !errors.Is(err, ErrNotFound) {
		t.Error("emptied list key still exists")
	}
	d.RPush("x", Number(1))
	d.Expire("x", 0.001)
	c.advance(time.Second)
	if n, _ := d.LLen("x"); n != 0 {
		t.Errorf("llen of expired list = %d", n)
	}
	if n, _ := d.RPush("x", Number(2)); n != 1 {
		t.Errorf("push on expired list = %d, want 1", n)
	}
	if ttl, _ := d.TTL("x"); ttl != 0 {
		t.Errorf("ttl of revived list = %v, want 0", ttl)
	}
}

func TestListsDoNotEvict(t *testing.T) {
	d, _ := newTestDict(t, 12<<10)
	fill(t, d)
	if _, err := d.LPush("list", String("vvvvvvvvvv")); !errors.Is(err, ErrNoMemory) {
		t.Errorf("push on a full zone err = %v, want no memory", err)
	}
	if _, err := d.TTL("list"); !errors.Is(err, ErrNotFound) {
		t.Error("failed push left a list behind")
	}
}

func TestFlush(t *testing.T) {
	d, c := newTestDict(t, 1<<20)
	for i := 0; i < 100; i++ {
		d.Set(fmt.Sprint("k", i), Number(float64(i)), 0, 0)
	}
	d.FlushAll()
	if n := len(d.GetKeys(0)); n != 0 {
		t.Errorf("keys after FlushAll = %d", n)
	}
	// OpenResty frees three items right away and leaves the rest.
	if n := d.FlushExpired(0); n != 97 {
		t.Errorf("FlushExpired after FlushAll = %d, want 97", n)
	}
	for i := 0; i < 5; i++ {
		d.Set(fmt.Sprint("e", i), Number(1), 0.001, 0)
	}
	c.advance(time.Second)
	if n := d.FlushExpired(2); n != 2 {
		t.Errorf("FlushExpired(2) = %d", n)
	}
	if n := d.FlushExpired(0); n != 3 {
		t.Errorf("FlushExpired(0) = %d", n)
	}
	if n := d.FlushExpired(0); n != 0 {
		t.Errorf("FlushExpired again = %d", n)
	}
}

func TestGetKeysOrder(t *testing.T) {
	d, _ := newTestDict(t, 1<<20)
	for _, k := range []string{"a", "b", "c", "d", "e"} {
		d.Set(k, Number(1), 0, 0)
	}
	d.Get("b")
	tests := []struct {
		max  int
		want string
	}{{2, "[a c]"}, {0, "[a c d e b]"}, {-1, "[a c d e b]"}}
	for _, tt := range tests {
		if got := fmt.Sprint(d.GetKeys(tt.max)); got != tt.want {
			t.Errorf("GetKeys(%d) = %s, want %s", tt.max, got, tt.want)
		}
	}
}

func TestSameLengthRewriteKeepsMemory(t *testing.T) {
	d, _ := newTestDict(t, 1<<20)
	d.Set("a", String("0123456789"), 0, 0)
	free := d.FreeSpace()
	for i := 0; i < 1000; i++ {
		d.Set("a", String(fmt.Sprintf("%010d", i)), 0, 0)
		d.Set("a", String(fmt.Sprintf("%020d", i)), 0, 0)
	}
	if d.FreeSpace() != free {
		t.Errorf("free space drifted: %d -> %d", free, d.FreeSpace())
	}
}

func TestZones(t *testing.T) {
	z := NewZones()
	a, err := z.Get("dogs", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	a.Set("k", Number(1), 0, 0)
	if b, _ := z.Get("dogs", 1<<20); b != a {
		t.Error("same name and size gave a new zone")
	}
	if c, _ := z.Get("dogs", 2<<20); c == a {
		t.Error("new size kept the old zone")
	}
	if _, err := z.Get("tiny", 4096); err == nil {
		t.Error("tiny zone accepted")
	}
	z.Retain([]string{"cats"})
	if d, _ := z.Get("dogs", 2<<20); d == a {
		t.Error("Retain kept a dropped zone")
	}
}

func TestConcurrentStress(t *testing.T) {
	d, _ := newTestDict(t, 64<<10)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			init := 0.0
			for i := 0; i < 2000; i++ {
				k := fmt.Sprint("k", (i*7+g)%300)
				switch i % 7 {
				case 0:
					d.Set(k, String("value"), 0.01, uint32(g))
				case 1:
					d.Get(k)
				case 2:
					d.Incr("counter", 1, &init, 0)
				case 3:
					d.LPush(fmt.Sprint("l", g), Number(float64(i)))
				case 4:
					d.RPop(fmt.Sprint("l", g))
				case 5:
					d.GetKeys(10)
					d.FreeSpace()
				case 6:
					d.FlushExpired(5)
					d.Delete(k)
				}
			}
		}(g)
	}
	wg.Wait()
	// every successful Incr counted once, unless the counter was evicted
	if v, _, ok, _ := d.Get("counter"); ok && v.Num > 8*286 {
		t.Errorf("counter = %v, more than the increments made", v.Num)
	}
	if d.FreeSpace() < 0 || d.FreeSpace() > d.Capacity() {
		t.Errorf("free space out of range: %d", d.FreeSpace())
	}
}

// TestExpiry: TTLs are whole milliseconds as a C int64; what does not fit
// (or is under 1 ms, negative, NaN) means "never", as in nginx.
func TestExpiry(t *testing.T) {
	const now = 1_700_000_000_000
	tests := []struct {
		name string
		ttl  float64
		want int64
	}{
		{"one second", 1, now + 1000},
		{"truncated to ms", 1.2345, now + 1234},
		{"under a millisecond", 0.0009, 0},
		{"zero", 0, 0},
		{"negative", -1, 0},
		{"nan", math.NaN(), 0},
		{"fits int64 ms", 9.2e15, now + 9.2e18},
		{"past int64 ms", 9.3e15, 0},
		{"huge", 1e300, 0},
		{"inf", math.Inf(1), 0},
		{"sum saturates", 9.223372036854e15, math.MaxInt64},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := expiry(now, tc.ttl); got != tc.want {
				t.Errorf("expiry(%v) = %d, want %d", tc.ttl, got, tc.want)
			}
		})
	}
}
