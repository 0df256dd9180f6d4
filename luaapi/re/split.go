package re

import (
	lua "github.com/yuin/gopher-lua"
)

// reSplit is split(subject, regex, options?, ctx?, max?, res?) of the
// lua-resty-core module "ngx.re".
func (a *api) reSplit(L *lua.LState) int {
	s := subjectArg(L, 1)
	regex := stringArg(L, 2, "regex", false)
	opts := stringArg(L, 3, "opts", true)
	ctx := tableArg(L, 4, "ctx")
	max := 0
	switch v := L.Get(5).(type) {
	case lua.LNumber:
		max = int(v)
	case *lua.LNilType:
	default:
		L.RaiseError("attempt to compare number with %s", v.Type().String())
	}
	var res *lua.LTable
	switch v := L.Get(6).(type) {
	case *lua.LTable:
		res = v
	case *lua.LNilType:
	default:
		L.RaiseError("res is not a table")
	}
	re, msg := a.compile(L, regex, opts)
	if re == nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(msg))
		return 2
	}
	start := ctxStart(ctx)
	if start > len(s) {
		start = len(s)
	}
	fields, err := splitFields(s, start, max, func(pos int) ([]int, error) { return re.Exec(s, pos, nil) })
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	old := 0
	if res == nil {
		res = L.CreateTable(len(fields), 0)
	} else {
		old = res.Len()
	}
	for i, f := range fields {
		res.RawSetInt(i+1, lua.LString(f))
	}
	for i := len(fields) + 1; i <= old; i++ {
		res.RawSetInt(i, lua.LNil)
	}
	L.Push(res)
	return 1
}

// splitFields splits s from start on the matches exec finds, Perl style:
// captured groups that matched are inserted after each field, an empty match
// at the start of a field does not split, at most max fields when max > 0
// (else trailing empty fields are dropped).
func splitFields(s string, start, max int, exec func(int) ([]int, error)) ([]string, error) {
	var out []string
	cur, pos, nfields := start, start, 0
	for (max <= 0 || nfields < max-1) && pos <= len(s) {
		caps, err := exec(pos)
		if err != nil {
			return nil, err
		}
		if caps == nil {
			break
		}
		if caps[0] == caps[1] && caps[0] == cur {
			pos = caps[0] + 1
			continue
		}
		if caps[0] == caps[1] && caps[0] >= len(s) {
			break
		}
		out = append(out, s[cur:caps[0]])
		nfields++
		for i := 2; i < len(caps); i += 2 {
			if caps[i] >= 0 {
				out = append(out, s[caps[i]:caps[i+1]])
			}
		}
		cur, pos = caps[1], caps[1]
	}
	out = append(out, s[cur:])
	if max <= 0 {
		for len(out) > 0 && out[len(out)-1] == "" {
			out = out[:len(out)-1]
		}
	}
	return out, nil
}
