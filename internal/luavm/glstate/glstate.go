// Package glstate reaches the parts of gopher-lua's VM state that it does
// not export and goresty needs: the instruction dispatch table, the call
// frames and the registers of a coroutine.
//
// The dispatch table is gopher-lua's jumpTable, reached with go:linkname.
// The fields are found by name with reflection once, at start-up, and read
// at their offsets afterwards (through reflect.Value a read costs hundreds
// of instructions). When a field is missing or has another type (a new
// gopher-lua), Readable is false and every caller keeps to its slower way
// that needs none of this; TestLayout fails so the change is seen.
package glstate

import (
	"maps"
	"reflect"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// InstFunc is the type of gopher-lua's instruction handlers; the third
// argument is its *callFrame, passed on untouched.
type InstFunc func(L *lua.LState, inst uint32, baseframe unsafe.Pointer) int

// JumpTable is gopher-lua's dispatch table, indexed by opcode. Wrapping an
// entry must happen in an init function, before any VM runs.
//
//go:linkname JumpTable github.com/yuin/gopher-lua.jumpTable
var JumpTable [lua.OP_NOP + 1]InstFunc

// OpShift is where an instruction keeps its opcode.
const OpShift = 26

// MaxArgSbx is the bias of an instruction's signed sBx field.
const MaxArgSbx = (1<<18 - 1) >> 1

var (
	offCurFrame, offReg               uintptr // in LState
	offParent, offFn, offPc, offLocal uintptr // in callFrame
	offArray, offTop                  uintptr // in registry
	fieldsOK                          = layout()
)

// Readable reports whether the frames and registers can be read.
func Readable() bool { return fieldsOK }

// layout records the offsets and reports whether every field has the type
// it is read as.
func layout() bool {
	ls := reflect.TypeFor[lua.LState]()
	cur, ok1 := ls.FieldByName("currentFrame")
	reg, ok2 := ls.FieldByName("reg")
	if !ok1 || !ok2 || cur.Type.Kind() != reflect.Pointer || reg.Type.Kind() != reflect.Pointer {
		return false
	}
	cf, rg := cur.Type.Elem(), reg.Type.Elem()
	if cf.Kind() != reflect.Struct || rg.Kind() != reflect.Struct {
		return false
	}
	want := func(t reflect.Type, name string, typ reflect.Type) (uintptr, bool) {
		f, ok := t.FieldByName(name)
		if !ok || len(f.Index) != 1 || f.Type != typ {
			return 0, false
		}
		return f.Offset, true
	}
	var oks [6]bool
	offParent, oks[0] = want(cf, "Parent", cur.Type)
	offFn, oks[1] = want(cf, "Fn", reflect.TypeFor[*lua.LFunction]())
	offPc, oks[2] = want(cf, "Pc", reflect.TypeFor[int]())
	offLocal, oks[3] = want(cf, "LocalBase", reflect.TypeFor[int]())
	offArray, oks[4] = want(rg, "array", reflect.TypeFor[[]lua.LValue]())
	offTop, oks[5] = want(rg, "top", reflect.TypeFor[int]())
	for _, ok := range oks {
		if !ok {
			return false
		}
	}
	offCurFrame, offReg = cur.Offset, reg.Offset
	return true
}

func ptrAt(p unsafe.Pointer, off uintptr) unsafe.Pointer {
	return *(*unsafe.Pointer)(unsafe.Add(p, off))
}

// Frame is a call frame of a coroutine (gopher-lua's *callFrame).
type Frame struct{ p unsafe.Pointer }

// CurrentFrame returns the running frame of L (Readable must be true).
func CurrentFrame(L *lua.LState) Frame { return Frame{ptrAt(unsafe.Pointer(L), offCurFrame)} }

// Nil reports whether f is no frame.
func (f Frame) Nil() bool { return f.p == nil }

// Parent returns the frame that f was called from (Nil for the first one).
func (f Frame) Parent() Frame { return Frame{ptrAt(f.p, offParent)} }

// Fn returns the function f runs.
func (f Frame) Fn() *lua.LFunction { return (*lua.LFunction)(ptrAt(f.p, offFn)) }

// Pc returns the index of the next instruction of f.
func (f Frame) Pc() int { return *(*int)(unsafe.Add(f.p, offPc)) }

// SetPc sets the index of the next instruction of f.
func (f Frame) SetPc(pc int) { *(*int)(unsafe.Add(f.p, offPc)) = pc }

// LocalBase returns the register of f's first local.
func (f Frame) LocalBase() int { return *(*int)(unsafe.Add(f.p, offLocal)) }

// Registers returns L's register array and its top (the first register
// above the live ones), to be read and written in place.
func Registers(L *lua.LState) (*[]lua.LValue, *int) {
	rg := ptrAt(unsafe.Pointer(L), offReg)
	return (*[]lua.LValue)(unsafe.Add(rg, offArray)), (*int)(unsafe.Add(rg, offTop))
}

// ltable is lua.LTable's layout, checked by tableLayout.
type ltable struct {
	Metatable lua.LValue
	array     []lua.LValue
	dict      map[lua.LValue]lua.LValue
	strdict   map[string]lua.LValue
	keys      []lua.LValue
	k2i       map[lua.LValue]int
}

var tableOK = tableLayout()

func tableLayout() bool {
	lt, mt := reflect.TypeFor[lua.LTable](), reflect.TypeFor[ltable]()
	if lt.NumField() != mt.NumField() || lt.Size() != mt.Size() {
		return false
	}
	for i := range lt.NumField() {
		a, b := lt.Field(i), mt.Field(i)
		if a.Name != b.Name || a.Type != b.Type || a.Offset != b.Offset {
			return false
		}
	}
	return true
}

// PrepareTable readies t, a zero table no Lua code has seen, to keep its
// array part in array (from length 0, up to its capacity) and its first
// hash keys in keys (likewise), so that filling it allocates no slices:
// a caller can place t and both in one allocation. When zero is not nil,
// t[0] = zero is stored at once (ngx.re.match's m[0]): its hash part is
// made from templates instead of through RawSetInt's lookups. It reports
// false, and leaves t alone, when gopher-lua's table layout is not the
// known one.
func PrepareTable(t *lua.LTable, array, keys []lua.LValue, zero lua.LValue) bool {
	if !tableOK || zero != nil && cap(keys) == 0 {
		return false
	}
	m := (*ltable)(unsafe.Pointer(t))
	m.Metatable = lua.LNil
	m.array = array[:0]
	m.keys = keys[:0]
	if zero == nil {
		m.k2i = make(map[lua.LValue]int, cap(keys))
		return true
	}
	m.dict = make(map[lua.LValue]lua.LValue, 1)
	m.dict[lua.LNumber(0)] = zero
	m.k2i = maps.Clone(zeroIndex)
	m.keys = append(m.keys, lua.LNumber(0))
	return true
}

// ArrayPart returns t's array part (t[1] is its first element) to read,
// not to change; ok is false when gopher-lua's table layout is not the
// known one. Keys past it live in the hash part (RawGetInt finds them).
func ArrayPart(t *lua.LTable) (array []lua.LValue, ok bool) {
	if !tableOK {
		return nil, false
	}
	return (*ltable)(unsafe.Pointer(t)).array, true
}

// AppendArray appends v to t's array part, as t.RawSetInt(len+1, v) does
// when the array part's last element is not nil (then it is the table's
// length); false (nothing done) when the layout is not the known one.
// When the array part is full it grows to room for at least want
// elements (and at least twice its length, as append grows it).
func AppendArray(t *lua.LTable, v lua.LValue, want int) bool {
	if !tableOK {
		return false
	}
	m := (*ltable)(unsafe.Pointer(t))
	if n := len(m.array); n == cap(m.array) && want > 2*n {
		// growslice rounds the capacity up to the allocation's size class
		m.array = append(m.array[:n:n], make([]lua.LValue, want-n)...)[:n]
	}
	m.array = append(m.array, v)
	return true
}

// PresizeStrings makes room in t, a table with an empty hash part, for n
// string keys, as gopher-lua's lists of keys would otherwise grow by
// doubling from nothing. False (nothing done) when the layout is not the
// known one.
func PresizeStrings(t *lua.LTable, n int) bool {
	if !tableOK {
		return false
	}
	m := (*ltable)(unsafe.Pointer(t))
	if m.strdict == nil {
		m.strdict = make(map[string]lua.LValue, n)
	}
	if m.keys == nil {
		m.keys = make([]lua.LValue, 0, n)
		m.k2i = make(map[lua.LValue]int, n)
	}
	return true
}

// SetString sets t[key] to v, a value other than nil, as t.RawSetString
// does, where k is key as a Lua value already: gopher-lua would make a
// value of key twice more for its lists of keys. False (nothing done)
// when the layout is not the known one.
func SetString(t *lua.LTable, key string, k, v lua.LValue) bool {
	if !tableOK {
		return false
	}
	m := (*ltable)(unsafe.Pointer(t))
	if m.strdict == nil || m.keys == nil {
		PresizeStrings(t, 1)
	}
	m.strdict[key] = v
	if _, ok := m.k2i[k]; !ok {
		m.k2i[k] = len(m.keys)
		m.keys = append(m.keys, k)
	}
	return true
}

// zeroIndex is the key index of a table whose only hash key is 0.
var zeroIndex = map[lua.LValue]int{lua.LNumber(0): 0}
