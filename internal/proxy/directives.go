package proxy

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/internal/nginxconf"
	"github.com/goresty/goresty/phases"
)

const extKey = "proxy"

// locConf is the proxy configuration of one http/server/location/if level.
// A child level starts as a copy of its parent's (CloneExt).
type locConf struct {
	pass *target // proxy_pass; inherited only by "if" blocks (the server resets Content elsewhere)

	userHeaders []*setHeader // proxy_set_header of this level (or inherited)
	ownHeaders  bool
	headers     []*setHeader // userHeaders plus nginx's defaults
	hide        map[string]bool
	ownHide     bool
	pass11      bool // proxy_http_version 1.1

	connectTO, readTO, sendTO time.Duration

	redirectOff bool
	redirects   []redirectRule // explicit proxy_redirect rules; none: "default"
	ownRedirect bool

	passReqHeaders, passReqBody bool
	interceptErrors             bool
	next                        nextMask
	nextTries                   int
	ignoreClientAbort           bool

	tc *trCache // transport cache of this level
}

// setHeader is one proxy_set_header (or a default one).
type setHeader struct {
	name  string // canonical
	as    string // as written in the directive: the name sent
	value *phases.Value
	empty bool // a constant empty value: the header is removed
	// bodyLen: nginx's default Content-Length, the length of the body sent
	bodyLen bool
}

// redirectRule is "proxy_redirect FROM TO".
type redirectRule struct {
	from string
	to   *phases.Value
}

// nextMask is the set of proxy_next_upstream conditions.
type nextMask uint16

const (
	nextError nextMask = 1 << iota
	nextTimeout
	nextInvalid
	nextHTTP500
	nextHTTP502
	nextHTTP503
	nextHTTP504
	nextHTTP403
	nextHTTP404
	nextHTTP429
	nextNonIdempotent
)

var nextNames = map[string]nextMask{
	"error": nextError, "timeout": nextTimeout, "invalid_header": nextInvalid,
	"http_500": nextHTTP500, "http_502": nextHTTP502, "http_503": nextHTTP503, "http_504": nextHTTP504,
	"http_403": nextHTTP403, "http_404": nextHTTP404, "http_429": nextHTTP429, "non_idempotent": nextNonIdempotent,
}

func (m nextMask) status(code int) bool {
	switch code {
	case 500:
		return m&nextHTTP500 != 0
	case 502:
		return m&nextHTTP502 != 0
	case 503:
		return m&nextHTTP503 != 0
	case 504:
		return m&nextHTTP504 != 0
	case 403:
		return m&nextHTTP403 != 0
	case 404:
		return m&nextHTTP404 != 0
	case 429:
		return m&nextHTTP429 != 0
	}
	return false
}

// defaultHidden are the upstream response headers nginx does not pass.
var defaultHidden = []string{"Date", "Server", "X-Pad", "X-Accel-Expires", "X-Accel-Redirect",
	"X-Accel-Limit-Rate", "X-Accel-Buffering", "X-Accel-Charset"}

func newLocConf(t *phases.VarTable) *locConf {
	lc := &locConf{
		connectTO: 60 * time.Second, readTO: 60 * time.Second, sendTO: 60 * time.Second,
		passReqHeaders: true, passReqBody: true,
		next: nextError | nextTimeout,
		hide: map[string]bool{},
		tc:   &trCache{},
	}
	for _, h := range defaultHidden {
		lc.hide[h] = true
	}
	lc.headers = mergeDefaults(t, nil)
	return lc
}

// CloneExt gives a child level its own copy; list directives stay shared
// until the child has one of its own.
func (lc *locConf) CloneExt() any {
	c := *lc
	c.ownHeaders, c.ownHide, c.ownRedirect = false, false, false
	c.tc = &trCache{}
	return &c
}

// confOf returns the proxy configuration of a level, making it on first use.
func confOf(c *config.Ctx) *locConf {
	if lc, ok := c.Loc.Ext[extKey].(*locConf); ok {
		return lc
	}
	lc := newLocConf(c.Plan.Vars)
	c.Loc.Ext[extKey] = lc
	return lc
}

// defaultHeaders are nginx's proxy_set_header defaults: Host and
// Connection, and the client's hop-by-hop headers removed.
var defaultHeaders = [][2]string{{"Host", "$proxy_host"}, {"Connection", "close"},
	{"Content-Length", "$proxy_internal_body_length"}, {"Te", ""}, {"Keep-Alive", ""}, {"Expect", ""}, {"Upgrade", ""}}

func mergeDefaults(t *phases.VarTable, user []*setHeader) []*setHeader {
	out := append([]*setHeader{}, user...)
	for _, dh := range defaultHeaders {
		found := false
		for _, h := range user {
			if h.name == dh[0] {
				found = true
				break
			}
		}
		if found {
			continue
		}
		if dh[0] == "Content-Length" {
			out = append(out, &setHeader{name: dh[0], as: dh[0], bodyLen: true})
			continue
		}
		v, err := t.Compile(dh[1])
		if err != nil {
			panic(err)
		}
		out = append(out, &setHeader{name: dh[0], as: dh[0], value: v, empty: dh[1] == ""})
	}
	return out
}

