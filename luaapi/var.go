package luaapi

import (
	"strings"

	"github.com/goresty/goresty/luaapi/stdlib"
	"github.com/goresty/goresty/phases"
	lua "github.com/yuin/gopher-lua"
)

func init() { register(openVar) }

// varCache keeps the variables ngx.var has resolved, by name, for one
// worker: Lookup makes a new *phases.Var for the prefixed families on
// every call, and ngx.var is a hot path. It is reset when a request of
// another configuration (a reload) comes to the worker.
type varCache struct {
	vars  *phases.VarTable
	byKey map[string]*phases.Var
}

func (c *varCache) lookup(t *phases.VarTable, name string) *phases.Var {
	if c.vars != t {
		c.vars = t
		c.byKey = make(map[string]*phases.Var, 64)
	}
	if v, ok := c.byKey[name]; ok {
		return v
	}
	v := t.Lookup(name)
	if v != nil && len(c.byKey) < 4096 {
		c.byKey[name] = v
	}
	return v
}

func openVar(a *api) {
	L := a.L
	cache := &varCache{}
	t := L.NewTable()
	mt := L.NewTable()
	mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int { return a.varGet(L, cache) }))
	mt.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int { return a.varSet(L, cache) }))
	t.Metatable = mt
	a.ngx.RawSetString("var", t)
}

// varReq returns the running request for ngx.var, raising OpenResty's
// error outside requests (timers, init).
func (a *api) varReq(L *lua.LState) *phases.Request {
	if t := a.w.Current(); t != nil && t.R != nil {
		return t.R
	}
	if a.phase() == phases.Init {
		L.RaiseError("no request found")
	}
	L.RaiseError("API disabled in the current context")
	return nil
}

// varGet is ngx.var's __index: a variable's value, nil when not found.
func (a *api) varGet(L *lua.LState, cache *varCache) int {
	r := a.varReq(L)
	switch k := L.Get(2).(type) {
	case lua.LNumber:
		n := int(k)
		if n > 0 && n < len(r.Captures) && float64(n) == float64(k) {
			L.Push(lua.LString(r.Captures[n]))
		} else {
			L.Push(lua.LNil)
		}
		return 1
	case lua.LString:
		name := string(k)
		if name != "" && name[0] >= '0' && name[0] <= '9' {
			// ngx.var["1"] names no variable: captures are ngx.var[1]
			L.Push(lua.LNil)
			return 1
		}
		v := cache.lookup(r.Vars, name)
		if v == nil {
			if s, ok := r.NamedCaps[name]; ok {
				L.Push(lua.LString(s))
				return 1
			}
			L.Push(lua.LNil)
			return 1
		}
		s, ok := v.Get(r)
		if !ok {
			if v.User >= 0 && v.User < len(r.UserVars) && r.UserVars[v.User] != unsetByLua && r.Srv != nil {
				// a "set" variable this request never set: nginx's
				// rewrite module warns and gives "", which is then the
				// variable's value (a second read does not warn)
				r.Srv.Uninitialized(r, name)
				r.SetUserVar(v.User, "")
				L.Push(lua.LString(""))
				return 1
			}
			L.Push(lua.LNil)
			return 1
		}
		L.Push(lua.LString(s))
		return 1
	}
	L.RaiseError("bad variable name")
	return 0
}

// unsetByLua marks, in Request.UserVars, a user variable that Lua set to
// nil: nginx then has it "not found" (ngx.var gives nil, without the
// warning a never-set variable gets).
const unsetByLua = "\x00unset"

// notChangeable are built-ins that have a setter in the variable table but
// that nginx refuses to change from Lua.
var notChangeable = map[string]bool{"query_string": true}

// varSet is ngx.var's __newindex: writes user variables and writable built-ins.
func (a *api) varSet(L *lua.LState, cache *varCache) int {
	r := a.varReq(L)
	k, ok := L.Get(2).(lua.LString)
	if !ok {
		L.RaiseError("bad variable name")
	}
	name := strings.ToLower(string(k))
	val, isNil := varValue(L, L.Get(3))
	v := cache.lookup(r.Vars, name)
	switch {
	case v == nil:
	case v.User >= 0 && v.User < len(r.UserVars):
		if isNil {
			r.UserVars[v.User], r.UserSet[v.User] = unsetByLua, false
		} else {
			r.SetUserVar(v.User, val)
		}
		return 0
	case v.Set != nil && !notChangeable[name]:
		v.Set(r, val)
		return 0
	case !isPrefixVar(name):
		L.RaiseError("variable \"%s\" not changeable", name)
	}
	L.RaiseError("variable \"%s\" not found for writing; maybe it is a built-in variable that is not changeable "+
		"or you forgot to use \"set $%s '';\" in the config file to define it first", name, name)
	return 0
}

// isPrefixVar reports whether name belongs to a family of variables made
// on demand ($http_*, $arg_*...): nginx has no entry to write for them.
func isPrefixVar(name string) bool {
	for _, p := range []string{"http_", "sent_http_", "arg_", "cookie_", "upstream_http_"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// varValue converts a value assigned to ngx.var as lua-resty-core does.
func varValue(L *lua.LState, v lua.LValue) (string, bool) {
	switch x := v.(type) {
	case *lua.LNilType:
		return "", true
	case lua.LString:
		return string(x), false
	case lua.LNumber:
		return stdlib.FormatNumber(float64(x)), false
	}
	return L.ToStringMeta(v).String(), false
}
