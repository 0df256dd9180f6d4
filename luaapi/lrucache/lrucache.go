package lrucache

import (
	"math"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	lua "github.com/yuin/gopher-lua"
)

const version = "0.11"

// entry is one cached value.
type entry struct {
	val     lua.LValue
	expires time.Time // zero: never
	flags   uint32
}

// cache is a resty.lrucache instance.
type cache struct {
	lru  *simplelru.LRU[lua.LValue, *entry]
	size int
	pure bool // pureffi flavour
	now  func() time.Time
}

var methods = map[string]lua.LGFunction{
	"get":       cacheGet,
	"set":       cacheSet,
	"delete":    cacheDelete,
	"count":     cacheCount,
	"capacity":  cacheCapacity,
	"get_keys":  cacheGetKeys,
	"flush_all": cacheFlushAll,
}

// Preload registers resty.lrucache and resty.lrucache.pureffi in L.
func Preload(L *lua.LState) { PreloadClock(L, time.Now) }

// PreloadClock is Preload with a clock for TTLs (tests pass a fake one).
func PreloadClock(L *lua.LState, now func() time.Time) {
	L.PreloadModule("resty.lrucache", loader(false, now))
	L.PreloadModule("resty.lrucache.pureffi", loader(true, now))
}

func loader(pure bool, now func() time.Time) lua.LGFunction {
	return func(L *lua.LState) int {
		idx := L.SetFuncs(L.NewTable(), methods)
		idx.RawSetString("_VERSION", lua.LString(version))
		mt := L.NewTable()
		mt.RawSetString("__index", idx)
		mod := L.SetFuncs(L.NewTable(), methods)
		mod.RawSetString("_VERSION", lua.LString(version))
		mod.RawSetString("new", L.NewFunction(func(L *lua.LState) int { return cacheNew(L, mt, pure, now) }))
		idx.RawSetString("new", mod.RawGetString("new"))
		L.Push(mod)
		return 1
	}
}

// cacheNew is lrucache.new(size [, load_factor]) → cache | nil, err.
func cacheNew(L *lua.LState, mt *lua.LTable, pure bool, now func() time.Time) int {
	v := L.Get(1)
	n, ok := v.(lua.LNumber)
	if !ok {
		L.RaiseError("attempt to compare %s with number", v.Type())
	}
	if n < 1 {
		L.Push(lua.LNil)
		L.Push(lua.LString("size too small"))
		return 2
	}
	size := int(math.Min(float64(n), 1<<30))
	lru, err := simplelru.NewLRU[lua.LValue, *entry](size, nil)
	if err != nil {
		L.RaiseError("lrucache: %v", err)
	}
	ud := L.NewUserData()
	ud.Value = &cache{lru: lru, size: size, pure: pure, now: now}
	L.SetMetatable(ud, mt)
	L.Push(ud)
	return 1
}

func checkCache(L *lua.LState) *cache {
	if ud, ok := L.Get(1).(*lua.LUserData); ok {
		if c, ok := ud.Value.(*cache); ok {
			return c
		}
	}
	L.ArgError(1, "lrucache expected")
	return nil
}

// cacheGet is cache:get(key) → value, nil, flags | nil, stale, flags | nil.
func cacheGet(L *lua.LState) int {
	c := checkCache(L)
	e, ok := c.lru.Get(L.Get(2))
	if !ok || (!c.pure && e.val == lua.LNil) {
		L.Push(lua.LNil)
		return 1
	}
	if !e.expires.IsZero() && !c.now().Before(e.expires) {
		L.Push(lua.LNil)
		L.Push(e.val)
	} else {
		L.Push(e.val)
		L.Push(lua.LNil)
	}
	L.Push(lua.LNumber(e.flags))
	return 3
}

// cacheSet is cache:set(key, value [, ttl [, flags]]).
func cacheSet(L *lua.LState) int {
	c := checkCache(L)
	key := L.Get(2)
	if key == lua.LNil {
		if c.pure {
			return 0
		}
		L.RaiseError("table index is nil")
	}
	e := &entry{val: L.Get(3)}
	if ttl, ok := number(L.Get(4)); ok && ttl != 0 {
		e.expires = c.now().Add(time.Duration(ttl * float64(time.Second)))
	}
	if f, ok := number(L.Get(5)); ok && f >= 1 && f < 1<<32 {
		e.flags = uint32(f)
	}
	c.lru.Add(key, e)
	return 0
}

// number is tonumber for ttl and flags arguments.
func number(v lua.LValue) (float64, bool) {
	switch v := v.(type) {
	case lua.LNumber:
		return float64(v), true
	case lua.LString:
		n := lua.LVAsNumber(v)
		return float64(n), n != 0 || string(v) == "0"
	}
	return 0, false
}

// cacheDelete is cache:delete(key) → true if it was there.
func cacheDelete(L *lua.LState) int {
	c := checkCache(L)
	L.Push(lua.LBool(c.lru.Remove(L.Get(2))))
	return 1
}

// cacheCount is cache:count(), expired items included.
func cacheCount(L *lua.LState) int {
	L.Push(lua.LNumber(checkCache(L).lru.Len()))
	return 1
}

// cacheCapacity is cache:capacity().
func cacheCapacity(L *lua.LState) int {
	L.Push(lua.LNumber(checkCache(L).size))
	return 1
}

// cacheGetKeys is cache:get_keys([max_count [, res]]): most recent first;
// res is filled and cut to the keys.
func cacheGetKeys(L *lua.LState) int {
	c := checkCache(L)
	max := 0
	if n, ok := L.Get(2).(lua.LNumber); ok {
		max = int(n)
	}
	res, ok := L.Get(3).(*lua.LTable)
	if !ok {
		res = L.NewTable()
	}
	keys := c.lru.Keys() // oldest first
	i := 0
	for j := len(keys) - 1; j >= 0 && (max <= 0 || i < max); j-- {
		i++
		res.RawSetInt(i, keys[j])
	}
	for k := i + 1; res.RawGetInt(k) != lua.LNil; k++ {
		res.RawSetInt(k, lua.LNil)
	}
	L.Push(res)
	return 1
}

// cacheFlushAll is cache:flush_all().
func cacheFlushAll(L *lua.LState) int {
	checkCache(L).lru.Purge()
	return 0
}
