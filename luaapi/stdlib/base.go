package stdlib

import (
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/metrics"
	"strings"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/pm"

	"github.com/goresty/goresty/internal/luavm/glstate"
)

// maxResults is LuaJIT's LUAI_MAXCSTACK: unpack refuses more results.
const maxResults = 8000

// toStringMeta converts v as LuaJIT's tostring does.
func toStringMeta(L *lua.LState, v lua.LValue) string {
	switch x := v.(type) {
	case lua.LNumber:
		return FormatNumber(float64(x))
	case lua.LString:
		return string(x)
	case *lua.LNilType:
		return "nil"
	case lua.LBool:
		if x {
			return "true"
		}
		return "false"
	}
	if mt := L.GetMetaField(v, "__tostring"); mt != lua.LNil {
		L.Push(mt)
		L.Push(v)
		L.Call(1, 1)
		r := L.Get(-1)
		L.Pop(1)
		switch s := r.(type) {
		case lua.LString:
			return string(s)
		case lua.LNumber:
			return FormatNumber(float64(s))
		}
		raise(L, "'__tostring' must return a string")
	}
	return v.String()
}

// NullPointer is the Value of a userdata that stands for a C NULL pointer
// (ngx.null, a light userdata in LuaJIT): tostring prints it as LuaJIT
// does, "userdata: NULL".
type NullPointer struct{}

func baseToString(L *lua.LState, orig lua.LValue) int {
	if L.GetTop() < 1 {
		argError(L, 1, "value expected")
	}
	v := L.Get(1)
	switch v.(type) {
	case lua.LNumber, lua.LString, *lua.LNilType, lua.LBool:
		L.Push(lua.LString(toStringMeta(L, v)))
		return 1
	}
	if L.GetMetaField(v, "__tostring") != lua.LNil {
		L.Push(lua.LString(toStringMeta(L, v)))
		return 1
	}
	if ud, ok := v.(*lua.LUserData); ok {
		if _, ok := ud.Value.(NullPointer); ok {
			L.Push(lua.LString("userdata: NULL"))
			return 1
		}
	}
	L.Push(orig)
	L.Push(v)
	L.Call(1, 1)
	return 1
}

// basePrint is print: like Lua 5.1 it calls the global tostring on each
// argument and writes to standard output.
func basePrint(L *lua.LState) int {
	var b strings.Builder
	ts := L.GetGlobal("tostring")
	for i := 1; i <= L.GetTop(); i++ {
		if i > 1 {
			b.WriteByte('\t')
		}
		L.Push(ts)
		L.Push(L.Get(i))
		L.Call(1, 1)
		s, ok := L.Get(-1).(lua.LString)
		L.Pop(1)
		if !ok {
			raise(L, "'tostring' must return a string to 'print'")
		}
		b.WriteString(string(s))
	}
	b.WriteByte('\n')
	_, _ = os.Stdout.WriteString(b.String())
	return 0
}

// baseUnpack is unpack(t [, i [, j]]) with LuaJIT's result limit.
func baseUnpack(L *lua.LState) int {
	t := checkTable(L, 1)
	i := int64(optNumber(L, 2, 1))
	var j int64
	if L.Get(3) == lua.LNil {
		j = int64(t.Len())
	} else {
		j = int64(checkNumber(L, 3))
	}
	if i > j {
		return 0
	}
	n := j - i + 1
	if n <= 0 || n >= maxResults {
		raise(L, "too many results to unpack")
	}
	for k := i; k <= j; k++ {
		L.Push(t.RawGetInt(int(k)))
	}
	return int(n)
}

