package re

import (
	"errors"
	"math"

	"github.com/goresty/goresty/internal/luavm/glstate"
	"github.com/goresty/goresty/luaapi/stdlib"
	"github.com/goresty/goresty/ngxre"
	lua "github.com/yuin/gopher-lua"
)

// Config holds the regex directives of nginx.conf.
type Config struct {
	// CacheMaxEntries is lua_regex_cache_max_entries: how many regexes
	// compiled with the "o" option are kept. 0 disables the cache.
	CacheMaxEntries int
	// MatchLimit is lua_regex_match_limit; 0 means PCRE's default. See
	// ngxre.StepCost for how it becomes a time budget.
	MatchLimit int
	// LogError receives error-log messages (bad replacement templates);
	// nil drops them.
	LogError func(msg string)
}

// DefaultConfig returns nginx's defaults: a cache of 1024 regexes and
// PCRE's default match limit.
func DefaultConfig() Config {
	return Config{CacheMaxEntries: ngxre.DefaultCacheMaxEntries}
}

// api is one VM's ngx.re state (OpenResty keeps one regex cache per worker).
type api struct {
	cache *ngxre.Cache
	cfg   Config
	caps  []int // offsets buffer reused by match (captures are copied out)
}

// Register sets ngx.re.{match,find,gmatch,sub,gsub} on the ngx table and
// preloads the "ngx.re" module (split, opt) in L.
func Register(L *lua.LState, ngx *lua.LTable, cfg Config) {
	a := &api{cache: ngxre.NewCache(cfg.CacheMaxEntries, cfg.MatchLimit), cfg: cfg}
	t := L.NewTable()
	for name, fn := range map[string]lua.LGFunction{
		"match": a.reMatch, "find": a.reFind, "gmatch": a.reGmatch, "sub": a.reSub, "gsub": a.reGsub,
	} {
		t.RawSetString(name, L.NewFunction(fn))
	}
	ngx.RawSetString("re", t)
	L.PreloadModule("ngx.re", func(L *lua.LState) int {
		m := L.NewTable()
		m.RawSetString("split", L.NewFunction(a.reSplit))
		m.RawSetString("opt", L.NewFunction(reOpt))
		L.Push(m)
		return 1
	})
}

// subjectArg converts argument n with tostring, as lua-resty-core does.
func subjectArg(L *lua.LState, n int) string { return stdlib.ToString(L, L.Get(n)) }

// regexArg checks argument n is a regex string with lua-resty-core's
// error texts (numbers are refused too: their length is taken).
func regexArg(L *lua.LState, n int) string {
	switch v := L.Get(n).(type) {
	case lua.LString:
		return string(v)
	case *lua.LTable:
		L.RaiseError("bad argument #1 to 'ngx_lua_ffi_compile_regex' (cannot convert 'table' to 'const unsigned char *')")
	default:
		L.RaiseError("attempt to get length of local 'regex' (a %s value)", v.Type().String())
	}
	return ""
}

// optsArg reads the options argument n as lua-resty-core does: nil and false
// mean none, a table its (raw) length in bytes, so an empty table is none.
func optsArg(L *lua.LState, n int) string {
	switch v := L.Get(n).(type) {
	case lua.LString:
		return string(v)
	case *lua.LNilType:
		return ""
	case lua.LBool:
		if !v {
			return ""
		}
	case *lua.LTable:
		if v.Len() == 0 {
			return ""
		}
		L.RaiseError("bad argument #1 to 'byte' (string expected, got table)")
	}
	L.RaiseError("attempt to get length of local 'opts' (a %s value)", L.Get(n).Type().String())
	return ""
}

// tableArg reads argument n, a table or nothing (nil, false). Other values
// are returned as a non-nil bad value: lua-resty-core only fails when it
// indexes them, see indexError.
func tableArg(L *lua.LState, n int) (*lua.LTable, lua.LValue) {
	switch v := L.Get(n).(type) {
	case *lua.LTable:
		return v, nil
	case *lua.LNilType:
		return nil, nil
	case lua.LBool:
		if !v {
			return nil, nil
		}
		return nil, v
	default:
		return nil, v
	}
}

// indexError raises LuaJIT's error for indexing local name holding v.
func indexError(L *lua.LState, name string, v lua.LValue) {
	L.RaiseError("attempt to index local '%s' (a %s value)", name, v.Type().String())
}

// compile compiles regex with opts; an unknown option letter is raised,
// other errors are returned as their OpenResty text.
func (a *api) compile(L *lua.LState, regex, opts string) (*ngxre.Regex, string) {
	re, err := a.cache.Compile(regex, opts)
	if err != nil {
		var oe *ngxre.OptionError
		if errors.As(err, &oe) {
			L.RaiseError("%s", oe.Error())
		}
		return nil, err.Error()
	}
	return re, ""
}

