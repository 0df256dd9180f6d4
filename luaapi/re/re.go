package re

import (
	"errors"

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
func subjectArg(L *lua.LState, n int) string {
	switch v := L.Get(n).(type) {
	case lua.LString:
		return string(v)
	case lua.LNumber:
		return v.String()
	default:
		return L.ToStringMeta(v).String()
	}
}

// stringArg checks argument n is a string (opt: nil allowed) with
// lua-resty-core's error text for local name.
func stringArg(L *lua.LState, n int, name string, opt bool) string {
	v := L.Get(n)
	if s, ok := v.(lua.LString); ok {
		return string(s)
	}
	if opt && v == lua.LNil {
		return ""
	}
	L.RaiseError("attempt to get length of local '%s' (a %s value)", name, v.Type().String())
	return ""
}

// tableArg checks argument n is a table or nil.
func tableArg(L *lua.LState, n int, name string) *lua.LTable {
	switch v := L.Get(n).(type) {
	case *lua.LTable:
		return v
	case *lua.LNilType:
		return nil
	default:
		L.RaiseError("attempt to index local '%s' (a %s value)", name, v.Type().String())
		return nil
	}
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

// ctxStart reads ctx.pos (1-based) as a 0-based byte offset.
func ctxStart(ctx *lua.LTable) int {
	if ctx == nil {
		return 0
	}
	if p, ok := ctx.RawGetString("pos").(lua.LNumber); ok && p > 1 {
		return int(p) - 1
	}
	return 0
}

// capturesTable fills res (or a new table) with the captures of a match.
func capturesTable(L *lua.LState, re *ngxre.Regex, s string, caps []int, res *lua.LTable) *lua.LTable {
	if res == nil {
		res = L.CreateTable(re.NumCaptures(), len(re.Names())) // [0] goes to the number dict
	}
	group := func(i int) lua.LValue {
		if caps[2*i] < 0 {
			return lua.LFalse
		}
		return lua.LString(s[caps[2*i]:caps[2*i+1]])
	}
	for i := 0; i <= re.NumCaptures(); i++ {
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

// reMatch is ngx.re.match(subject, regex, options?, ctx?, res_table?).
func (a *api) reMatch(L *lua.LState) int {
	s := subjectArg(L, 1)
	regex := stringArg(L, 2, "regex", false)
	opts := stringArg(L, 3, "opts", true)
	ctx := tableArg(L, 4, "ctx")
	res := tableArg(L, 5, "res")
	re, msg := a.compile(L, regex, opts)
	if re == nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(msg))
		return 2
	}
	caps, err := re.Exec(s, ctxStart(ctx), a.caps)
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
	if ctx != nil {
		ctx.RawSetString("pos", lua.LNumber(caps[1]+1))
	}
	L.Push(capturesTable(L, re, s, caps, res))
	return 1
}

// reFind is ngx.re.find(subject, regex, options?, ctx?, nth?).
func (a *api) reFind(L *lua.LState) int {
	s := subjectArg(L, 1)
	regex := stringArg(L, 2, "regex", false)
	opts := stringArg(L, 3, "opts", true)
	ctx := tableArg(L, 4, "ctx")
	nth := 0
	if n, ok := L.Get(5).(lua.LNumber); ok {
		nth = int(n)
	}
	re, msg := a.compile(L, regex, opts)
	if re == nil {
		return pushErr3(L, msg)
	}
	if nth < 0 || nth > re.NumCaptures() {
		return pushErr3(L, "nth out of bound")
	}
	caps, err := re.Exec(s, ctxStart(ctx), nil)
	if err != nil {
		return pushErr3(L, err.Error())
	}
	if caps == nil {
		L.Push(lua.LNil)
		return 1
	}
	if ctx != nil {
		ctx.RawSetString("pos", lua.LNumber(caps[1]+1))
	}
	if caps[2*nth] < 0 {
		L.Push(lua.LNil)
		L.Push(lua.LNil)
		return 2
	}
	L.Push(lua.LNumber(caps[2*nth] + 1))
	L.Push(lua.LNumber(caps[2*nth+1]))
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
	regex := stringArg(L, 2, "regex", false)
	opts := stringArg(L, 3, "opts", true)
	re, msg := a.compile(L, regex, opts)
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