func init() {
	const (
		http3 = config.CtxHTTP | config.CtxServer | config.CtxLocation
		locIf = config.CtxLocation | config.CtxLocIf
	)
	config.Register(
		&config.Spec{Name: "upstream", Ctx: config.CtxHTTP, Args: config.Take1, Block: true, Set: upstreamBlock},
		&config.Spec{Name: "proxy_pass", Ctx: locIf | config.CtxLimitExcept, Args: config.Take1, Set: setProxyPass},
		&config.Spec{Name: "proxy_set_header", Ctx: http3, Args: config.Take2, Set: setProxySetHeader},
		&config.Spec{Name: "proxy_http_version", Ctx: http3, Args: config.Take1, Set: setHTTPVersion},
		timeSpec("proxy_connect_timeout", func(lc *locConf, t time.Duration) { lc.connectTO = t }),
		timeSpec("proxy_read_timeout", func(lc *locConf, t time.Duration) { lc.readTO = t }),
		timeSpec("proxy_send_timeout", func(lc *locConf, t time.Duration) { lc.sendTO = t }),
		flagSpec("proxy_buffering", nil),
		flagSpec("proxy_request_buffering", nil),
		flagSpec("proxy_pass_request_headers", func(lc *locConf, on bool) { lc.passReqHeaders = on }),
		flagSpec("proxy_pass_request_body", func(lc *locConf, on bool) { lc.passReqBody = on }),
		flagSpec("proxy_intercept_errors", func(lc *locConf, on bool) { lc.interceptErrors = on }),
		flagSpec("proxy_ignore_client_abort", func(lc *locConf, on bool) { lc.ignoreClientAbort = on }),
		sizeSpec("proxy_buffer_size"),
		sizeSpec("proxy_busy_buffers_size"),
		sizeSpec("proxy_max_temp_file_size"),
		sizeSpec("proxy_temp_file_write_size"),
		&config.Spec{Name: "proxy_buffers", Ctx: http3, Args: config.Take2, Set: setBuffers},
		&config.Spec{Name: "proxy_redirect", Ctx: http3, Args: config.Take12, Set: setRedirect},
		&config.Spec{Name: "proxy_hide_header", Ctx: http3, Args: config.Take1, Set: setHidePass},
		&config.Spec{Name: "proxy_pass_header", Ctx: http3, Args: config.Take1, Set: setHidePass},
		&config.Spec{Name: "proxy_next_upstream", Ctx: http3, Args: config.OneMore, Set: setNextUpstream},
		&config.Spec{Name: "proxy_next_upstream_tries", Ctx: http3, Args: config.Take1, Set: func(c *config.Ctx, d *nginxconf.Directive) error {
			n, err := strconv.Atoi(d.Args[0])
			if err != nil || n < 0 {
				return config.Errorf(d, `invalid value "%s" in "%s" directive`, d.Args[0], d.Name)
			}
			confOf(c).nextTries = n
			return nil
		}},
	)
	registerVars()
}

func timeSpec(name string, set func(*locConf, time.Duration)) *config.Spec {
	return &config.Spec{Name: name, Ctx: config.CtxHTTPAll, Args: config.Take1, Set: func(c *config.Ctx, d *nginxconf.Directive) error {
		t, ok := config.ParseTime(d.Args[0], time.Second)
		if !ok {
			return config.Errorf(d, `"%s" directive invalid value`, d.Name)
		}
		set(confOf(c), t)
		return nil
	}}
}

func flagSpec(name string, set func(*locConf, bool)) *config.Spec {
	return &config.Spec{Name: name, Ctx: config.CtxHTTPAll, Args: config.Flag, Set: func(c *config.Ctx, d *nginxconf.Directive) error {
		on, err := config.FlagValue(d)
		if err != nil || set == nil {
			return err
		}
		set(confOf(c), on)
		return nil
	}}
}

func sizeSpec(name string) *config.Spec {
	return &config.Spec{Name: name, Ctx: config.CtxHTTPAll, Args: config.Take1, Set: func(c *config.Ctx, d *nginxconf.Directive) error {
		if _, ok := config.ParseSize(d.Args[0]); !ok {
			return config.Errorf(d, `"%s" directive invalid value`, d.Name)
		}
		return nil
	}}
}

func setBuffers(c *config.Ctx, d *nginxconf.Directive) error {
	n, err := strconv.Atoi(d.Args[0])
	if _, ok := config.ParseSize(d.Args[1]); err != nil || n <= 0 || !ok {
		return config.Errorf(d, `invalid value "%s %s" in "%s" directive`, d.Args[0], d.Args[1], d.Name)
	}
	return nil
}

func setHTTPVersion(c *config.Ctx, d *nginxconf.Directive) error {
	switch d.Args[0] {
	case "1.0":
		confOf(c).pass11 = false
	case "1.1":
		confOf(c).pass11 = true
	default:
		return config.Errorf(d, `invalid value "%s" in "%s" directive, it must be "1.0" or "1.1"`, d.Args[0], d.Name)
	}
	return nil
}

