package cjson

import (
	"math"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Version is the lua-cjson version cjson._VERSION reports.
const Version = "2.1.0.14"

// encode_invalid_numbers settings.
const (
	invalidOff = iota
	invalidOn
	invalidNull
)

// shared holds what all module instances of one VM have in common.
type shared struct {
	null         lua.LValue
	emptyArray   *lua.LUserData
	arrayMT      *lua.LTable
	emptyArrayMT *lua.LTable
}

// config is the settings of one module instance (lua-cjson's json_config_t).
type config struct {
	shared *shared

	sparseConvert      bool
	sparseRatio        int
	sparseSafe         int
	encodeMaxDepth     int
	decodeMaxDepth     int
	encodeInvalid      int
	decodeInvalid      bool
	precision          int
	keepBuffer         bool
	emptyTableAsObject bool
	escapeSlash        bool

	decodeArrayWithArrayMT bool
	decodeJSONNull         bool

	buf []byte // kept encode buffer (encode_keep_buffer)
}

func newConfig(sh *shared) *config {
	return &config{
		shared:             sh,
		sparseRatio:        2,
		sparseSafe:         10,
		encodeMaxDepth:     1000,
		decodeMaxDepth:     1000,
		decodeInvalid:      true,
		precision:          14,
		keepBuffer:         true,
		emptyTableAsObject: true,
		escapeSlash:        true,
		decodeJSONNull:     true,
	}
}

// emptyArrayTag is the Value of the cjson.empty_array userdata.
type emptyArrayTag struct{}

// Preload registers the "cjson" and "cjson.safe" modules on L. null is the
// value JSON null decodes to and that encodes as null: pass ngx.null, so
// that cjson.null == ngx.null as in OpenResty.
func Preload(L *lua.LState, null lua.LValue) {
	ea := L.NewUserData()
	ea.Value = emptyArrayTag{}
	sh := &shared{null: null, emptyArray: ea, arrayMT: L.NewTable(), emptyArrayMT: L.NewTable()}
	L.PreloadModule("cjson", func(L *lua.LState) int {
		L.Push(newModule(L, sh, false))
		return 1
	})
	L.PreloadModule("cjson.safe", func(L *lua.LState) int {
		L.Push(newModule(L, sh, true))
		return 1
	})
}

// newModule builds one module table with its own settings; safe makes
// encode and decode return nil, err instead of raising.
func newModule(L *lua.LState, sh *shared, safe bool) *lua.LTable {
	cfg := newConfig(sh)
	m := L.CreateTable(0, 24)
	reg := func(name string, fn func(*lua.LState, *config) int) {
		m.RawSetString(name, L.NewFunction(func(L *lua.LState) int { return fn(L, cfg) }))
	}
	if safe {
		reg("encode", safeEncode)
		reg("decode", safeDecode)
	} else {
		reg("encode", luaEncode)
		reg("decode", luaDecode)
	}
	reg("encode_empty_table_as_object", cfgEncodeEmptyTableAsObject)
	reg("decode_array_with_array_mt", cfgDecodeArrayWithArrayMT)
	reg("decode_json_null", cfgDecodeJSONNull)
	reg("encode_sparse_array", cfgEncodeSparseArray)
	reg("encode_max_depth", cfgEncodeMaxDepth)
	reg("decode_max_depth", cfgDecodeMaxDepth)
	reg("encode_number_precision", cfgEncodeNumberPrecision)
	reg("encode_keep_buffer", cfgEncodeKeepBuffer)
	reg("encode_invalid_numbers", cfgEncodeInvalidNumbers)
	reg("decode_invalid_numbers", cfgDecodeInvalidNumbers)
	reg("encode_escape_forward_slash", cfgEncodeEscapeForwardSlash)
	for _, name := range []string{"encode_skip_unsupported_value_types", "encode_indent"} {
		msg := "cjson." + name + " is not supported by goresty"
		m.RawSetString(name, L.NewFunction(func(L *lua.LState) int {
			L.RaiseError("%s", msg)
			return 0
		}))
	}
	m.RawSetString("new", L.NewFunction(func(L *lua.LState) int {
		L.Push(newModule(L, sh, safe))
		return 1
	}))
	m.RawSetString("null", sh.null)
	m.RawSetString("empty_array", sh.emptyArray)
	m.RawSetString("array_mt", sh.arrayMT)
	m.RawSetString("empty_array_mt", sh.emptyArrayMT)
	m.RawSetString("_NAME", lua.LString("cjson"))
	m.RawSetString("_VERSION", lua.LString(Version))
	return m
}

func luaEncode(L *lua.LState, cfg *config) int {
	if L.GetTop() != 1 {
		argError(L, 1, "expected 1 argument")
	}
	s, err := encode(cfg, L.Get(1))
	if err != "" {
		raise(L, string(err))
	}
	L.Push(lua.LString(s))
	return 1
}

func luaDecode(L *lua.LState, cfg *config) int {
	if L.GetTop() != 1 {
		argError(L, 1, "expected 1 argument")
	}
	s, ok := checkString(L.Get(1))
	if !ok {
		argError(L, 1, "string expected, got "+typeName(L.Get(1)))
	}
	v, err := decode(L, cfg, s)
	if err != "" {
		raise(L, string(err))
	}
	L.Push(v)
	return 1
}

func safeEncode(L *lua.LState, cfg *config) int {
	if L.GetTop() != 1 {
		argError(L, 1, "expected 1 argument")
	}
	s, err := encode(cfg, L.Get(1))
	if err != "" {
		return pushFail(L, string(err))
	}
	L.Push(lua.LString(s))
	return 1
}

func safeDecode(L *lua.LState, cfg *config) int {
	if L.GetTop() != 1 {
		argError(L, 1, "expected 1 argument")
	}
	s, ok := checkString(L.Get(1))
	if !ok {
		// the inner decode runs under pcall in lua-cjson: no name, no position
		return pushFail(L, "bad argument #1 to '?' (string expected, got "+typeName(L.Get(1))+")")
	}
	v, err := decode(L, cfg, s)
	if err != "" {
		return pushFail(L, string(err))
	}
	L.Push(v)
	return 1
}

func pushFail(L *lua.LState, msg string) int {
	L.Push(lua.LNil)
	L.Push(lua.LString(msg))
	return 2
}

// checkString is luaL_checklstring: strings, and numbers converted.
func checkString(v lua.LValue) (string, bool) {
	switch x := v.(type) {
	case lua.LString:
		return string(x), true
	case lua.LNumber:
		return string(appendNumber(nil, float64(x), 14)), true
	}
	return "", false
}

func typeName(v lua.LValue) string {
	if v == lua.LNil {
		return "nil"
	}
	return v.Type().String()
}

// argError is luaL_argerror: "bad argument #n to 'name' (msg)" with the
// caller's position, the name being '?' when the call site has none. In a
// method call self is not counted, and a bad self is "calling 'name' on
// bad self".
func argError(L *lua.LState, n int, msg string) {
	s := callSite(L)
	name := s.name
	if name == "" {
		name = "?"
	}
	if s.method {
		if n--; n == 0 {
			L.Error(lua.LString(s.where+"calling '"+name+"' on bad self ("+msg+")"), 0)
		}
	}
	L.Error(lua.LString(s.where+"bad argument #"+itoa(n)+" to '"+name+"' ("+msg+")"), 0)
}

// argInit checks a configuration function got at most max arguments.
func argInit(L *lua.LState, max int) {
	if L.GetTop() > max {
		argError(L, max+1, "found too many arguments")
	}
	for L.GetTop() < max {
		L.Push(lua.LNil)
	}
}

// boolOption handles on/off settings: true/false or "on"/"off"; nil keeps
// the value. It pushes the current value.
func boolOption(L *lua.LState, idx int, setting *bool) {
	v := L.Get(idx)
	switch x := v.(type) {
	case *lua.LNilType:
	case lua.LBool:
		*setting = bool(x)
	default:
		switch checkOption(L, idx, "off", "on") {
		case 0:
			*setting = false
		case 1:
			*setting = true
		}
	}
	L.Push(lua.LBool(*setting))
}

// checkOption is luaL_checkoption without a default.
func checkOption(L *lua.LState, idx int, options ...string) int {
	s, ok := checkString(L.Get(idx))
	if !ok {
		argError(L, idx, "string expected, got "+typeName(L.Get(idx)))
	}
	for i, o := range options {
		if o == s {
			return i
		}
	}
	argError(L, idx, "invalid option '"+s+"'")
	return -1
}

// intOption handles integer settings in [min, max]; nil keeps the value.
// Like lua-cjson, a range error always names argument #1.
func intOption(L *lua.LState, idx int, setting *int, min, max int) {
	v := L.Get(idx)
	if v != lua.LNil {
		var f float64
		switch x := v.(type) {
		case lua.LNumber:
			f = float64(x)
		case lua.LString:
			s := strings.TrimSpace(string(x))
			n, used := scanNumber(s)
			if used == 0 || used != len(s) {
				argError(L, idx, "number expected, got string")
			}
			f = n
		default:
			argError(L, idx, "number expected, got "+typeName(v))
		}
		n := int64(math.Trunc(f))
		if f != f || n < int64(min) || n > int64(max) {
			argError(L, 1, "expected integer between "+itoa(min)+" and "+itoa(max))
		}
		*setting = int(n)
	}
	L.Push(lua.LNumber(*setting))
}

func cfgEncodeSparseArray(L *lua.LState, cfg *config) int {
	argInit(L, 3)
	boolOption(L, 1, &cfg.sparseConvert)
	intOption(L, 2, &cfg.sparseRatio, 0, math.MaxInt32)
	intOption(L, 3, &cfg.sparseSafe, 0, math.MaxInt32)
	return 3
}

func cfgEncodeMaxDepth(L *lua.LState, cfg *config) int {
	argInit(L, 1)
	intOption(L, 1, &cfg.encodeMaxDepth, 1, math.MaxInt32)
	return 1
}

func cfgDecodeMaxDepth(L *lua.LState, cfg *config) int {
	argInit(L, 1)
	intOption(L, 1, &cfg.decodeMaxDepth, 1, math.MaxInt32)
	return 1
}

func cfgEncodeNumberPrecision(L *lua.LState, cfg *config) int {
	argInit(L, 1)
	intOption(L, 1, &cfg.precision, 1, 16)
	return 1
}

func cfgEncodeEmptyTableAsObject(L *lua.LState, cfg *config) int {
	argInit(L, 1)
	boolOption(L, 1, &cfg.emptyTableAsObject)
	return 1
}

func cfgDecodeArrayWithArrayMT(L *lua.LState, cfg *config) int {
	argInit(L, 1)
	boolOption(L, 1, &cfg.decodeArrayWithArrayMT)
	return 1
}

func cfgDecodeJSONNull(L *lua.LState, cfg *config) int {
	argInit(L, 1)
	boolOption(L, 1, &cfg.decodeJSONNull)
	return 1
}

func cfgEncodeEscapeForwardSlash(L *lua.LState, cfg *config) int {
	argInit(L, 1)
	boolOption(L, 1, &cfg.escapeSlash)
	return 1
}

func cfgEncodeKeepBuffer(L *lua.LState, cfg *config) int {
	argInit(L, 1)
	boolOption(L, 1, &cfg.keepBuffer)
	if !cfg.keepBuffer {
		cfg.buf = nil
	}
	return 1
}

func cfgDecodeInvalidNumbers(L *lua.LState, cfg *config) int {
	argInit(L, 1)
	boolOption(L, 1, &cfg.decodeInvalid)
	return 1
}

func cfgEncodeInvalidNumbers(L *lua.LState, cfg *config) int {
	argInit(L, 1)
	switch x := L.Get(1).(type) {
	case *lua.LNilType:
	case lua.LBool:
		cfg.encodeInvalid = invalidOff
		if x {
			cfg.encodeInvalid = invalidOn
		}
	default:
		cfg.encodeInvalid = checkOption(L, 1, "off", "on", "null")
	}
	if cfg.encodeInvalid == invalidNull {
		L.Push(lua.LString("null"))
	} else {
		L.Push(lua.LBool(cfg.encodeInvalid == invalidOn))
	}
	return 1
}
