package re

import (
	"strconv"
	"strings"

	"github.com/goresty/goresty/luaapi/stdlib"
	"github.com/goresty/goresty/ngxre"

	lua "github.com/yuin/gopher-lua"
)

// tmplPart is a literal (group < 0) or a $N reference of a template.
type tmplPart struct {
	lit   string
	group int
}

const errTemplate = "failed to compile the replacement template"

// compileTemplate parses a replacement template: $N, ${N}, $$. It returns
// the error-log message of OpenResty for a bad template.
func compileTemplate(t string) ([]tmplPart, string) {
	var parts []tmplPart
	var lit strings.Builder
	for i := 0; i < len(t); i++ {
		if t[i] != '$' {
			lit.WriteByte(t[i])
			continue
		}
		i++
		if i < len(t) && t[i] == '$' {
			lit.WriteByte('$')
			continue
		}
		braced := i < len(t) && t[i] == '{'
		if braced {
			i++
		}
		j := i
		for j < len(t) && isNameByte(t[j]) {
			j++
		}
		name := t[i:j]
		switch {
		case name == "" && braced && j < len(t) && t[j] != '}':
			return nil, `the closing bracket in "" variable is missing`
		case name == "":
			return nil, `lua script: invalid capturing variable name found in "` + t + `"`
		case name[0] < '0' || name[0] > '9':
			return nil, `attempt to use named capturing variable "` + name + `" (named captures not supported yet)`
		}
		k := 0
		for k < len(name) && name[k] >= '0' && name[k] <= '9' {
			k++
		}
		if !braced {
			j = i + k // $1a is group 1 then "a"
		} else if j >= len(t) || t[j] != '}' || k != len(name) {
			return nil, `the closing bracket in "` + name[:k] + `" variable is missing`
		}
		n, err := strconv.Atoi(t[i : i+k])
		if err != nil {
			n = 1 << 30
		}
		if lit.Len() > 0 {
			parts = append(parts, tmplPart{lit: lit.String(), group: -1})
			lit.Reset()
		}
		parts = append(parts, tmplPart{group: n})
		i = j
		if !braced {
			i--
		}
	}
	if lit.Len() > 0 {
		parts = append(parts, tmplPart{lit: lit.String(), group: -1})
	}
	return parts, ""
}

func isNameByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// expand appends the template applied to a match.
func expand(b *strings.Builder, parts []tmplPart, s string, caps []int) {
	for _, p := range parts {
		switch {
		case p.group < 0:
			b.WriteString(p.lit)
		case 2*p.group+1 < len(caps) && caps[2*p.group] >= 0:
			b.WriteString(s[caps[2*p.group]:caps[2*p.group+1]])
		}
	}
}

// reSub is ngx.re.sub(subject, regex, replace, options?).
func (a *api) reSub(L *lua.LState) int { return a.substitute(L, false) }

// reGsub is ngx.re.gsub(subject, regex, replace, options?).
func (a *api) reGsub(L *lua.LState) int { return a.substitute(L, true) }

func (a *api) substitute(L *lua.LState, global bool) int {
	repl := L.Get(3)
	fn, _ := repl.(*lua.LFunction)
	var tmpl string
	if fn == nil {
		tmpl = stdlib.ToString(L, repl)
	}
	re, msg := a.compileArgs(L, 2, 4)
	if re == nil {
		return pushErr3(L, msg)
	}
	var parts []tmplPart
	if fn == nil {
		var logMsg string
		if parts, logMsg = compileTemplate(tmpl); logMsg != "" {
			if a.cfg.LogError != nil {
				a.cfg.LogError(logMsg)
			}
			return pushErr3(L, errTemplate)
		}
	}
	s := subjectArg(L, 1)
	var b strings.Builder
	pos, last, count := 0, 0, 0
	var caps []int
	for pos <= len(s) {
		var err error
		caps, err = re.Exec(s, pos, caps)
		if err != nil {
			return pushErr3(L, err.Error())
		}
		if caps == nil {
			break
		}
		b.WriteString(s[last:caps[0]])
		if fn != nil {
			b.WriteString(callReplace(L, fn, re, s, caps))
		} else {
			expand(&b, parts, s, caps)
		}
		count++
		last, pos = caps[1], caps[1]
		if !global {
			break
		}
		if caps[0] == caps[1] {
			if caps[1] >= len(s) {
				break
			}
			b.WriteByte(s[caps[1]])
			last, pos = caps[1]+1, caps[1]+1
		}
	}
	if count == 0 {
		L.Push(lua.LString(s))
	} else {
		b.WriteString(s[last:])
		L.Push(lua.LString(b.String()))
	}
	L.Push(lua.LNumber(count))
	return 2
}

// callReplace calls a replacement function with the captures table and
// converts its result with tostring; no result at all is tostring's error.
func callReplace(L *lua.LState, fn *lua.LFunction, re *ngxre.Regex, s string, caps []int) string {
	top := L.GetTop()
	L.Push(fn)
	L.Push(capturesTable(L, re, s, caps, nil))
	L.Call(1, lua.MultRet)
	if L.GetTop() == top {
		L.RaiseError("bad argument #1 to 'tostring' (value expected)")
	}
	v := L.Get(top + 1)
	L.SetTop(top)
	return stdlib.ToString(L, v)
}
