package luavm

import (
	"reflect"
	"unsafe"

	lua "github.com/yuin/gopher-lua"
)

// gopher-lua runs a metamethod (__index, __newindex, __add, __eq, __concat,
// ...) and the iterator of a generic for in a nested VM loop on the Go
// stack. A yield from there cannot come back: gopher-lua returns from the
// inner loop as if the metamethod had returned and goes on running the
// coroutine that "yielded". LuaJIT resumes across metamethods and
// iterators, and pure-Lua libraries rely on it (lua-resty-http's
// request_pipeline reads the response in an __index metamethod).
//
// So a wait from inside such a call does not yield: the operation runs
// right there, with the VM released as during any other wait, and the
// call returns its values directly. Only this coroutine waits; the other
// light threads of its request go on after it. ngx.exit there unwinds the
// coroutine with an error that pcall and user coroutines pass on (Exit).

// The callers are found from gopher-lua's call frames: every frame must
// have been entered by a CALL (or TAILCALL) instruction of a Lua frame. A
// frame entered otherwise is a metamethod (the VM was indexing, adding,
// comparing...), an iterator (TFORLOOP), or a Lua function a Go function
// called (table.sort, string.gsub): each runs in a nested VM loop. The
// frames are read by reflection (gopher-lua exports none of this), once
// per wait, which costs far less than walking the Go stack.

var (
	lsType     = reflect.TypeFor[lua.LState]()
	lsCurFrame = fieldIndex(lsType, "currentFrame")
	cfType     = frameType()
	cfParent   = fieldIndex(cfType, "Parent")
	cfFn       = fieldIndex(cfType, "Fn")
	cfPc       = fieldIndex(cfType, "Pc")
	// the fields' offsets: inNestedCall runs at every wait, where reading
	// them through reflect.Value cost ~600 instructions
	offCurFrame, offParent, offFn, offPc uintptr
	framesReadable                       = frameLayout()
)

func frameType() reflect.Type {
	if lsCurFrame < 0 {
		return nil
	}
	if t := lsType.Field(lsCurFrame).Type; t.Kind() == reflect.Pointer {
		return t.Elem()
	}
	return nil
}

// frameLayout records the offsets and reports whether the fields have the
// types inNestedCall reads them as.
func frameLayout() bool {
	if cfType == nil || cfParent < 0 || cfFn < 0 || cfPc < 0 {
		return false
	}
	cur, parent := lsType.Field(lsCurFrame), cfType.Field(cfParent)
	fn, pc := cfType.Field(cfFn), cfType.Field(cfPc)
	if parent.Type != cur.Type || fn.Type != reflect.TypeFor[*lua.LFunction]() || pc.Type.Kind() != reflect.Int {
		return false
	}
	offCurFrame, offParent, offFn, offPc = cur.Offset, parent.Offset, fn.Offset, pc.Offset
	return true
}

func fieldIndex(t reflect.Type, name string) int {
	if t == nil || t.Kind() != reflect.Struct {
		return -1
	}
	if f, ok := t.FieldByName(name); ok && len(f.Index) == 1 {
		return f.Index[0]
	}
	return -1
}

// field reads the pointer at offset off of the struct at p.
func field(p unsafe.Pointer, off uintptr) unsafe.Pointer {
	return *(*unsafe.Pointer)(unsafe.Add(p, off))
}

// inNestedCall reports whether the running Go function of L was entered
// from a VM loop nested in another one of the same coroutine (see above).
// With all set it also looks at the coroutines that resumed this one (a
// system yield travels through pcall and user coroutines up to the
// scheduler).
func inNestedCall(L *lua.LState, all bool) bool {
	if !framesReadable {
		return false
	}
	for th, n := L, 0; th != nil && n < 64; th, n = th.Parent, n+1 {
		for f := field(unsafe.Pointer(th), offCurFrame); f != nil; {
			parent := field(f, offParent)
			if parent == nil {
				break // the coroutine's first frame: entered by resume
			}
			pfn := (*lua.LFunction)(field(parent, offFn))
			if pfn == nil || pfn.IsG || pfn.Proto == nil {
				return true // a Go function called it
			}
			pc := *(*int)(unsafe.Add(parent, offPc))
			if pc <= 0 || pc > len(pfn.Proto.Code) {
				return true
			}
			if op := int(pfn.Proto.Code[pc-1] >> 26); op != lua.OP_CALL && op != lua.OP_TAILCALL {
				return true // a metamethod or an iterator
			}
			f = parent
		}
		if !all {
			break
		}
	}
	return false
}

// callerResults is how many results the Lua instruction that called the
// running Go function of L keeps (C-1 of its CALL), or -1 for all of them
// (or when the caller is not a Lua CALL). gopher-lua does not adjust the
// values a yielded coroutine is resumed with to that count: the scheduler
// must (sysYield).
func callerResults(L *lua.LState) int {
	if !framesReadable {
		return -1
	}
	f := field(unsafe.Pointer(L), offCurFrame)
	if f == nil {
		return -1
	}
	parent := field(f, offParent)
	if parent == nil {
		return -1
	}
	pfn := (*lua.LFunction)(field(parent, offFn))
	if pfn == nil || pfn.IsG || pfn.Proto == nil {
		return -1
	}
	pc := *(*int)(unsafe.Add(parent, offPc))
	if pc <= 0 || pc > len(pfn.Proto.Code) {
		return -1
	}
	inst := pfn.Proto.Code[pc-1]
	if int(inst>>26) != lua.OP_CALL {
		return -1 // a tail call runs as a call keeping all results (tailcall.go)
	}
	return int(inst>>9)&0x1ff - 1
}

// awaitHere runs op on the calling goroutine for a wait that cannot yield
// (inNestedCall) and returns its values, cut or padded to nret, as the
// results of the running Go function.
func (w *Worker) awaitHere(L *lua.LState, t *Task, nret int, op Op) int {
	cur, run := L.G.CurrentThread, w.runID.Swap(0)
	w.mu.Unlock()
	if r := t.R; r != nil {
		if d, ok := r.Out.(interface{ Drain() }); ok {
			d.Drain()
		}
	}
	res := op()
	w.mu.Lock()
	w.cur, L.G.CurrentThread = t, cur
	w.runID.Store(run)
	res = fit(res, nret)
	for _, v := range res {
		L.Push(v)
	}
	return len(res)
}