// tableConcat is table.concat in one pass with a single builder.
func tableConcat(L *lua.LState) int {
	t := checkTable(L, 1)
	sep := ""
	if L.Get(2) != lua.LNil {
		sep = checkString(L, 2)
	}
	i := int64(optNumber(L, 3, 1))
	var j int64
	if L.Get(4) == lua.LNil {
		j = int64(t.Len())
	} else {
		j = int64(checkNumber(L, 4))
	}
	if i > j {
		L.Push(lua.LString(""))
		return 1
	}
	if arr, ok := glstate.ArrayPart(t); ok && i >= 1 && j <= int64(len(arr)) {
		if v, ok := concatArray(arr[i-1:j], sep); ok {
			L.Push(v)
			return 1
		}
	}
	// size the result first: one allocation, no copy at the end
	size := int64(len(sep)) * (j - i)
	for k := i; k <= j && size < 1<<26; k++ {
		switch v := t.RawGetInt(int(k)).(type) {
		case lua.LString:
			size += int64(len(v))
		case lua.LNumber:
			size += 24
		default:
			k = j // the next loop raises the error
		}
	}
	blk := newStringBlock(int(min(size, 1<<26)))
	b := blk.Bytes()
	for k := i; k <= j; k++ {
		switch v := t.RawGetInt(int(k)).(type) {
		case lua.LString:
			b = append(b, v...)
		case lua.LNumber:
			b = AppendNumber(b, float64(v))
		default:
			raise(L, "invalid value (%s) at index %d in table for 'concat'", v.Type().String(), k)
		}
		if k < j {
			b = append(b, sep...)
		}
	}
	if unsafe.SliceData(b) != unsafe.SliceData(blk.Bytes()) {
		// sized past 64 MB: b grew out of the block
		L.Push(bytesString(b))
		return 1
	}
	blk.SetBytes(b)
	L.Push(blk.Value())
	return 1
}

// concatArray is table.concat of a slice of the array part holding only
// strings and numbers (ok false otherwise: the general loop then raises
// the error).
func concatArray(vs []lua.LValue, sep string) (lua.LValue, bool) {
	size := len(sep) * (len(vs) - 1)
	for _, v := range vs {
		switch v := v.(type) {
		case lua.LString:
			size += len(v)
		case lua.LNumber:
			size += 24
		default:
			return nil, false
		}
		if size >= 1<<26 {
			return nil, false
		}
	}
	blk := newStringBlock(size)
	b := blk.Bytes()
	for k, v := range vs {
		if k > 0 && sep != "" {
			b = append(b, sep...)
		}
		if s, ok := v.(lua.LString); ok {
			b = append(b, s...)
		} else {
			b = AppendNumber(b, float64(v.(lua.LNumber)))
		}
	}
	blk.SetBytes(b)
	return blk.Value(), true
}

// strRep is string.rep(s, n [, sep]).
func strRep(L *lua.LState) int {
	s := checkString(L, 1)
	n := toInt64(checkNumber(L, 2))
	sep := ""
	if L.Get(3) != lua.LNil {
		sep = checkString(L, 3)
	}
	if n <= 0 {
		L.Push(lua.LString(""))
		return 1
	}
	total := (int64(len(s))+int64(len(sep)))*n - int64(len(sep))
	if total > math.MaxInt32 || n > math.MaxInt32 {
		raise(L, "not enough memory")
	}
	var b strings.Builder
	b.Grow(int(total))
	for k := int64(0); k < n; k++ {
		if k > 0 {
			b.WriteString(sep)
		}
		b.WriteString(s)
	}
	L.Push(lua.LString(b.String()))
	return 1
}

// mathLog is math.log(x [, base]).
func mathLog(L *lua.LState) int {
	x := checkNumber(L, 1)
	var r float64
	switch base := optNumber(L, 2, math.E); base {
	case math.E:
		r = math.Log(x)
	case 2:
		r = math.Log2(x)
	case 10:
		r = math.Log10(x)
	default:
		r = math.Log(x) / math.Log(base)
	}
	L.Push(lua.LNumber(r))
	return 1
}

// mathFmod is math.fmod with C fmod semantics.
func mathFmod(L *lua.LState) int {
	L.Push(lua.LNumber(math.Mod(checkNumber(L, 1), checkNumber(L, 2))))
	return 1
}

