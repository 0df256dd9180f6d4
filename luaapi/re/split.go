package re

import (
	"math"

	"github.com/goresty/goresty/luaapi/stdlib"
	"github.com/goresty/goresty/ngxre"
	lua "github.com/yuin/gopher-lua"
)

// reSplit is split(subject, regex, options?, ctx?, max?, res?) of the
// lua-resty-core module "ngx.re". It follows that module's algorithm step by
// step, quirks included: only the first capture group is inserted (the whole
// subject when group 1 did not take part but a later group did), once an
// empty match was seen each new field starts at the last empty match, ctx.pos
// is left at the 0-based offset where the search stopped, and a reused res
// table only gets res[n+1] = nil after its n fields.
func (a *api) reSplit(L *lua.LState) int {
	s := subjectArg(L, 1)
	ctx, badCtx := tableArg(L, 4)
	if badCtx != nil {
		indexError(L, "ctx", badCtx)
	}
	if ctx == nil {
		ctx = L.NewTable()
	}
	if pos := L.GetField(ctx, "pos"); pos == lua.LNil || pos == lua.LFalse {
		L.SetField(ctx, "pos", lua.LNumber(1))
	}
	var max float64
	switch v := L.Get(5).(type) {
	case lua.LNumber:
		max = float64(v)
	case *lua.LNilType:
	case lua.LBool:
		if v {
			L.RaiseError("attempt to compare number with boolean")
		}
	default:
		L.RaiseError("attempt to compare number with %s", v.Type().String())
	}
	var res *lua.LTable
	switch v := L.Get(6).(type) {
	case *lua.LTable:
		res = v
	case *lua.LNilType:
		res = L.NewTable()
	case lua.LBool:
		if v {
			L.RaiseError("res is not a table")
		}
		res = L.NewTable()
	default:
		L.RaiseError("res is not a table")
	}
	var start float64
	switch v := L.GetField(ctx, "pos").(type) {
	case lua.LNumber:
		start = float64(v)
	default:
		L.RaiseError("attempt to compare number with %s", v.Type().String())
	}
	if start > float64(len(s)) {
		res.RawSetInt(1, lua.LNil)
		L.Push(res)
		return 1
	}
	re, msg := a.compileArgs(L, 2, 3)
	if re == nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(msg))
		return 2
	}
	sp := splitter{L: L, re: re, s: s, res: res, ctx: ctx, subIdx: int(start), lastEmpty: -1}
	L.SetField(ctx, "pos", lua.LNumber(start-1))
	if err := sp.run(max); err != "" {
		L.Push(lua.LNil)
		L.Push(lua.LString(err))
		return 2
	}
	L.Push(res)
	return 1
}

// splitter is one run of reSplit; indexes are 1-based as in Lua.
type splitter struct {
	L         *lua.LState
	re        *ngxre.Regex
	s         string
	res, ctx  *lua.LTable
	subIdx    int // where the next field starts
	resIdx    int // fields stored so far
	lastEmpty int // start of the last empty match, -1 before one
	caps      []int
}

// run fills res, then drops trailing empty fields (max <= 0) or appends the
// rest of the subject; it returns an error text when a match failed.
func (sp *splitter) run(max float64) string {
	n := len(sp.s)
	for count := 1; max <= 0 || float64(count) < max; {
		from, to, capture, found, err := sp.next()
		if err != "" {
			return err
		}
		if !found {
			break
		}
		if sp.lastEmpty >= 0 {
			sp.subIdx = sp.lastEmpty
		}
		if from == to {
			sp.lastEmpty = from
		}
		if from > sp.subIdx || sp.lastEmpty < 0 {
			count++
			sp.store(lua.LString(luaSub(sp.s, sp.subIdx, from-1)))
			if capture != nil {
				sp.store(capture)
			}
			sp.subIdx = to
			if sp.subIdx > n {
				break
			}
		}
	}
	if max <= 0 && sp.subIdx > n {
		for i := sp.resIdx; i >= 1; i-- {
			if sp.res.RawGetInt(i) != lua.LString("") {
				sp.resIdx = i
				break
			}
			sp.res.RawSetInt(i, lua.LNil)
		}
	} else {
		sp.store(lua.LString(luaSub(sp.s, sp.subIdx, n)))
	}
	sp.res.RawSetInt(sp.resIdx+1, lua.LNil)
	return ""
}

func (sp *splitter) store(v lua.LValue) {
	sp.resIdx++
	sp.res.RawSetInt(sp.resIdx, v)
}

// next runs the regex from ctx.pos (a 0-based offset) and moves ctx.pos past
// the match (one further after an empty match). from and to are the 1-based
// start and end+1 of the match; capture is the first sub-match or nil.
func (sp *splitter) next() (from, to int, capture lua.LValue, found bool, err string) {
	pos := 0.0
	if p, ok := sp.L.GetField(sp.ctx, "pos").(lua.LNumber); ok {
		pos = math.Max(float64(p), 0)
	}
	if pos > float64(len(sp.s)) {
		return 0, 0, nil, false, errBadOffset
	}
	caps, e := sp.re.Exec(sp.s, int(pos), sp.caps)
	if e != nil {
		return 0, 0, nil, false, e.Error()
	}
	if caps == nil {
		return 0, 0, nil, false, ""
	}
	sp.caps = caps
	next := caps[1]
	if caps[0] == caps[1] {
		next++
	}
	sp.L.SetField(sp.ctx, "pos", lua.LNumber(next))
	if sp.re.NumCaptures() > 0 {
		for i := len(caps)/2 - 1; i > 0; i-- {
			if caps[2*i] >= 0 { // PCRE's rc > 1: some group took part
				capture = lua.LString(luaSub(sp.s, caps[2]+1, caps[3]))
				break
			}
		}
	}
	return caps[0] + 1, caps[1] + 1, capture, true, ""
}

// luaSub is Lua's string.sub(s, i, j).
func luaSub(s string, i, j int) string { return stdlib.Sub(s, int64(i), int64(j)) }
