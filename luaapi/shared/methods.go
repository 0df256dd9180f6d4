package shared

import (
	lua "github.com/yuin/gopher-lua"

	"github.com/goresty/goresty/shdict"
)

// dictGet is ngx.shared.DICT:get(key) → value[, flags] | nil[, err].
func dictGet(L *lua.LState) int {
	d := checkZone(L)
	key, ok := checkKey(L, L.Get(2))
	if !ok {
		return 2
	}
	v, flags, found, err := d.Get(key)
	if err != nil {
		pushNilErr(L, err.Error())
		return 2
	}
	if !found {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(toLua(v))
	if flags == 0 {
		return 1
	}
	L.Push(flagsOut(flags))
	return 2
}

// dictGetStale is ngx.shared.DICT:get_stale(key) → value, flags|nil, stale.
func dictGetStale(L *lua.LState) int {
	d := checkZone(L)
	key, ok := checkKey(L, L.Get(2))
	if !ok {
		return 2
	}
	v, flags, stale, found, err := d.GetStale(key)
	if err != nil {
		pushNilErr(L, err.Error())
		return 2
	}
	if !found {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(toLua(v))
	if flags == 0 {
		L.Push(lua.LNil)
	} else {
		L.Push(flagsOut(flags))
	}
	L.Push(lua.LBool(stale))
	return 3
}

type storeFunc func(d shdict.Clocked, key string, v shdict.Value, ttl float64, flags uint32) (bool, error)

func dictSet(L *lua.LState) int     { return store(L, shdict.Clocked.Set, false) }
func dictSafeSet(L *lua.LState) int { return store(L, shdict.Clocked.SafeSet, false) }
func dictAdd(L *lua.LState) int     { return store(L, shdict.Clocked.Add, true) }
func dictSafeAdd(L *lua.LState) int { return store(L, shdict.Clocked.SafeAdd, true) }
func dictReplace(L *lua.LState) int { return store(L, shdict.Clocked.Replace, true) }

// dictDelete is ngx.shared.DICT:delete(key), that is set(key, nil).
func dictDelete(L *lua.LState) int {
	d := checkZone(L)
	key, ok := checkKey(L, L.Get(2))
	if !ok {
		return 2
	}
	d.Delete(key)
	return pushStored(L, nil, false)
}

// store implements set, safe_set, add, safe_add and replace:
// → true, nil, forcible | false, err, forcible | nil, err.
func store(L *lua.LState, op storeFunc, noNil bool) int {
	d := checkZone(L)
	key, ok := checkKey(L, L.Get(2))
	if !ok {
		return 2
	}
	v, ok := fromLua(L.Get(3))
	if !ok {
		pushNilErr(L, shdict.ErrBadValue.Error())
		return 2
	}
	if noNil && v.Kind == shdict.KindNil {
		L.Push(lua.LFalse)
		L.Push(lua.LString("attempt to add or replace nil values"))
		L.Push(lua.LFalse)
		return 3
	}
	ttl := checkExptime(L, L.Get(4), `bad "exptime" argument`)
	var flags uint32
	switch f := L.Get(5).(type) {
	case *lua.LNilType:
	case lua.LNumber:
		flags = uint32(toInt32(float64(f)))
	case lua.LBool: // LuaJIT's FFI turns booleans into 0 and 1
		if f {
			flags = 1
		}
	default:
		L.RaiseError("bad argument #10 to 'ngx_lua_ffi_shdict_store' (cannot convert '%s' to 'int')", f.Type())
	}
	forcible, err := op(d, key, v, ttl, flags)
	return pushStored(L, err, forcible)
}

func pushStored(L *lua.LState, err error, forcible bool) int {
	if err != nil {
		L.Push(lua.LFalse)
		L.Push(lua.LString(err.Error()))
	} else {
		L.Push(lua.LTrue)
		L.Push(lua.LNil)
	}
	L.Push(lua.LBool(forcible))
	return 3
}

// checkExptime reads a TTL argument: nil and false are 0, a negative number
// raises msg and anything else fails the comparison as in resty.core.
func checkExptime(L *lua.LState, v lua.LValue, msg string) float64 {
	if v == lua.LNil || v == lua.LFalse {
		return 0
	}
	switch v := v.(type) {
	case lua.LNumber:
		if v < 0 {
			L.RaiseError("%s", msg)
		}
		return float64(v)
	}
	L.RaiseError("attempt to compare %s with number", v.Type())
	return 0
}

// dictIncr is ngx.shared.DICT:incr(key, value, init?, init_ttl?).
func dictIncr(L *lua.LState) int {
	d := checkZone(L)
	key, ok := checkKey(L, L.Get(2))
	if !ok {
		return 2
	}
	delta, ok := toNumber(L.Get(3))
	if !ok {
		L.RaiseError("cannot convert 'nil' to 'double'")
	}
	var init *float64
	if iv := L.Get(4); lua.LVAsBool(iv) { // false is no init, as in resty.core
		n, ok := toNumber(iv)
		if !ok {
			L.RaiseError("bad init arg: number expected, got %s", iv.Type())
		}
		init = &n
	}
	var initTTL float64
	if tv := L.Get(5); tv != lua.LNil {
		if init == nil {
			L.RaiseError(`must provide "init" when providing "init_ttl"`)
		}
		n, ok := toNumber(tv)
		if !ok {
			L.RaiseError("bad init_ttl arg: number expected, got %s", tv.Type())
		}
		if n < 0 {
			L.RaiseError(`bad "init_ttl" argument`)
		}
		initTTL = n
	}
	v, forcible, err := d.Incr(key, delta, init, initTTL)
	if err != nil {
		pushNilErr(L, err.Error())
		return 2
	}
	L.Push(lua.LNumber(v))
	if init == nil {
		return 1
	}
	L.Push(lua.LNil)
	L.Push(lua.LBool(forcible))
	return 3
}

// dictTTL is ngx.shared.DICT:ttl(key) → ttl | nil, err.
func dictTTL(L *lua.LState) int {
	d := checkZone(L)
	key, ok := checkKey(L, L.Get(2))
	if !ok {
		return 2
	}
	ttl, err := d.TTL(key)
	if err != nil {
		pushNilErr(L, err.Error())
		return 2
	}
	L.Push(lua.LNumber(ttl))
	return 1
}

// dictExpire is ngx.shared.DICT:expire(key, exptime) → true | nil, err.
func dictExpire(L *lua.LState) int {
	d := checkZone(L)
	key, ok := checkKey(L, L.Get(2))
	if !ok {
		return 2
	}
	ttl := expireArg(L, L.Get(3))
	if err := d.Expire(key, ttl); err != nil {
		pushNilErr(L, err.Error())
		return 2
	}
	L.Push(lua.LTrue)
	return 1
}

// expireArg reads expire's exptime the way resty.core does: nil and false
// are refused, and the rest goes through arithmetic (exptime * 1000), so a
// numeric string counts as its number.
func expireArg(L *lua.LState, v lua.LValue) float64 {
	if !lua.LVAsBool(v) {
		L.RaiseError(`bad "exptime" argument`)
	}
	if n, ok := toNumber(v); ok {
		return n
	}
	L.RaiseError("attempt to perform arithmetic on local 'exptime' (a %s value)", v.Type())
	return 0
}

// dictFlushAll is ngx.shared.DICT:flush_all().
func dictFlushAll(L *lua.LState) int {
	checkZone(L).FlushAll()
	return 0
}

// dictCapacity is ngx.shared.DICT:capacity().
func dictCapacity(L *lua.LState) int {
	L.Push(lua.LNumber(checkZone(L).Dict().Capacity()))
	return 1
}

// dictFreeSpace is ngx.shared.DICT:free_space().
func dictFreeSpace(L *lua.LState) int {
	L.Push(lua.LNumber(checkZone(L).Dict().FreeSpace()))
	return 1
}

// checkCountArgs is the C-side check of get_keys and flush_expired:
// (zone [, n]) with n an integer.
func checkCountArgs(L *lua.LState, name string, def int) (shdict.Clocked, int) {
	if n := L.GetTop(); n != 1 && n != 2 {
		L.RaiseError("expecting 1 or 2 argument(s), but saw %d", n)
	}
	if z := L.Get(1); z.Type() != lua.LTTable {
		L.RaiseError("bad argument #1 to '%s' (table expected, got %s)", name, typeName(z))
	}
	z := zoneOf(L.Get(1))
	if z == nil {
		L.RaiseError("bad user data for the ngx_shm_zone_t pointer")
	}
	d := z.clocked()
	if L.GetTop() == 1 {
		return d, def
	}
	n, ok := toNumber(L.Get(2))
	if !ok {
		L.RaiseError("bad argument #1 to '%s' (number expected, got %s)", name, typeName(L.Get(2)))
	}
	return d, int(n)
}

// typeName is lua_typename as C API errors print it ("no value" aside).
func typeName(v lua.LValue) string { return v.Type().String() }

// dictFlushExpired is ngx.shared.DICT:flush_expired(max_count?).
func dictFlushExpired(L *lua.LState) int {
	d, max := checkCountArgs(L, "flush_expired", 0)
	L.Push(lua.LNumber(d.FlushExpired(max)))
	return 1
}

// dictGetKeys is ngx.shared.DICT:get_keys(max_count?), 1024 by default.
func dictGetKeys(L *lua.LState) int {
	d, max := checkCountArgs(L, "get_keys", defaultMaxKeys)
	keys := d.GetKeys(max)
	t := L.CreateTable(len(keys), 0)
	for _, k := range keys {
		t.Append(lua.LString(k))
	}
	L.Push(t)
	return 1
}

// listArgs is the C-side check of the list methods: exact argument count,
// zone table, then the key as a string (numbers converted).
func listArgs(L *lua.LState, name string, nargs int) (shdict.Clocked, string, bool) {
	if n := L.GetTop(); n != nargs {
		L.RaiseError("expecting %d arguments, but only seen %d", nargs, n)
	}
	d := checkZone(L)
	v := L.Get(2)
	if v == lua.LNil {
		return shdict.Clocked{}, "", pushNilErr(L, "nil key")
	}
	var key string
	switch k := v.(type) {
	case lua.LString:
		key = string(k)
	case lua.LNumber:
		key = k.String()
	default:
		L.RaiseError("bad argument #1 to '%s' (string expected, got %s)", name, typeName(v))
	}
	key, ok := validKey(L, key)
	return d, key, ok
}

func dictLPush(L *lua.LState) int { return push(L, "lpush", shdict.Clocked.LPush) }
func dictRPush(L *lua.LState) int { return push(L, "rpush", shdict.Clocked.RPush) }

func push(L *lua.LState, name string, op func(shdict.Clocked, string, shdict.Value) (int, error)) int {
	d, key, ok := listArgs(L, name, 3)
	if !ok {
		return 2
	}
	v, ok := fromLua(L.Get(3))
	if !ok || (v.Kind != shdict.KindString && v.Kind != shdict.KindNumber) {
		pushNilErr(L, shdict.ErrBadValue.Error())
		return 2
	}
	n, err := op(d, key, v)
	if err != nil {
		pushNilErr(L, err.Error())
		return 2
	}
	L.Push(lua.LNumber(n))
	return 1
}

func dictLPop(L *lua.LState) int { return pop(L, "lpop", shdict.Clocked.LPop) }
func dictRPop(L *lua.LState) int { return pop(L, "rpop", shdict.Clocked.RPop) }

func pop(L *lua.LState, name string, op func(shdict.Clocked, string) (shdict.Value, bool, error)) int {
	d, key, ok := listArgs(L, name, 2)
	if !ok {
		return 2
	}
	v, _, err := op(d, key)
	if err != nil {
		pushNilErr(L, err.Error())
		return 2
	}
	L.Push(toLua(v))
	return 1
}

// dictLLen is ngx.shared.DICT:llen(key) → n | nil, err.
func dictLLen(L *lua.LState) int {
	d, key, ok := listArgs(L, "llen", 2)
	if !ok {
		return 2
	}
	n, err := d.LLen(key)
	if err != nil {
		pushNilErr(L, err.Error())
		return 2
	}
	L.Push(lua.LNumber(n))
	return 1
}