// heapSample is the runtime/metrics sample behind collectgarbage("count");
// metrics.Read does not stop the world, unlike runtime.ReadMemStats.
const heapSample = "/memory/classes/heap/objects:bytes"

// newCollectGarbage returns collectgarbage with per-state pause and step
// multiplier settings (reported back like LuaJIT, not applied to Go's GC).
func newCollectGarbage() lua.LGFunction {
	pause, stepmul, running := 200.0, 200.0, true
	return func(L *lua.LState) int {
		opt := "collect"
		if L.Get(1) != lua.LNil {
			opt = checkString(L, 1)
		}
		switch opt {
		case "collect":
			runtime.GC()
			L.Push(lua.LNumber(0))
		case "count":
			L.Push(lua.LNumber(heapKB()))
		case "step":
			L.Push(lua.LBool(optNumber(L, 2, 0) > 0))
		case "stop", "restart":
			running = opt == "restart"
			L.Push(lua.LNumber(0))
		case "isrunning":
			L.Push(lua.LBool(running))
		case "setpause", "setstepmul":
			p := &pause
			if opt == "setstepmul" {
				p = &stepmul
			}
			prev := *p
			*p = optNumber(L, 2, 0)
			L.Push(lua.LNumber(prev))
		default:
			argError(L, 1, fmt.Sprintf("invalid option '%s'", opt))
		}
		return 1
	}
}

func heapKB() float64 {
	s := []metrics.Sample{{Name: heapSample}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return float64(s[0].Value.Uint64()) / 1024
}

// baseGcinfo is Lua 5.0's gcinfo, kept by LuaJIT: the heap size in KB as an
// integer.
func baseGcinfo(L *lua.LState) int {
	L.Push(lua.LNumber(math.Floor(heapKB())))
	return 1
}

// baseXpcall is xpcall(f, handler, ...) passing the extra arguments to f as
// LuaJIT does (gopher-lua drops them).
func baseXpcall(L *lua.LState) int {
	handler := L.CheckFunction(2)
	fn := L.Get(1)
	nargs := L.GetTop() - 2
	top := L.GetTop()
	L.Push(fn)
	for i := 3; i <= top; i++ {
		L.Push(L.Get(i))
	}
	if err := L.PCall(nargs, lua.MultRet, handler); err != nil {
		L.Push(lua.LFalse)
		if ae, ok := err.(*lua.ApiError); ok {
			L.Push(ae.Object)
		} else {
			L.Push(lua.LString(err.Error()))
		}
		return 2
	}
	L.Insert(lua.LTrue, top+1)
	return L.GetTop() - top
}

// baseSelect is select(n, ...) with LuaJIT's argument errors.
func baseSelect(L *lua.LState) int {
	nargs := L.GetTop() - 1
	if s, ok := L.Get(1).(lua.LString); ok && s == "#" {
		L.Push(lua.LNumber(nargs))
		return 1
	}
	n := int(toInt64(checkNumber(L, 1)))
	if n < 0 {
		n = nargs + n + 1
	}
	if n < 1 {
		argError(L, 1, "index out of range")
	}
	if n > nargs {
		return 0
	}
	return nargs - n + 1
}

// tableForeach is table.foreach(t, f), which LuaJIT still ships.
func tableForeach(L *lua.LState) int {
	t := checkTable(L, 1)
	fn := L.CheckFunction(2)
	for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
		L.Push(fn)
		L.Push(k)
		L.Push(v)
		L.Call(2, 1)
		if r := L.Get(-1); r != lua.LNil {
			return 1
		}
		L.Pop(1)
	}
	return 0
}

// tableForeachi is table.foreachi(t, f).
func tableForeachi(L *lua.LState) int {
	t := checkTable(L, 1)
	fn := L.CheckFunction(2)
	for i := 1; i <= t.Len(); i++ {
		L.Push(fn)
		L.Push(lua.LNumber(i))
		L.Push(t.RawGetInt(i))
		L.Call(2, 1)
		if r := L.Get(-1); r != lua.LNil {
			return 1
		}
		L.Pop(1)
	}
	return 0
}