func setProxySetHeader(c *config.Ctx, d *nginxconf.Directive) error {
	lc := confOf(c)
	if !lc.ownHeaders {
		lc.ownHeaders = true
		lc.userHeaders = nil
	}
	v, err := c.Compile(d, d.Args[1])
	if err != nil {
		return err
	}
	name := http.CanonicalHeaderKey(d.Args[0])
	lc.userHeaders = append(lc.userHeaders, &setHeader{name: name, as: d.Args[0], value: v, empty: d.Args[1] == ""})
	lc.headers = mergeDefaults(c.Plan.Vars, lc.userHeaders)
	return nil
}

func setHidePass(c *config.Ctx, d *nginxconf.Directive) error {
	lc := confOf(c)
	if !lc.ownHide {
		// a level with its own proxy_hide_header/proxy_pass_header starts
		// from nginx's default list, not from its parent's
		lc.ownHide = true
		lc.hide = map[string]bool{}
		for _, h := range defaultHidden {
			lc.hide[h] = true
		}
	}
	name := http.CanonicalHeaderKey(d.Args[0])
	lc.hide[name] = d.Name == "proxy_hide_header"
	return nil
}

func setRedirect(c *config.Ctx, d *nginxconf.Directive) error {
	lc := confOf(c)
	if !lc.ownRedirect {
		lc.ownRedirect = true
		lc.redirects, lc.redirectOff = nil, false
	}
	if len(d.Args) == 1 {
		switch d.Args[0] {
		case "off":
			lc.redirectOff, lc.redirects = true, nil
			return nil
		case "default":
			return nil
		}
		return config.Errorf(d, `invalid parameter "%s"`, d.Args[0])
	}
	if strings.HasPrefix(d.Args[0], "~") {
		return config.Errorf(d, `regular expressions in "proxy_redirect" are not supported by goresty`)
	}
	if strings.Contains(d.Args[0], "$") {
		return config.Errorf(d, `variables in the first parameter of "proxy_redirect" are not supported by goresty`)
	}
	to, err := c.Compile(d, d.Args[1])
	if err != nil {
		return err
	}
	lc.redirects = append(lc.redirects, redirectRule{from: d.Args[0], to: to})
	return nil
}

func setNextUpstream(c *config.Ctx, d *nginxconf.Directive) error {
	var m nextMask
	for _, a := range d.Args {
		if a == "off" && len(d.Args) == 1 {
			break
		}
		bit, ok := nextNames[a]
		if !ok {
			return config.Errorf(d, `invalid value "%s"`, a)
		}
		m |= bit
	}
	confOf(c).next = m
	return nil
}

// setProxyPass handles "proxy_pass URL".
func setProxyPass(c *config.Ctx, d *nginxconf.Directive) error {
	lc := confOf(c)
	if c.Loc.Content == handler && lc.pass != nil && lc.pass.level == c.Loc {
		return config.Errorf(d, `"proxy_pass" directive is duplicate`)
	}
	t, err := parseTarget(c, d)
	if err != nil {
		return err
	}
	t.level = c.Loc
	lc.pass = t
	c.Loc.Content = handler
	ps := planStateOf(c.Plan)
	ps.targets = append(ps.targets, t)
	return nil
}

// parseTarget reads a proxy_pass URL; names are resolved by the plan hook,
// once every upstream block is known.
func parseTarget(c *config.Ctx, d *nginxconf.Directive) (*target, error) {
	raw := d.Args[0]
	t := &target{raw: raw, d: d}
	if strings.Contains(raw, "$") {
		v, err := c.Compile(d, raw)
		if err != nil {
			return nil, err
		}
		t.value = v
		return t, nil
	}
	rest, ok := cutScheme(raw)
	if !ok {
		if strings.HasPrefix(strings.ToLower(raw), "https://") {
			return nil, config.Errorf(d, `"proxy_pass" to https:// is not supported by goresty`)
		}
		return nil, config.Errorf(d, `invalid URL prefix in "%s"`, raw)
	}
	if strings.HasPrefix(rest, "unix:") {
		return nil, config.Errorf(d, `"proxy_pass" to a unix socket is not supported by goresty`)
	}
	t.host, t.uri, t.hasURI = splitHostURI(rest)
	if t.host == "" {
		return nil, config.Errorf(d, `no host in "%s" of the "proxy_pass" directive`, raw)
	}
	if t.hasURI {
		loc := c.Loc
		if c.Kind == config.CtxLocIf || loc.Mod == "~" || loc.Mod == "~*" || loc.Mod == "@" || c.Kind == config.CtxLimitExcept {
			return nil, config.Errorf(d, `"proxy_pass" cannot have URI part in location given by regular expression, `+
				`or inside named location, or inside "if" statement, or inside "limit_except" block`)
		}
		t.locPrefix = loc.Pattern
	}
	return t, nil
}

func cutScheme(s string) (string, bool) {
	if len(s) >= 7 && strings.EqualFold(s[:7], "http://") {
		return s[7:], true
	}
	return "", false
}

// splitHostURI splits "host:port/uri" after the scheme.
func splitHostURI(s string) (host, uri string, hasURI bool) {
	i := strings.IndexAny(s, "/?")
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i:], true
}