// compileArgs reads the regex (argument n) and options (argument n+o) and
// compiles them, checking the options first as lua-resty-core does.
func (a *api) compileArgs(L *lua.LState, n, o int) (*ngxre.Regex, string) {
	opts := optsArg(L, o)
	return a.compile(L, regexArg(L, n), opts)
}

// errBadOffset is what PCRE returns for a start offset outside the subject.
const errBadOffset = "pcre_exec() failed: -24"

// ctxStart reads ctx.pos (1-based) as lua-resty-core does: nil, false or
// <= 0 start at 0, else pos-1 is truncated to a C int; ok false means that
// offset is outside the subject (PCRE's bad offset error). A ctx that is not
// a table reads as having no pos (a string indexes the string library).
func ctxStart(L *lua.LState, ctx *lua.LTable, bad lua.LValue, subjLen int) (int, bool) {
	if ctx == nil {
		if bad != nil {
			if _, ok := bad.(lua.LString); !ok {
				indexError(L, "ctx", bad)
			}
		}
		return 0, true
	}
	var p float64
	switch v := L.GetField(ctx, "pos").(type) {
	case *lua.LNilType:
		return 0, true
	case lua.LBool:
		if !v {
			return 0, true
		}
		L.RaiseError("attempt to compare boolean with number")
	case lua.LNumber:
		p = float64(v)
	default:
		L.RaiseError("attempt to compare %s with number", v.Type().String())
	}
	if p <= 0 {
		return 0, true
	}
	off := math.Trunc(p - 1) // LuaJIT's interpreter and JIT disagree for 0 < pos < 1
	if !(off <= float64(subjLen)) {
		return 0, false
	}
	return int(off), true
}

// smallCaptures bounds the captures (and [0]) of a match whose table is
// made in one block.
const smallCaptures = 4

type smallCapturesBlock struct {
	t    lua.LTable
	arr  [smallCaptures - 1]lua.LValue
	key  [1]lua.LValue
	strs [smallCaptures]string
}

// capturesTable fills res (or a new table) with the captures of a match.
func capturesTable(L *lua.LState, re *ngxre.Regex, s string, caps []int, res *lua.LTable) *lua.LTable {
	var strs []string // the captures' string headers, side by side
	var blk *smallCapturesBlock
	if res == nil && re.NumCaptures() < smallCaptures && len(re.Names()) == 0 {
		// the table, its array part, the key list of its hash part (for
		// [0]) and the string headers: one allocation
		blk = new(smallCapturesBlock)
		strs = blk.strs[:re.NumCaptures()+1]
	}
	if strs == nil {
		strs = make([]string, re.NumCaptures()+1)
	}
	group := func(i int) lua.LValue {
		if caps[2*i] < 0 {
			return lua.LFalse
		}
		if strs[i] == "" && caps[2*i] != caps[2*i+1] {
			strs[i] = s[caps[2*i]:caps[2*i+1]]
		}
		if strs[i] == "" {
			return lua.LString("")
		}
		return stdlib.StringValueAt(&strs[i])
	}
	first := 0
	if blk != nil && glstate.PrepareTable(&blk.t, blk.arr[:re.NumCaptures()], blk.key[:], group(0)) {
		res, first = &blk.t, 1
	} else if res == nil {
		res = L.CreateTable(re.NumCaptures(), len(re.Names())) // [0] goes to the number dict
	}
	for i := first; i <= re.NumCaptures(); i++ {
		res.RawSetInt(i, group(i))
	}
	dup := re.Options().DupNames
	for _, name := range re.Names() {
		groups := re.NameGroups(name)
		if !dup {
			res.RawSetString(name, group(groups[0]))
			continue
		}
		var list *lua.LTable
		for _, g := range groups {
			if caps[2*g] >= 0 {
				if list == nil {
					list = L.CreateTable(len(groups), 0)
				}
				list.Append(group(g))
			}
		}
		if list != nil {
			res.RawSetString(name, list)
		} else {
			res.RawSetString(name, lua.LNil)
		}
	}
	return res
}

// setCtxPos stores the 1-based position after a match in ctx.pos.
func setCtxPos(L *lua.LState, ctx *lua.LTable, bad lua.LValue, end int) {
	if ctx != nil {
		L.SetField(ctx, "pos", lua.LNumber(end+1))
	} else if bad != nil {
		indexError(L, "ctx", bad)
	}
}

