package config

import (
	"regexp"
	"strings"

	"github.com/goresty/goresty/internal/nginxconf"
	"github.com/goresty/goresty/phases"
)

// The map directive (nginx's ngx_http_map_module): a variable whose value
// is chosen by matching a source value against the map's entries, when
// the variable is read.
//
//	map $http_upgrade $connection_upgrade { default upgrade; '' close; }
//
// As in nginx: exact keys match without regard to case; with hostnames,
// "*.example.com" / ".example.com" / "www.*" masks (longest prefix mask,
// then longest suffix mask) and a trailing dot of the source is ignored;
// then regexes ("~", "~*") in order of appearance, whose captures the
// value (and the rest of the request, as $1...) can use; then default.
// Values are complex values.

func init() {
	Register(&Spec{Name: "map", Ctx: CtxHTTP, Args: Take2, Block: true, Set: setMap})
}

type mapRegex struct {
	re  *regexp.Regexp
	val *phases.Value
}

type mapDef struct {
	src       *phases.Value
	exact     map[string]*phases.Value
	head      map[string]*phases.Value // "*.example.com" and ".example.com", by "example.com"
	tail      map[string]*phases.Value // "www.*", by "www"
	regexes   []mapRegex
	def       *phases.Value
	hostnames bool
}

// declareMapVars declares every map's variable before values are
// compiled, as nginx does (a map may be used above its definition).
func declareMapVars(t *phases.VarTable, ds []*nginxconf.Directive) {
	for _, d := range ds {
		if d.Name == "map" && len(d.Args) == 2 && strings.HasPrefix(d.Args[1], "$") {
			t.DeclareComputed(d.Args[1][1:])
		}
		if d.Block != nil && d.Name != "map" {
			declareMapVars(t, d.Block)
		}
	}
}

func setMap(c *Ctx, d *nginxconf.Directive) error {
	name := d.Args[1]
	if !strings.HasPrefix(name, "$") || len(name) < 2 {
		return Errorf(d, `invalid variable name "%s"`, name)
	}
	m := &mapDef{exact: map[string]*phases.Value{}}
	defSeen := false
	for _, e := range d.Block {
		key := e.Name
		if len(e.Args) == 0 {
			switch key {
			case "hostnames":
				m.hostnames = true
				continue
			case "volatile":
				continue // goresty caches no map value anyway
			}
		}
		if len(e.Args) != 1 {
			return Errorf(e, "invalid number of the map parameters")
		}
		var re *regexp.Regexp
		var err error
		if strings.HasPrefix(key, "~") {
			// first: its named captures may be in the value
			pat, caseless := key[1:], false
			if strings.HasPrefix(pat, "*") {
				pat, caseless = pat[1:], true
			}
			if re, err = c.Regex(e, pat, caseless); err != nil {
				return err
			}
		}
		val, err := c.Compile(e, e.Args[0])
		if err != nil {
			return err
		}
		switch {
		case re != nil:
			m.regexes = append(m.regexes, mapRegex{re, val})
		case key == "default":
			if defSeen {
				return Errorf(e, "duplicate default map parameter")
			}
			m.def, defSeen = val, true
		default:
			if strings.HasPrefix(key, `\`) {
				key = key[1:] // "\~x", "\default": the text itself
			}
			if err := m.add(e, key, val); err != nil {
				return err
			}
		}
	}
	// the source last: nginx finds unknown variables after the entries' errors
	src, err := c.Compile(d, d.Args[0])
	if err != nil {
		return err
	}
	m.src = src
	v := c.Plan.Vars.DeclareComputed(name[1:])
	v.SetGetter(m.get)
	return nil
}

func (m *mapDef) add(e *nginxconf.Directive, key string, val *phases.Value) error {
	key = strings.ToLower(key)
	table, k := m.exact, key
	if m.hostnames {
		switch {
		case strings.HasPrefix(key, "*."):
			if strings.Contains(key[2:], "*") {
				return Errorf(e, `invalid hostname or wildcard "%s"`, e.Name)
			}
			table, k = m.tableHead(), key[2:]
		case strings.HasPrefix(key, "."):
			// ".example.com" is both "example.com" and "*.example.com"
			if _, dup := m.exact[key[1:]]; !dup {
				m.exact[key[1:]] = val
			}
			table, k = m.tableHead(), key[1:]
		case strings.HasSuffix(key, ".*"):
			if strings.Contains(key[:len(key)-2], "*") {
				return Errorf(e, `invalid hostname or wildcard "%s"`, e.Name)
			}
			table, k = m.tableTail(), key[:len(key)-2]
		case strings.Contains(key, "*"):
			return Errorf(e, `invalid hostname or wildcard "%s"`, e.Name)
		}
	}
	if _, dup := table[k]; dup {
		return Errorf(e, `conflicting parameter "%s"`, e.Name)
	}
	table[k] = val
	return nil
}

func (m *mapDef) tableHead() map[string]*phases.Value {
	if m.head == nil {
		m.head = map[string]*phases.Value{}
	}
	return m.head
}

func (m *mapDef) tableTail() map[string]*phases.Value {
	if m.tail == nil {
		m.tail = map[string]*phases.Value{}
	}
	return m.tail
}

// get is the map variable's value for r.
func (m *mapDef) get(r *phases.Request) (string, bool) {
	s := m.src.Eval(r)
	if m.hostnames {
		s = strings.TrimSuffix(s, ".")
	}
	if s != "" || len(m.exact) > 0 {
		low := strings.ToLower(s)
		if v, ok := m.exact[low]; ok {
			return v.Eval(r), true
		}
		if m.head != nil {
			// the longest "*.suffix" first
			for rest := low; ; {
				i := strings.IndexByte(rest, '.')
				if i < 0 {
					break
				}
				rest = rest[i+1:]
				if v, ok := m.head[rest]; ok {
					return v.Eval(r), true
				}
			}
		}
		if m.tail != nil {
			for pre := low; ; {
				i := strings.LastIndexByte(pre, '.')
				if i < 0 {
					break
				}
				pre = pre[:i]
				if v, ok := m.tail[pre]; ok {
					return v.Eval(r), true
				}
			}
		}
	}
	for _, e := range m.regexes {
		if MatchCaptures(e.re, s, r) {
			return e.val.Eval(r), true
		}
	}
	if m.def != nil {
		return m.def.Eval(r), true
	}
	return "", true // nginx's default default is the empty string
}