// baseSetMetatable is LuaJIT's setmetatable: the first argument must be a
// table (gopher-lua's takes any value), the second nil or a table, and a
// __metatable field protects the old metatable.
func baseSetMetatable(L *lua.LState) int {
	t, ok := L.Get(1).(*lua.LTable)
	if !ok {
		argExpected(L, 1, "table")
	}
	mt := L.Get(2)
	switch mt.(type) {
	case *lua.LNilType, *lua.LTable:
	default:
		argError(L, 2, "nil or table expected")
	}
	if L.GetMetaField(t, "__metatable") != lua.LNil {
		raise(L, "cannot change a protected metatable")
	}
	L.SetMetatable(t, mt)
	L.SetTop(1)
	return 1
}

// baseToNumber is LuaJIT's tonumber: without a base (or with 10), a number
// as it is and a string in Lua's number syntax (exponents, hex, "inf"...);
// with another base from 2 to 36, the argument read as a string holding an
// integer in that base, with an optional sign, a "0x" prefix for base 16
// and surrounding spaces.
func baseToNumber(L *lua.LState) int {
	if L.GetTop() < 1 {
		argError(L, 1, "value expected")
	}
	base := 10
	if L.Get(2) != lua.LNil {
		base = int(toInt64(checkNumber(L, 2)))
	}
	if base == 10 {
		switch v := L.Get(1).(type) {
		case lua.LNumber:
			L.Push(v)
			return 1
		case lua.LString:
			if f, ok := parseNumber(string(v)); ok {
				L.Push(lua.LNumber(f))
				return 1
			}
		}
		L.Push(lua.LNil)
		return 1
	}
	s := checkString(L, 1)
	if base < 2 || base > 36 {
		argError(L, 2, "base out of range")
	}
	if f, ok := parseInBase(s, base); ok {
		L.Push(lua.LNumber(f))
	} else {
		L.Push(lua.LNil)
	}
	return 1
}

// parseInBase reads an integer in base 2..36 as tonumber(s, base) does.
func parseInBase(s string, base int) (float64, bool) {
	s = strings.Trim(s, " \t\n\v\f\r")
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if base == 16 && len(s) > 2 && s[0] == '0' && s[1]|0x20 == 'x' {
		s = s[2:]
	}
	if s == "" {
		return 0, false
	}
	var n float64
	for i := 0; i < len(s); i++ {
		d := digitValue(s[i])
		if d < 0 || d >= base {
			return 0, false
		}
		n = n*float64(base) + float64(d)
	}
	if neg {
		n = -n
	}
	return n, true
}

// strGmatch is string.gmatch returning one closure, as in LuaJIT, so that
// the iterator can also be called directly (s:gmatch(p)() is the first
// match); gopher-lua's returns an iterator and a state for the generic for
// only. A bad pattern is reported by the first call, as in LuaJIT.
func strGmatch(L *lua.LState) int {
	str := checkString(L, 1)
	pattern := checkString(L, 2)
	var matches []*pm.MatchData
	next := -1 // the pattern is applied at the first call, as in LuaJIT
	L.Push(L.NewFunction(func(L *lua.LState) int {
		if next < 0 {
			var err error
			if matches, err = pm.Find(pattern, []byte(str), 0, -1); err != nil {
				L.RaiseError("%s", err.Error())
			}
			next = 0
		}
		if next >= len(matches) {
			return 0
		}
		m := matches[next]
		next++
		if m.CaptureLength() == 2 {
			L.Push(lua.LString(str[m.Capture(0):m.Capture(1)]))
			return 1
		}
		for i := 2; i < m.CaptureLength(); i += 2 {
			if m.IsPosCapture(i) {
				L.Push(lua.LNumber(m.Capture(i)))
			} else {
				L.Push(lua.LString(str[m.Capture(i):m.Capture(i+1)]))
			}
		}
		return m.CaptureLength()/2 - 1
	}))
	return 1
}