// reMatch is ngx.re.match(subject, regex, options?, ctx?, res_table?).
func (a *api) reMatch(L *lua.LState) int {
	s := subjectArg(L, 1)
	re, msg := a.compileArgs(L, 2, 3)
	if re == nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(msg))
		return 2
	}
	ctx, badCtx := tableArg(L, 4)
	start, ok := ctxStart(L, ctx, badCtx, len(s))
	if !ok {
		L.Push(lua.LNil)
		L.Push(lua.LString(errBadOffset))
		return 2
	}
	caps, err := re.Exec(s, start, a.caps)
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	if caps != nil {
		a.caps = caps // one VM, one goroutine: reuse the offsets buffer
	}
	if caps == nil {
		L.Push(lua.LNil)
		return 1
	}
	setCtxPos(L, ctx, badCtx, caps[1])
	res, badRes := tableArg(L, 5)
	if badRes != nil {
		indexError(L, "res", badRes)
	}
	L.Push(capturesTable(L, re, s, caps, res))
	return 1
}

// reFind is ngx.re.find(subject, regex, options?, ctx?, nth?).
func (a *api) reFind(L *lua.LState) int {
	s := subjectArg(L, 1)
	re, msg := a.compileArgs(L, 2, 3)
	if re == nil {
		return pushErr3(L, msg)
	}
	ctx, badCtx := tableArg(L, 4)
	start, ok := ctxStart(L, ctx, badCtx, len(s))
	if !ok {
		return pushErr3(L, errBadOffset)
	}
	caps, err := re.Exec(s, start, nil)
	if err != nil {
		return pushErr3(L, err.Error())
	}
	if caps == nil {
		L.Push(lua.LNil)
		return 1
	}
	setCtxPos(L, ctx, badCtx, caps[1])
	return findResult(L, re, caps)
}

// findResult pushes the span of capture nth (argument 5) of a match as
// lua-resty-core does: nil, false or a negative nth is 0, and a fractional
// nth indexes the offsets vector at 2*nth and 2*nth+1, truncated.
func findResult(L *lua.LState, re *ngxre.Regex, caps []int) int {
	var nth float64
	switch v := L.Get(5).(type) {
	case lua.LNumber:
		nth = float64(v)
	case *lua.LNilType:
	case lua.LBool:
		if v {
			L.RaiseError("attempt to compare boolean with number")
		}
	default:
		L.RaiseError("attempt to compare %s with number", v.Type().String())
	}
	if !(nth >= 0) {
		nth = 0
	}
	if nth > float64(re.NumCaptures()) {
		return pushErr3(L, "nth out of bound")
	}
	rc := 1 // PCRE's count: the highest group that took part, plus one
	for i := len(caps)/2 - 1; i > 0; i-- {
		if caps[2*i] >= 0 {
			rc = i + 1
			break
		}
	}
	if nth >= float64(rc) {
		L.Push(lua.LNil)
		L.Push(lua.LNil)
		return 2
	}
	from, to := caps[int(2*nth)]+1, caps[int(2*nth+1)]
	if from < 0 || to < 0 {
		L.Push(lua.LNil)
		L.Push(lua.LNil)
		return 2
	}
	L.Push(lua.LNumber(from))
	L.Push(lua.LNumber(to))
	return 2
}

// pushErr3 returns nil, nil, msg.
func pushErr3(L *lua.LState, msg string) int {
	L.Push(lua.LNil)
	L.Push(lua.LNil)
	L.Push(lua.LString(msg))
	return 3
}

// reGmatch is ngx.re.gmatch(subject, regex, options?): an iterator.
func (a *api) reGmatch(L *lua.LState) int {
	s := subjectArg(L, 1)
	re, msg := a.compileArgs(L, 2, 3)
	if re == nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(msg))
		return 2
	}
	pos, done := 0, false
	L.Push(L.NewFunction(func(L *lua.LState) int {
		if done {
			L.Push(lua.LNil)
			return 1
		}
		caps, err := re.Exec(s, pos, nil)
		if err != nil || caps == nil {
			done = true
			L.Push(lua.LNil)
			if err != nil {
				L.Push(lua.LString(err.Error()))
				return 2
			}
			return 1
		}
		pos = caps[1]
		if caps[0] == caps[1] {
			pos++
		}
		done = pos > len(s)
		L.Push(capturesTable(L, re, s, caps, nil))
		return 1
	}))
	return 1
}

// reOpt is ngx.re.opt(name, value) of lua-resty-core.
func reOpt(L *lua.LState) int {
	name := L.CheckString(1)
	if name != "jit_stack_size" {
		L.RaiseError("unrecognized option name")
	}
	L.RaiseError("ngx.re.opt(\"jit_stack_size\") is not supported by goresty")
	return 0
}
