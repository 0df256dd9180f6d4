package cjson

import (
	"math"

	lua "github.com/yuin/gopher-lua"
)

// jsonError is the message of a failed encode or decode; it travels as a
// panic inside the encoder and decoder and is turned into a Lua error (or
// into nil, err for cjson.safe) at the module boundary.
type jsonError string

// escapes holds the JSON escape for every byte that needs one.
var escapes = func() [256]string {
	var t [256]string
	const hex = "0123456789abcdef"
	for c := 0; c < 0x20; c++ {
		t[c] = `\u00` + string(hex[c>>4]) + string(hex[c&15])
	}
	t['\b'], t['\t'], t['\n'], t['\f'], t['\r'] = `\b`, `\t`, `\n`, `\f`, `\r`
	t['"'], t['\\'], t['/'], t[0x7f] = `\"`, `\\`, `\/`, `\u007f`
	return t
}()

type encoder struct {
	cfg *config
	buf []byte
}

// encode serialises v with cfg's settings and returns the JSON text.
func encode(cfg *config, v lua.LValue) (out string, err jsonError) {
	e := encoder{cfg: cfg}
	if cfg.keepBuffer {
		e.buf = cfg.buf[:0]
	}
	defer func() {
		if cfg.keepBuffer && cap(e.buf) <= maxKeptBuffer {
			cfg.buf = e.buf[:0]
		}
		if r := recover(); r != nil {
			je, ok := r.(jsonError)
			if !ok {
				panic(r)
			}
			err = je
		}
	}()
	e.value(v, 0)
	return string(e.buf), ""
}

// maxKeptBuffer bounds the buffer an instance keeps between calls, so one
// huge document does not pin its memory for the life of the VM.
const maxKeptBuffer = 1 << 20

func (e *encoder) fail(v lua.LValue, reason string) {
	panic(jsonError("Cannot serialise " + v.Type().String() + ": " + reason))
}

func (e *encoder) value(v lua.LValue, depth int) {
	switch x := v.(type) {
	case lua.LString:
		e.str(string(x))
	case lua.LNumber:
		e.number(x)
	case lua.LBool:
		if x {
			e.buf = append(e.buf, "true"...)
		} else {
			e.buf = append(e.buf, "false"...)
		}
	case *lua.LNilType:
		e.buf = append(e.buf, "null"...)
	case *lua.LTable:
		e.table(x, depth+1)
	case *lua.LUserData:
		switch v {
		case e.cfg.shared.null:
			e.buf = append(e.buf, "null"...)
		case e.cfg.shared.emptyArray:
			e.buf = append(e.buf, "[]"...)
		default:
			e.fail(v, "type not supported")
		}
	default:
		if v == e.cfg.shared.null {
			e.buf = append(e.buf, "null"...)
			return
		}
		e.fail(v, "type not supported")
	}
}

func (e *encoder) number(n lua.LNumber) {
	f := float64(n)
	if math.IsInf(f, 0) || math.IsNaN(f) {
		switch e.cfg.encodeInvalid {
		case invalidOff:
			e.fail(n, "must not be NaN or Infinity")
		case invalidOn:
			switch {
			case math.IsNaN(f):
				e.buf = append(e.buf, "NaN"...)
			case f < 0:
				e.buf = append(e.buf, "-Infinity"...)
			default:
				e.buf = append(e.buf, "Infinity"...)
			}
		default:
			e.buf = append(e.buf, "null"...)
		}
		return
	}
	e.buf = appendNumber(e.buf, f, e.cfg.precision)
}

func (e *encoder) str(s string) {
	e.buf = append(e.buf, '"')
	start := 0
	escSlash := e.cfg.escapeSlash
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c != '/' && c != 0x7f {
			continue
		}
		if c == '/' && !escSlash {
			continue
		}
		e.buf = append(e.buf, s[start:i]...)
		e.buf = append(e.buf, escapes[c]...)
		start = i + 1
	}
	e.buf = append(e.buf, s[start:]...)
	e.buf = append(e.buf, '"')
}

