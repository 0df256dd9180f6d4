package shared

import (
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/goresty/goresty/shdict"
)

// maxKeyLen is the longest key OpenResty accepts.
const maxKeyLen = 65535

// defaultMaxKeys is get_keys' default max_count.
const defaultMaxKeys = 1024

const metaName = "goresty.shared.dict"

var methods = map[string]lua.LGFunction{
	"get":           dictGet,
	"get_stale":     dictGetStale,
	"set":           dictSet,
	"safe_set":      dictSafeSet,
	"add":           dictAdd,
	"safe_add":      dictSafeAdd,
	"replace":       dictReplace,
	"delete":        dictDelete,
	"incr":          dictIncr,
	"lpush":         dictLPush,
	"rpush":         dictRPush,
	"lpop":          dictLPop,
	"rpop":          dictRPop,
	"llen":          dictLLen,
	"ttl":           dictTTL,
	"expire":        dictExpire,
	"flush_all":     dictFlushAll,
	"flush_expired": dictFlushExpired,
	"get_keys":      dictGetKeys,
	"capacity":      dictCapacity,
	"free_space":    dictFreeSpace,
}

// zone is a dict as one VM sees it: through the VM's clock.
type zone struct {
	d     *shdict.Dict
	nowMs func() int64
}

// New builds the ngx.shared table of a VM: one entry per zone, all sharing
// one metatable. Call it once per LState. nowMs is the VM's cached time in
// milliseconds (nil: each dict's own clock): nginx's dict operations read
// the time the worker cached, so a handler's set and ttl agree to the
// millisecond.
func New(L *lua.LState, zones map[string]*shdict.Dict, nowMs func() int64) *lua.LTable {
	mt := L.NewTypeMetatable(metaName)
	if mt.RawGetString("__index") == lua.LNil {
		mt.RawSetString("__index", L.SetFuncs(L.NewTable(), methods))
	}
	shared := L.CreateTable(0, len(zones))
	for name, d := range zones {
		ud := L.NewUserData()
		ud.Value = &zone{d: d, nowMs: nowMs}
		zone := L.CreateTable(1, 0)
		zone.RawSetInt(1, ud)
		L.SetMetatable(zone, mt)
		shared.RawSetString(name, zone)
	}
	return shared
}

// zoneOf returns the zone of a zone table, or nil.
func zoneOf(v lua.LValue) *zone {
	t, ok := v.(*lua.LTable)
	if !ok {
		return nil
	}
	ud, ok := t.RawGetInt(1).(*lua.LUserData)
	if !ok {
		return nil
	}
	z, _ := ud.Value.(*zone)
	return z
}

// checkZone is resty.core's zone check.
func checkZone(L *lua.LState) shdict.Clocked {
	z := zoneOf(L.Get(1))
	if z == nil {
		L.RaiseError(`bad "zone" argument`)
	}
	return z.clocked()
}

// clocked is the zone's dict at the VM's time.
func (z *zone) clocked() shdict.Clocked {
	if z.nowMs == nil {
		return z.d.Now()
	}
	return z.d.At(z.nowMs())
}

// checkKey is resty.core's key check: nil and bad keys are returned as
// errors (ok false, with the two return values already pushed).
func checkKey(L *lua.LState, v lua.LValue) (string, bool) {
	if v == lua.LNil {
		return "", pushNilErr(L, "nil key")
	}
	var key string
	if s, ok := v.(lua.LString); ok {
		key = string(s)
	} else {
		key = L.ToStringMeta(v).String()
	}
	return validKey(L, key)
}

func validKey(L *lua.LState, key string) (string, bool) {
	switch {
	case key == "":
		return "", pushNilErr(L, "empty key")
	case len(key) > maxKeyLen:
		return "", pushNilErr(L, "key too long")
	}
	return key, true
}

// pushNilErr pushes nil, msg and returns false.
func pushNilErr(L *lua.LState, msg string) bool {
	L.Push(lua.LNil)
	L.Push(lua.LString(msg))
	return false
}

func toLua(v shdict.Value) lua.LValue {
	switch v.Kind {
	case shdict.KindString:
		return lua.LString(v.Str)
	case shdict.KindNumber:
		return lua.LNumber(v.Num)
	case shdict.KindBool:
		return lua.LBool(v.Bool)
	}
	return lua.LNil
}

// fromLua converts a value to store; ok is false for unsupported types.
func fromLua(v lua.LValue) (shdict.Value, bool) {
	switch v := v.(type) {
	case lua.LString:
		return shdict.String(string(v)), true
	case lua.LNumber:
		return shdict.Number(float64(v)), true
	case lua.LBool:
		return shdict.Bool(bool(v)), true
	case *lua.LNilType:
		return shdict.Value{}, true
	}
	return shdict.Value{}, false
}

// flagsOut is how resty.core hands flags back: as a C int.
func flagsOut(f uint32) lua.LNumber { return lua.LNumber(int32(f)) }

// toInt32 converts like LuaJIT's double to int cast (x86 cvttsd2si):
// truncation, and INT_MIN when out of range.
func toInt32(f float64) int32 {
	if math.IsNaN(f) || f >= 1<<31 || f < -(1<<31) {
		return math.MinInt32
	}
	return int32(f)
}

// toNumber is tonumber() on an argument.
func toNumber(v lua.LValue) (float64, bool) {
	switch v := v.(type) {
	case lua.LNumber:
		return float64(v), true
	case lua.LString:
		return parseLuaNumber(string(v))
	}
	return 0, false
}

// parseLuaNumber parses a string the way Lua's tonumber does: decimal or
// hexadecimal (0x) with surrounding spaces.
func parseLuaNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	neg := false
	body := s
	if body[0] == '-' || body[0] == '+' {
		neg, body = body[0] == '-', body[1:]
	}
	if len(body) > 2 && (body[:2] == "0x" || body[:2] == "0X") {
		n, err := strconv.ParseUint(body[2:], 16, 64)
		if err != nil {
			return 0, false
		}
		if neg {
			return -float64(n), true
		}
		return float64(n), true
	}
	for _, c := range body {
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+') {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}
