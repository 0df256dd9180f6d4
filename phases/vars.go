package phases

import (
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Getter returns a variable's value for a request; ok=false is nginx's
// "not found" (an empty string in a complex value, nil for ngx.var).
type Getter func(r *Request) (v string, ok bool)

// Setter changes a writable built-in variable.
type Setter func(r *Request, v string)

// Var is a variable known to a configuration.
type Var struct {
	Name string
	Get  Getter
	Set  Setter  // nil: read-only built-in
	User int     // index in Request.UserVars, or -1
	impl *Getter // a computed variable's getter (DeclareComputed)
}

// VarTable indexes the variables of one configuration: built-ins, the
// prefixed families ($http_, $arg_, $cookie_, $sent_http_) and the user
// variables made by "set". Lookup is done once, at configuration time.
type VarTable struct {
	byName map[string]*Var
	users  []string
}

// NewVarTable returns a table with the built-in variables.
func NewVarTable() *VarTable {
	t := &VarTable{byName: make(map[string]*Var, len(builtins)+16)}
	for name, g := range builtins {
		t.byName[name] = &Var{Name: name, Get: g, User: -1}
	}
	t.byName["args"].Set = func(r *Request, v string) { r.Args, r.ArgsEmpty = v, v == "" }
	t.byName["query_string"].Set = t.byName["args"].Set
	return t
}

// Declare makes a user variable (the "set" directive) and returns it. A
// built-in of the same name keeps its getter but becomes writable by a
// user slot, as nginx does.
func (t *VarTable) Declare(name string) *Var {
	name = strings.ToLower(name)
	if v, ok := t.byName[name]; ok {
		if v.User < 0 && v.Set == nil {
			v.User = len(t.users)
			t.users = append(t.users, name)
		}
		return v
	}
	v := &Var{Name: name, User: len(t.users)}
	t.users = append(t.users, name)
	idx := v.User
	v.Get = func(r *Request) (string, bool) {
		if idx < len(r.UserVars) && r.UserSet[idx] {
			return r.UserVars[idx], true
		}
		return "", false
	}
	t.byName[name] = v
	return v
}

// DeclareComputed makes a variable whose getter is given later with
// SetGetter (a map's): values compiled before that call it all the same.
func (t *VarTable) DeclareComputed(name string) *Var {
	name = strings.ToLower(name)
	if v, ok := t.byName[name]; ok && v.impl != nil {
		return v
	}
	v := &Var{Name: name, User: -1, impl: new(Getter)}
	impl := v.impl
	v.Get = func(r *Request) (string, bool) {
		if g := *impl; g != nil {
			return g(r)
		}
		return "", false
	}
	t.byName[name] = v
	return v
}

// SetGetter gives a variable made by DeclareComputed its getter.
func (v *Var) SetGetter(g Getter) {
	if v.impl != nil {
		*v.impl = g
	}
}

// NumUser is the number of user variable slots a Request needs.
func (t *VarTable) NumUser() int { return len(t.users) }

// Lookup finds a variable by name (without "$"), including the prefixed
// families and regex captures ("1".."9"). It returns nil for unknown names.
func (t *VarTable) Lookup(name string) *Var {
	lname := strings.ToLower(name)
	if v, ok := t.byName[lname]; ok {
		return v
	}
	if n, err := strconv.Atoi(name); err == nil && n >= 0 && n <= 99 {
		return &Var{Name: name, User: -1, Get: func(r *Request) (string, bool) {
			if n < len(r.Captures) {
				return r.Captures[n], true
			}
			return "", false
		}}
	}
	var g Getter
	switch {
	case strings.HasPrefix(lname, "http_"):
		h := http.CanonicalHeaderKey(strings.ReplaceAll(lname[5:], "_", "-"))
		g = func(r *Request) (string, bool) { return r.HeaderValue(h) }
	case strings.HasPrefix(lname, "sent_http_"):
		h := http.CanonicalHeaderKey(strings.ReplaceAll(lname[10:], "_", "-"))
		g = func(r *Request) (string, bool) {
			vs := r.Header[h]
			if len(vs) == 0 {
				return "", false
			}
			return strings.Join(vs, ", "), true
		}
	case strings.HasPrefix(lname, "arg_"):
		key := lname[4:]
		g = func(r *Request) (string, bool) { return ArgValue(r.Args, key) }
	case strings.HasPrefix(lname, "cookie_"):
		key := name[7:]
		g = func(r *Request) (string, bool) { return cookieValue(r, key) }
	default:
		// named regex captures are resolved per request
		return nil
	}
	// not cached: Lookup must stay safe to call while requests run
	return &Var{Name: lname, Get: g, User: -1}
}

// DeclareCapture makes $name read the named regex capture "name" (a
// location, server_name, rewrite or if regex with (?<name>...)).
func (t *VarTable) DeclareCapture(name string) {
	lname := strings.ToLower(name)
	if _, ok := t.byName[lname]; ok {
		return
	}
	t.byName[lname] = NamedCapture(name)
}

// NamedCapture returns a getter for a named regex capture.
func NamedCapture(name string) *Var {
	return &Var{Name: name, User: -1, Get: func(r *Request) (string, bool) {
		v, ok := r.NamedCaps[name]
		return v, ok
	}}
}

// ArgValue finds an argument in a raw query string the way $arg_NAME does:
// case-insensitive name, the raw (still escaped) value of the first match.
func ArgValue(args, key string) (string, bool) {
	for args != "" {
		var kv string
		kv, args, _ = strings.Cut(args, "&")
		k, v, _ := strings.Cut(kv, "=")
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return "", false
}

func cookieValue(r *Request, key string) (string, bool) {
	for _, line := range r.HTTP.Header["Cookie"] {
		for line != "" {
			var part string
			part, line, _ = strings.Cut(line, ";")
			part = strings.TrimLeft(part, " \t")
			k, v, _ := strings.Cut(part, "=")
			if strings.EqualFold(k, key) {
				return v, true
			}
		}
	}
	return "", false
}

var (
	hostname, _ = os.Hostname()
	pidStr      = strconv.Itoa(os.Getpid())
	// Version is goresty's version (the Server header, -v).
	Version = "0.1.0"
	// NginxVersion is the nginx version goresty is compatible with ($nginx_version).
	NginxVersion = "1.27.1"
)

func str(s string) (string, bool) { return s, true }

// RegisterVar adds a read-only built-in variable to every VarTable made
// afterwards. Modules (the proxy's $upstream_addr...) call it from init.
func RegisterVar(name string, g Getter) {
	if _, dup := builtins[name]; dup {
		panic("phases: variable registered twice: " + name)
	}
	builtins[name] = g
}

var builtins = map[string]Getter{
	"uri":          func(r *Request) (string, bool) { return r.URI, true },
	"document_uri": func(r *Request) (string, bool) { return r.URI, true },
	"request_uri":  func(r *Request) (string, bool) { return r.RequestURI, true },
	"args":         func(r *Request) (string, bool) { return r.Args, r.Args != "" || r.ArgsEmpty },
	"query_string": func(r *Request) (string, bool) { return r.Args, r.Args != "" || r.ArgsEmpty },
	"is_args": func(r *Request) (string, bool) {
		if r.Args != "" {
			return "?", true
		}
		return "", true
	},
	"host":        func(r *Request) (string, bool) { return r.Host, true },
	"hostname":    func(r *Request) (string, bool) { return hostname, true },
	"remote_addr": func(r *Request) (string, bool) { return r.RemoteAddr, true },
	"binary_remote_addr": func(r *Request) (string, bool) {
		ip := net.ParseIP(r.RemoteAddr)
		if ip4 := ip.To4(); ip4 != nil {
			return string(ip4), true
		}
		return string(ip), true
	},
	"remote_port": func(r *Request) (string, bool) { return r.RemotePort, true },
	"server_addr": func(r *Request) (string, bool) {
		h, _, _ := net.SplitHostPort(r.LocalAddr.String())
		return h, true
	},
	"server_port": func(r *Request) (string, bool) {
		_, p, _ := net.SplitHostPort(r.LocalAddr.String())
		return p, true
	},
	"server_name":     func(r *Request) (string, bool) { return r.ServerName, true },
	"server_protocol": func(r *Request) (string, bool) { return r.Proto, true },
	"scheme":          func(r *Request) (string, bool) { return r.Scheme, true },
	"https": func(r *Request) (string, bool) {
		if r.Scheme == "https" {
			return "on", true
		}
		return "", true
	},
	"request_method": func(r *Request) (string, bool) {
		for r.Parent != nil {
			r = r.Parent // nginx gives the main request's method, also in subrequests
		}
		return r.Method, true
	},
	"request": func(r *Request) (string, bool) {
		return r.HTTP.Method + " " + r.RequestURI + " " + r.Proto, true
	},
	"status": func(r *Request) (string, bool) {
		if r.ErrStatus != 0 {
			return strconv.Itoa(r.ErrStatus), true
		}
		if r.Status == 0 {
			return "000", true
		}
		return strconv.Itoa(r.Status), true
	},
	"body_bytes_sent": func(r *Request) (string, bool) {
		if r.Sent != nil {
			total, head := r.Sent.SentBytes(r.Finished)
			return strconv.FormatInt(max(total-head, 0), 10), true
		}
		return strconv.FormatInt(r.BodySent, 10), true
	},
	"bytes_sent": func(r *Request) (string, bool) {
		if r.Sent != nil {
			total, _ := r.Sent.SentBytes(r.Finished)
			return strconv.FormatInt(total, 10), true
		}
		return strconv.FormatInt(r.BodySent, 10), true
	},
	"request_time": func(r *Request) (string, bool) {
		d := time.Since(r.Start)
		return strconv.FormatFloat(float64(d.Milliseconds())/1000, 'f', 3, 64), true
	},
	"request_length": func(r *Request) (string, bool) {
		head := int64(r.HeadLen)
		if head == 0 {
			head = int64(len(r.RequestURI)) + 64 // no head read from a client: an estimate
		}
		return strconv.FormatInt(head+int64(len(r.Body)), 10), true
	},
	"time_local": func(r *Request) (string, bool) {
		return time.Now().Format("02/Jan/2006:15:04:05 -0700"), true
	},
	"time_iso8601": func(r *Request) (string, bool) { return time.Now().Format("2006-01-02T15:04:05-07:00"), true },
	"msec": func(r *Request) (string, bool) {
		return strconv.FormatFloat(float64(time.Now().UnixMilli())/1000, 'f', 3, 64), true
	},
	"pid": func(r *Request) (string, bool) { return pidStr, true },
	"content_type": func(r *Request) (string, bool) {
		return r.HeaderValue("Content-Type")
	},
	"content_length": func(r *Request) (string, bool) {
		if v, ok := r.HeaderValue("Content-Length"); ok {
			return v, true
		}
		if r.BodyRead && len(r.HTTP.TransferEncoding) > 0 && r.HTTP.ContentLength >= 0 {
			return strconv.FormatInt(r.HTTP.ContentLength, 10), true // a chunked body, once read
		}
		return "", false
	},
	"document_root": func(r *Request) (string, bool) { return r.DocRoot, true },
	"realpath_root": func(r *Request) (string, bool) {
		p, err := filepath.EvalSymlinks(r.DocRoot)
		if err != nil {
			return "", false
		}
		return p, true
	},
	"nginx_version": func(r *Request) (string, bool) { return NginxVersion, true },
	"connection": func(r *Request) (string, bool) {
		return strconv.FormatUint(r.ConnID, 10), true
	},
	"connection_requests": func(r *Request) (string, bool) { return strconv.Itoa(r.ConnReqs), true },
	"prefix":              func(r *Request) (string, bool) { return r.Prefix, true },
	"request_body": func(r *Request) (string, bool) {
		if !r.BodyRead || r.BodyOnFile || len(r.Body) == 0 {
			return "", false
		}
		return string(r.Body), true
	},
	"request_body_file": func(r *Request) (string, bool) { return r.BodyFile, r.BodyFile != "" },
	"cookie":            func(r *Request) (string, bool) { return r.HeaderValue("Cookie") },
	"user_agent":        func(r *Request) (string, bool) { return r.HeaderValue("User-Agent") },
	"http_host": func(r *Request) (string, bool) {
		if r.HTTP.Host == "" {
			return "", false
		}
		return r.HTTP.Host, true
	},
	"remote_user": func(r *Request) (string, bool) {
		u, _, ok := r.HTTP.BasicAuth()
		return u, ok
	},
	"request_id":      func(r *Request) (string, bool) { return requestID(r), true },
	"server_software": func(r *Request) (string, bool) { return "goresty/" + Version, true },
	"uri_unescaped": func(r *Request) (string, bool) {
		u, err := url.PathUnescape(r.URI)
		return u, err == nil
	},
}

var reqIDCounter atomic.Uint64

func requestID(r *Request) string {
	n := reqIDCounter.Add(1) ^ uint64(r.Start.UnixNano())
	return strconv.FormatUint(n, 16)
}

// Value is a compiled complex value: literal text with "$var" references.
type Value struct {
	Raw   string
	parts []valuePart
	// Static is set when the value has no variables.
	Static bool
}

type valuePart struct {
	lit string
	v   *Var
}

// UnknownVarError is returned by Compile for an undefined variable.
type UnknownVarError struct{ Name string }

func (e *UnknownVarError) Error() string { return `unknown "` + e.Name + `" variable` }

// Compile parses s ("text $var ${var}text") against t.
func (t *VarTable) Compile(s string) (*Value, error) {
	val := &Value{Raw: s}
	var lit strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '$' || i+1 >= len(s) {
			lit.WriteByte(c)
			continue
		}
		j := i + 1
		var name string
		if s[j] == '{' {
			k := strings.IndexByte(s[j:], '}')
			if k < 0 {
				return nil, &syntaxError{`the closing bracket in "` + s[j+1:] + `" variable is missing`}
			}
			name = s[j+1 : j+k]
			i = j + k
		} else {
			k := j
			for k < len(s) && isVarChar(s[k]) {
				k++
			}
			if k == j {
				lit.WriteByte(c)
				continue
			}
			name = s[j:k]
			i = k - 1
		}
		v := t.Lookup(name)
		if v == nil {
			return nil, &UnknownVarError{name}
		}
		if lit.Len() > 0 {
			val.parts = append(val.parts, valuePart{lit: lit.String()})
			lit.Reset()
		}
		val.parts = append(val.parts, valuePart{v: v})
	}
	if lit.Len() > 0 {
		val.parts = append(val.parts, valuePart{lit: lit.String()})
	}
	val.Static = true
	for _, p := range val.parts {
		if p.v != nil {
			val.Static = false
		}
	}
	return val, nil
}

type syntaxError struct{ msg string }

func (e *syntaxError) Error() string { return e.msg }

func isVarChar(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// Literal is a value of s itself: no variables are read in it.
func Literal(s string) *Value {
	return &Value{Raw: s, parts: []valuePart{{lit: s}}, Static: true}
}

// Eval computes the value for r.
func (v *Value) Eval(r *Request) string {
	switch len(v.parts) {
	case 0:
		return ""
	case 1:
		p := &v.parts[0]
		if p.v == nil {
			return p.lit
		}
		return p.get(r)
	}
	var b strings.Builder
	for i := range v.parts {
		p := &v.parts[i]
		if p.v == nil {
			b.WriteString(p.lit)
		} else {
			b.WriteString(p.get(r))
		}
	}
	return b.String()
}

func (p *valuePart) get(r *Request) string {
	s, ok := p.v.Get(r)
	if !ok && p.v.User >= 0 && r.Srv != nil {
		r.Srv.Uninitialized(r, p.v.Name)
	}
	return s
}

// Log escaping modes (log_format escape=).
const (
	EscapeDefault = iota
	EscapeJSON
	EscapeNone
)

// EvalLog computes the value as the access log writes it: a variable that
// is empty or not found prints as "-" (as "" with escape=json), and
// variable values are escaped as log_format's escape= says.
func (v *Value) EvalLog(r *Request, escape int) string {
	var b strings.Builder
	for i := range v.parts {
		p := &v.parts[i]
		if p.v == nil {
			b.WriteString(p.lit)
			continue
		}
		s, ok := p.v.Get(r)
		if !ok || s == "" {
			if escape != EscapeJSON {
				b.WriteByte('-')
			}
			continue
		}
		writeEscaped(&b, s, escape)
	}
	return b.String()
}

const hexDigits = "0123456789ABCDEF"

func writeEscaped(b *strings.Builder, s string, escape int) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch escape {
		case EscapeNone:
			b.WriteByte(c)
		case EscapeJSON:
			switch {
			case c == '"' || c == '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case c == '\n':
				b.WriteString(`\n`)
			case c == '\r':
				b.WriteString(`\r`)
			case c == '\t':
				b.WriteString(`\t`)
			case c < 0x20:
				b.WriteString(`\u00`)
				b.WriteByte(hexDigits[c>>4])
				b.WriteByte(hexDigits[c&15])
			default:
				b.WriteByte(c)
			}
		default:
			if c == '"' || c == '\\' || c < 0x20 || c > 0x7e {
				b.WriteString(`\x`)
				b.WriteByte(hexDigits[c>>4])
				b.WriteByte(hexDigits[c&15])
			} else {
				b.WriteByte(c)
			}
		}
	}
}

// Vars returns the variables v refers to.
func (v *Value) Vars() []*Var {
	var out []*Var
	for _, p := range v.parts {
		if p.v != nil {
			out = append(out, p.v)
		}
	}
	return out
}
