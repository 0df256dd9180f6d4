package stdlib

import (
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// A Lua string made by Go code costs two allocations when done the plain
// way: the bytes, then the 16-byte string header that converting an
// LString to the LValue interface copies to the heap. stringBlock puts
// both in one pointer-free block: the header first, the bytes after it.
// The interface value points at the header; the header points into the
// same block, so the collector needs to trace nothing inside it (a string
// taken out of the value is an interior pointer, which keeps the block
// alive). W3's body loop makes 40 strings per request this way.

// headerSize is the size of a string header.
const headerSize = int(unsafe.Sizeof(""))

// eface is the layout of an interface value.
type eface struct {
	typ, data unsafe.Pointer
}

// lstringType is the dynamic type word of an LString held in an LValue.
var lstringType = func() unsafe.Pointer {
	var v lua.LValue = lua.LString("x")
	return (*eface)(unsafe.Pointer(&v)).typ
}()

// stringBlock is room for a string of up to max bytes and its header:
// append to Bytes (no more than max), then take Value.
type stringBlock struct {
	blk []byte
}

// newStringBlock allocates the block.
func newStringBlock(max int) stringBlock {
	return stringBlock{blk: make([]byte, headerSize, headerSize+max)}
}

// Bytes is the string's bytes so far, to append to; the result must be
// given back with SetBytes when it was appended to.
func (s *stringBlock) Bytes() []byte { return s.blk[headerSize:] }

// SetBytes records b, an append to Bytes within the block's capacity.
func (s *stringBlock) SetBytes(b []byte) { s.blk = s.blk[:headerSize+len(b)] }

// Value is the finished string as a Lua value; the block must not be
// written after it.
func (s *stringBlock) Value() lua.LValue {
	n := len(s.blk) - headerSize
	if n == 0 {
		return lua.LString("")
	}
	hdr := unsafe.Pointer(unsafe.SliceData(s.blk))
	*(*string)(hdr) = unsafe.String(&s.blk[headerSize], n)
	var v lua.LValue
	e := (*eface)(unsafe.Pointer(&v))
	e.typ, e.data = lstringType, hdr
	return v
}

// StringValueAt is the Lua string *p as a value without copying its
// header to the heap: the value points at *p, which must not change
// afterwards. Headers kept side by side in one slice make one allocation
// for several strings (ngx.re.match's captures).
func StringValueAt(p *string) lua.LValue {
	var v lua.LValue
	e := (*eface)(unsafe.Pointer(&v))
	e.typ, e.data = lstringType, unsafe.Pointer(p)
	return v
}
