package luavm

import (
	"fmt"
	"reflect"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// FreeThreads returns a copy of w's free list of coroutines (tests).
func (w *Worker) FreeThreads() []*lua.LState {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]*lua.LState(nil), w.free...)
}

// ThreadResidue lists what co keeps of its last run that a coroutine made
// by NewThread would not have: "" when it is as new. It reads gopher-lua's
// unexported fields (v1.1.2), as only a test may.
func (w *Worker) ThreadResidue(co *lua.LState) string {
	var out []string
	v := reflect.ValueOf(co).Elem()
	if !v.FieldByName("currentFrame").IsNil() {
		out = append(out, "a current frame")
	}
	if st := v.FieldByName("stack").Elem().Elem(); st.FieldByName("segIdx").Uint() != 0 || st.FieldByName("segSp").Uint() != 0 {
		out = append(out, "frames on the stack")
	}
	if !v.FieldByName("uvcache").IsNil() {
		out = append(out, "open upvalues")
	}
	reg := v.FieldByName("reg").Elem()
	if top := reg.FieldByName("top").Int(); top != 0 {
		out = append(out, fmt.Sprintf("stack top %d", top))
	}
	arr := reg.FieldByName("array")
	for i := 0; i < arr.Len(); i++ {
		if e := arr.Index(i); !e.IsNil() && e.Elem().Type() != reflect.TypeOf(lua.LNil) {
			out = append(out, fmt.Sprintf("a value in register %d", i))
			break
		}
	}
	if co.Dead || co.Parent != nil {
		out = append(out, "dead or parented")
	}
	if co.Env != w.L.Env {
		out = append(out, "another environment")
	}
	if v.FieldByName("wrapped").Bool() || v.FieldByName("hasErrorFunc").Bool() {
		out = append(out, "protected-call flags")
	}
	if !v.FieldByName("ctx").IsNil() {
		out = append(out, "a context left set")
	}
	return strings.Join(out, ", ")
}

// StaleStop does what the watchdog does when it stops a run that has just
// ended on its own: it closes the worker's kill channel after the run.
func (w *Worker) StaleStop() {
	close(*w.kill.Load())
	stopping.Add(1)
}

// Stopping is the count of stops not yet acted on.
func Stopping() int32 { return stopping.Load() }