func (e *encoder) table(t *lua.LTable, depth int) {
	if depth > e.cfg.encodeMaxDepth {
		panic(jsonError("Cannot serialise, excessive nesting (" + itoa(depth) + ")"))
	}
	sh := e.cfg.shared
	if t.Metatable != lua.LNil && t.Metatable == sh.arrayMT {
		e.array(t, borderLen(t), depth)
		return
	}
	n := e.arrayLength(t)
	switch {
	case n > 0:
		e.array(t, n, depth)
	case n == 0 && (!e.cfg.emptyTableAsObject || (t.Metatable != lua.LNil && t.Metatable == sh.emptyArrayMT)):
		e.buf = append(e.buf, "[]"...)
	default:
		e.object(t, depth)
	}
}

// arrayLength returns the array length of t when every key is a positive
// integer (filling holes with null), 0 for an empty table, and -1 when t
// must be encoded as an object. It raises the excessively sparse error as
// lua-cjson does.
//
// lua-cjson keeps the largest key in a C int: a key of 2^31 or more (or
// inf) converts to INT_MIN on x86-64, so that the table, unless a smaller
// key comes later in the traversal, is encoded as an object; and the
// sparseness test multiplies in int, wrapping. Both are reproduced.
func (e *encoder) arrayLength(t *lua.LTable) int {
	var maxKey, items int32
	if n := t.Len(); n > 0 && n <= math.MaxInt32 {
		// fast path: every key lives in the array part
		if k, _ := t.Next(lua.LNumber(n)); k == lua.LNil {
			items = int32(n)
			for i := 1; i < n; i++ {
				if t.RawGetInt(i) == lua.LNil {
					items--
				}
			}
			return e.checkSparse(t, int32(n), items)
		}
	}
	for k, _ := t.Next(lua.LNil); k != lua.LNil; k, _ = t.Next(k) {
		n, ok := k.(lua.LNumber)
		f := float64(n)
		if !ok || f < 1 || f != math.Floor(f) {
			return -1
		}
		if f > float64(maxKey) {
			maxKey = cInt(f)
		}
		items++
	}
	return e.checkSparse(t, maxKey, items)
}

// cInt converts f (>= 1) to a C int as x86-64 does: out of range is INT_MIN.
func cInt(f float64) int32 {
	if f >= 1<<31 {
		return math.MinInt32
	}
	return int32(f)
}

// checkSparse applies encode_sparse_array to an all-integer-keys table.
func (e *encoder) checkSparse(t *lua.LTable, maxKey, items int32) int {
	cfg := e.cfg
	if cfg.sparseRatio > 0 && maxKey > items*int32(cfg.sparseRatio) && maxKey > int32(cfg.sparseSafe) {
		if !cfg.sparseConvert {
			e.fail(t, "excessively sparse array")
		}
		return -1
	}
	if maxKey < 0 {
		return -1
	}
	return int(maxKey)
}

// borderLen is the length used for tables with cjson.array_mt: the array
// part's length, or the largest positive integer key when integer keys
// live outside it (both are valid borders for Lua's # operator).
func borderLen(t *lua.LTable) int {
	n := t.Len()
	k, _ := t.Next(lua.LNumber(n))
	if n == 0 {
		k, _ = t.Next(lua.LNil)
	}
	for ; k != lua.LNil; k, _ = t.Next(k) {
		if x, ok := k.(lua.LNumber); ok && float64(x) > float64(n) &&
			float64(x) == math.Floor(float64(x)) && x <= math.MaxInt32 {
			n = int(x)
		}
	}
	return n
}

func (e *encoder) array(t *lua.LTable, n, depth int) {
	e.buf = append(e.buf, '[')
	for i := 1; i <= n; i++ {
		if i > 1 {
			e.buf = append(e.buf, ',')
		}
		e.value(t.RawGetInt(i), depth)
	}
	e.buf = append(e.buf, ']')
}

func (e *encoder) object(t *lua.LTable, depth int) {
	e.buf = append(e.buf, '{')
	first := true
	for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
		if !first {
			e.buf = append(e.buf, ',')
		}
		first = false
		switch key := k.(type) {
		case lua.LString:
			e.str(string(key))
		case lua.LNumber:
			// + 0 turns a -0 key into 0: LuaJIT stores -0 keys as 0
			e.buf = append(e.buf, '"')
			e.number(key + 0)
			e.buf = append(e.buf, '"')
		default:
			e.fail(k, "table key must be a number or string")
		}
		e.buf = append(e.buf, ':')
		e.value(v, depth)
	}
	e.buf = append(e.buf, '}')
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
