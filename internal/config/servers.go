package config

import (
	"net"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/goresty/goresty/internal/nginxconf"
	"github.com/goresty/goresty/phases"
)

func setServer(c *Ctx, d *nginxconf.Directive) error {
	srv := &Server{Exact: map[string]bool{}, Named: map[string]*Location{}, File: d.File, Line: d.Line}
	c.Plan.Servers = append(c.Plan.Servers, srv)
	parent := c.Loc
	c.Defer(func() error {
		srv.Conf = parent.Clone(CtxServer)
		srv.Conf.File, srv.Conf.Line = d.File, d.Line
		cc := c.Child(CtxServer, srv.Conf)
		cc.Srv = srv
		return cc.Walk(d.Block)
	})
	return nil
}

func setListen(c *Ctx, d *nginxconf.Directive) error {
	l := &Listen{Network: "tcp"}
	a := d.Args[0]
	switch {
	case strings.HasPrefix(a, "unix:"):
		l.Network, l.Addr = "unix", a[5:]
	case !strings.Contains(a, ":") && isDigits(a):
		l.Addr = "0.0.0.0:" + a
	case strings.HasPrefix(a, "["):
		l.Addr = a
		if !strings.Contains(a, "]:") {
			l.Addr = a + ":80"
		}
	case strings.Contains(a, ":"):
		host, port, err := net.SplitHostPort(a)
		if err != nil {
			return Errorf(d, `invalid port in "%s" of the "listen" directive`, a)
		}
		if host == "*" {
			host = "0.0.0.0"
		}
		if host == "localhost" {
			host = "127.0.0.1"
		}
		l.Addr = net.JoinHostPort(host, port)
	default:
		host := a
		if host == "*" {
			host = "0.0.0.0"
		}
		if host == "localhost" {
			host = "127.0.0.1"
		}
		l.Addr = host + ":80"
	}
	if l.Network == "tcp" {
		_, port, _ := net.SplitHostPort(l.Addr)
		if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 { // port 0 (an ephemeral port) is allowed for tests and embedding
			return Errorf(d, `invalid port in "%s" of the "listen" directive`, a)
		}
	}
	for _, opt := range d.Args[1:] {
		switch {
		case opt == "default_server" || opt == "default":
			l.DefaultServer = true
		case opt == "reuseport":
			l.ReusePort = true
		case strings.HasPrefix(opt, "backlog="):
			n, err := strconv.Atoi(opt[8:])
			if err != nil || n == 0 {
				return Errorf(d, `invalid backlog "%s"`, opt)
			}
			l.Backlog = n
		case opt == "ssl":
			return Errorf(d, `the "ssl" parameter of "listen" is not supported by goresty`)
		case opt == "http2", opt == "deferred", opt == "bind", opt == "ipv6only=on", opt == "ipv6only=off",
			strings.HasPrefix(opt, "rcvbuf="), strings.HasPrefix(opt, "sndbuf="), strings.HasPrefix(opt, "so_keepalive="),
			strings.HasPrefix(opt, "fastopen="), strings.HasPrefix(opt, "accept_filter="):
		default:
			return Errorf(d, `invalid parameter "%s"`, opt)
		}
	}
	for _, o := range c.Srv.Listens {
		if o.Network == l.Network && o.Addr == l.Addr {
			return Errorf(d, `a duplicate listen %s`, l.Addr)
		}
	}
	l.File, l.Line = position(d)
	c.Srv.Listens = append(c.Srv.Listens, l)
	return nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func setServerName(c *Ctx, d *nginxconf.Directive) error {
	srv := c.Srv
	for _, n := range d.Args {
		srv.Names = append(srv.Names, n)
		ln := strings.ToLower(n)
		switch {
		case strings.HasPrefix(n, "~"):
			re, err := c.Regex(d, n[1:], false)
			if err != nil {
				return err
			}
			srv.Regex = append(srv.Regex, &NameRegex{Re: re, Raw: n})
		case strings.HasPrefix(ln, "*."):
			srv.WildHead = append(srv.WildHead, ln[1:])
		case strings.HasPrefix(ln, "."):
			srv.Exact[ln[1:]] = true
			srv.WildHead = append(srv.WildHead, ln)
		case strings.HasSuffix(ln, ".*"):
			srv.WildTail = append(srv.WildTail, ln[:len(ln)-1])
		default:
			srv.Exact[ln] = true
		}
	}
	return nil
}

func setLocation(c *Ctx, d *nginxconf.Directive) error {
	loc := &Location{}
	mod, pat := "", d.Args[0]
	if len(d.Args) == 2 {
		mod, pat = d.Args[0], d.Args[1]
		switch mod {
		case "=", "^~", "~", "~*":
		default:
			return Errorf(d, `invalid location modifier "%s"`, mod)
		}
	} else {
		switch {
		case strings.HasPrefix(pat, "@"):
			mod = "@"
		case strings.HasPrefix(pat, "="):
			mod, pat = "=", pat[1:]
		case strings.HasPrefix(pat, "^~"):
			mod, pat = "^~", pat[2:]
		case strings.HasPrefix(pat, "~*"):
			mod, pat = "~*", pat[2:]
		case strings.HasPrefix(pat, "~"):
			mod, pat = "~", pat[1:]
		}
	}
	if c.Kind == CtxLocation {
		if c.Loc.Mod == "=" {
			return Errorf(d, `location "%s" cannot be inside the exact location "%s"`, pat, c.Loc.Pattern)
		}
		if c.Loc.Mod == "@" {
			return Errorf(d, `location "%s" cannot be inside the named location "%s"`, pat, c.Loc.Pattern)
		}
		if mod == "@" {
			return Errorf(d, `named location "%s" can be on the server level only`, pat)
		}
		if mod != "~" && mod != "~*" && !strings.HasPrefix(pat, c.Loc.Pattern) {
			return Errorf(d, `location "%s" is outside location "%s"`, pat, c.Loc.Pattern)
		}
	}
	var re *regexp.Regexp
	if mod == "~" || mod == "~*" {
		var err error
		if re, err = c.Regex(d, pat, mod == "~*"); err != nil {
			return err
		}
	}
	parent := c.Loc
	srv := c.Srv
	container := parent
	if c.Kind == CtxServer {
		container = srv.Conf
	}
	if container.Tree == nil {
		container.Tree = &LocTree{Exact: map[string]*Location{}}
	}
	tree := container.Tree
	loc.Pattern, loc.Mod, loc.Re = pat, mod, re
	if mod == "@" {
		if _, dup := srv.Named[pat]; !dup { // nginx accepts a repeated name: the first one is used
			srv.Named[pat] = loc
		}
	} else if mod == "=" {
		if _, dup := tree.Exact[pat]; dup {
			return Errorf(d, `duplicate location "%s"`, pat)
		}
		tree.Exact[pat] = loc
	} else if re != nil {
		tree.Regex = append(tree.Regex, loc)
	} else {
		for _, p := range tree.Prefix {
			if p.Pattern == pat {
				return Errorf(d, `duplicate location "%s"`, pat)
			}
		}
		tree.Prefix = append(tree.Prefix, loc)
		sort.SliceStable(tree.Prefix, func(i, j int) bool { return len(tree.Prefix[i].Pattern) > len(tree.Prefix[j].Pattern) })
	}
	c.Defer(func() error {
		*loc = *parent.Clone(CtxLocation)
		loc.Pattern, loc.Mod, loc.Re, loc.File, loc.Line = pat, mod, re, d.File, d.Line
		return c.Child(CtxLocation, loc).Walk(d.Block)
	})
	return nil
}

// finishServers groups servers by listen address and picks defaults.
func finishServers(p *Plan) error {
	byAddr := map[string]*ListenGroup{}
	for _, s := range p.Servers {
		if len(s.Listens) == 0 {
			s.Listens = []*Listen{{Addr: "0.0.0.0:80", Network: "tcp"}}
		}
		if len(s.Names) == 0 {
			s.Exact[""] = true
		}
		for _, l := range s.Listens {
			key := l.Network + ":" + l.Addr
			g := byAddr[key]
			if g == nil {
				g = &ListenGroup{Addr: l.Addr, Network: l.Network, Listen: l}
				byAddr[key] = g
				p.Listens = append(p.Listens, g)
			}
			if l.DefaultServer {
				if g.Default != nil && g.Listen.DefaultServer {
					return &Error{Msg: "a duplicate default server for " + l.Addr, File: l.File, Line: l.Line}
				}
				g.Default = s
				g.Listen = l
			}
			if l.Backlog != 0 {
				g.Backlog = l.Backlog
			}
			g.Reuse = g.Reuse || l.ReusePort
			g.Servers = append(g.Servers, s)
		}
	}
	for _, g := range p.Listens {
		if g.Default == nil {
			g.Default = g.Servers[0]
		}
	}
	return nil
}

// FindServer picks the virtual server of group g for a Host header value,
// the way nginx does: exact name, longest leading wildcard, longest
// trailing wildcard, first matching regex, else the default server.
func (g *ListenGroup) FindServer(host string, capture func(*regexp.Regexp, string) bool) *Server {
	return g.findServer(host, capture, nil)
}

// FindServerFor is FindServer for a request: regex captures go into r.
func (g *ListenGroup) FindServerFor(r *phases.Request) *Server { return g.findServer(r.Host, nil, r) }

func (g *ListenGroup) findServer(host string, capture func(*regexp.Regexp, string) bool, r *phases.Request) *Server {
	if len(g.Servers) == 1 {
		return g.Servers[0]
	}
	for _, s := range g.Servers {
		if s.Exact[host] {
			return s
		}
	}
	var best *Server
	bestLen := 0
	for _, s := range g.Servers {
		for _, w := range s.WildHead {
			if strings.HasSuffix(host, w) && len(w) > bestLen {
				best, bestLen = s, len(w)
			}
		}
	}
	if best != nil {
		return best
	}
	for _, s := range g.Servers {
		for _, w := range s.WildTail {
			if strings.HasPrefix(host, w) && len(w) > bestLen {
				best, bestLen = s, len(w)
			}
		}
	}
	if best != nil {
		return best
	}
	for _, s := range g.Servers {
		for _, re := range s.Regex {
			if regexMatch(re.Re, host, capture, r) {
				return s
			}
		}
	}
	return g.Default
}

// FindLocation matches uri against the locations of srv as nginx does and
// returns the location (nil: none matched, the server's own configuration
// applies). Regex captures of the match are stored through capture.
func (s *Server) FindLocation(uri string, capture func(re *regexp.Regexp, uri string) bool) *Location {
	loc, _ := findIn(s.Conf.Tree, uri, capture, nil)
	return loc
}

// FindLocationFor is FindLocation for a request: regex captures go into r
// (no closure is made per request).
func (s *Server) FindLocationFor(r *phases.Request) *Location {
	loc, _ := findIn(s.Conf.Tree, r.URI, nil, r)
	return loc
}

func regexMatch(re *regexp.Regexp, s string, capture func(*regexp.Regexp, string) bool, r *phases.Request) bool {
	if capture != nil {
		return capture(re, s)
	}
	return MatchCaptures(re, s, r)
}

// findIn returns the best location in t as nginx's find_location does, and
// whether it is final (an exact match, or a regex matched): outer regexes
// are then not tried. A "^~" prefix stops the regexes of its own level
// only; the regexes nested in it still apply.
func findIn(t *LocTree, uri string, capture func(*regexp.Regexp, string) bool, r *phases.Request) (*Location, bool) {
	if t == nil {
		return nil, false
	}
	if l, ok := t.Exact[uri]; ok {
		return l, true
	}
	var best *Location
	for _, p := range t.Prefix {
		if strings.HasPrefix(uri, p.Pattern) {
			best = p
			break
		}
	}
	noregex := false
	if best != nil {
		noregex = best.Mod == "^~"
		inner, final := findIn(best.Tree, uri, capture, r)
		if final {
			return inner, true
		}
		if inner != nil {
			best = inner
		}
	}
	if noregex {
		return best, false
	}
	for _, l := range t.Regex {
		if regexMatch(l.Re, uri, capture, r) {
			if inner, _ := findIn(l.Tree, uri, capture, r); inner != nil {
				return inner, true
			}
			return l, true
		}
	}
	return best, false
}
