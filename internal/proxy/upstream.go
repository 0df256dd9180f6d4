package proxy

import (
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/internal/nginxconf"
)

// Upstream is a group of servers: an "upstream" block, or the implicit
// group of one proxy_pass host. Its balancer is nginx's smooth weighted
// round robin with max_fails/fail_timeout accounting.
type Upstream struct {
	Name string // the block's name, or "host:port" for an implicit group
	// Keepalive is the number of idle connections kept (0: none, every
	// request gets a new connection as in nginx without "keepalive").
	Keepalive         int
	KeepaliveTimeout  time.Duration
	KeepaliveRequests int
	File              string
	Line              int

	peers   []*peer
	backups []*peer
	mu      sync.Mutex
}

// peer is one "server" of an upstream.
type peer struct {
	addr        string // "127.0.0.1:8080"
	weight      int
	maxFails    int
	failTimeout time.Duration
	down        bool

	// under Upstream.mu
	current int
	fails   int
	checked time.Time // when the last failure was counted
}

func newUpstream(name string) *Upstream {
	return &Upstream{Name: name, KeepaliveTimeout: 60 * time.Second, KeepaliveRequests: 1000}
}

// Servers returns the addresses of the primary servers, in order.
func (u *Upstream) Servers() []string {
	out := make([]string, len(u.peers))
	for i, p := range u.peers {
		out[i] = p.addr
	}
	return out
}

func (u *Upstream) addPeer(p *peer, backup bool) {
	if backup {
		u.backups = append(u.backups, p)
	} else {
		u.peers = append(u.peers, p)
	}
}

// tries is how many distinct servers a request may try.
func (u *Upstream) tries() int { return len(u.peers) + len(u.backups) }

// pick chooses the next server for a request that already tried the
// servers in tried (a bit set over peers then backups). It returns nil when
// no server is left ("no live upstreams").
func (u *Upstream) pick(tried uint64, now time.Time) (*peer, int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.peers) == 1 && len(u.backups) == 0 {
		// nginx ignores max_fails for a single server
		if p := u.peers[0]; !p.down && tried&1 == 0 {
			return p, 0
		}
		return nil, -1
	}
	if p, i := u.pickIn(u.peers, 0, tried, now); p != nil {
		return p, i
	}
	// every server is down or failed: "no live upstreams" until a
	// fail_timeout passes (nginx does not make them live again at once)
	return u.pickIn(u.backups, len(u.peers), tried, now)
}

func (u *Upstream) pickIn(ps []*peer, base int, tried uint64, now time.Time) (*peer, int) {
	var best *peer
	bestIdx, total := -1, 0
	for i, p := range ps {
		idx := base + i
		if p.down || (idx < 64 && tried&(1<<idx) != 0) {
			continue
		}
		if p.maxFails > 0 && p.fails >= p.maxFails && now.Sub(p.checked) <= p.failTimeout {
			continue
		}
		p.current += p.weight
		total += p.weight
		if best == nil || p.current > best.current {
			best, bestIdx = p, idx
		}
	}
	if best != nil {
		best.current -= total
		if best.fails >= best.maxFails && best.maxFails > 0 {
			// fail_timeout passed: give it one more chance
			best.checked = now
		}
	}
	return best, bestIdx
}

// fail counts a failed attempt on p; it reports whether that took p out
// of rotation for fail_timeout (nginx warns then).
func (u *Upstream) fail(p *peer, now time.Time) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.peers)+len(u.backups) == 1 {
		return false
	}
	if now.Sub(p.checked) > p.failTimeout {
		p.fails = 0
	}
	p.fails++
	p.checked = now
	return p.maxFails > 0 && p.fails == p.maxFails
}

// ok notes a successful attempt on p: failures older than fail_timeout are forgotten.
func (u *Upstream) ok(p *peer, now time.Time) {
	u.mu.Lock()
	if p.fails > 0 && now.Sub(p.checked) > p.failTimeout {
		p.fails = 0
	}
	u.mu.Unlock()
}

// upstreamBlock handles "upstream NAME { ... }": the block's directives
// are applied here, so that "server" means an upstream server inside it.
func upstreamBlock(c *config.Ctx, d *nginxconf.Directive) error {
	ps := planStateOf(c.Plan)
	name := strings.ToLower(d.Args[0])
	if _, dup := ps.upstreams[name]; dup {
		return config.Errorf(d, `duplicate upstream "%s"`, d.Args[0])
	}
	u := newUpstream(d.Args[0])
	u.File, u.Line = d.File, d.Line
	ps.upstreams[name] = u
	seen := map[string]bool{}
	for _, sd := range d.Block {
		if err := upstreamDirective(c, u, sd, seen); err != nil {
			return err
		}
	}
	if len(u.peers) == 0 && len(u.backups) == 0 {
		return &config.Error{Msg: "no servers are inside upstream", File: d.File, Line: d.Line}
	}
	return nil
}

func upstreamDirective(c *config.Ctx, u *Upstream, d *nginxconf.Directive, seen map[string]bool) error {
	switch d.Name {
	case "server":
		if d.IsBlock() {
			return config.Errorf(d, `directive "server" is not terminated by ";"`)
		}
		if len(d.Args) < 1 {
			return config.Errorf(d, `invalid number of arguments in "server" directive`)
		}
		return upstreamServer(u, d)
	case "keepalive", "keepalive_timeout", "keepalive_requests":
		if len(d.Args) != 1 || d.IsBlock() {
			return config.Errorf(d, `invalid number of arguments in "%s" directive`, d.Name)
		}
		if seen[d.Name] {
			return config.Errorf(d, `"%s" directive is duplicate`, d.Name)
		}
		seen[d.Name] = true
		return upstreamKeepalive(u, d)
	case "least_conn", "ip_hash", "hash", "random", "zone", "ntlm", "sticky", "queue", "keepalive_time":
		return config.Errorf(d, `"%s" directive is not supported by goresty`, d.Name)
	}
	s := config.Lookup(d.Name)
	if s == nil {
		return config.Errorf(d, `unknown directive "%s"`, d.Name)
	}
	if s.Ctx&config.CtxUpstream == 0 {
		return config.Errorf(d, `"%s" directive is not allowed here`, d.Name)
	}
	if s.Set == nil {
		return nil
	}
	loc := &config.Location{Kind: config.CtxUpstream, Ext: map[string]any{}}
	return s.Set(c.Child(config.CtxUpstream, loc), d)
}

func upstreamKeepalive(u *Upstream, d *nginxconf.Directive) error {
	v := d.Args[0]
	switch d.Name {
	case "keepalive", "keepalive_requests":
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return config.Errorf(d, `invalid value "%s" in "%s" directive`, v, d.Name)
		}
		if d.Name == "keepalive" {
			u.Keepalive = n
		} else {
			u.KeepaliveRequests = n
		}
	default:
		t, ok := config.ParseTime(v, time.Millisecond)
		if !ok {
			return config.Errorf(d, `"%s" directive invalid value`, d.Name)
		}
		u.KeepaliveTimeout = t
	}
	return nil
}

// upstreamServer parses "server ADDR [weight=N] [max_fails=N] [fail_timeout=T] [backup] [down]".
func upstreamServer(u *Upstream, d *nginxconf.Directive) error {
	tmpl := peer{weight: 1, maxFails: 1, failTimeout: 10 * time.Second}
	backup := false
	for _, a := range d.Args[1:] {
		k, v, hasV := strings.Cut(a, "=")
		var ok bool
		switch {
		case k == "weight" && hasV:
			tmpl.weight, ok = positive(v)
		case k == "max_fails" && hasV:
			var err error
			tmpl.maxFails, err = strconv.Atoi(v)
			ok = err == nil && tmpl.maxFails >= 0
		case k == "fail_timeout" && hasV:
			tmpl.failTimeout, ok = config.ParseTime(v, time.Second)
		case a == "backup":
			backup, ok = true, true
		case a == "down":
			tmpl.down, ok = true, true
		case k == "max_conns" || k == "resolve" || k == "service" || k == "slow_start" || k == "route":
			return config.Errorf(d, `"server" parameter "%s" is not supported by goresty`, k)
		}
		if !ok {
			return config.Errorf(d, `invalid parameter "%s"`, a)
		}
	}
	addrs, err := resolveAddr(d.Args[0], "80")
	if err != nil {
		return config.Errorf(d, `host not found in upstream "%s"`, d.Args[0])
	}
	for _, a := range addrs {
		p := tmpl
		p.addr = a
		u.addPeer(&p, backup)
	}
	return nil
}

func positive(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil && n > 0
}

// resolveAddr turns "host[:port]" into "ip:port" addresses, resolving the
// name at configuration time as nginx does.
func resolveAddr(hostport, defPort string) ([]string, error) {
	if strings.HasPrefix(hostport, "unix:") {
		return nil, errUnix
	}
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		host, port = strings.Trim(hostport, "[]"), defPort
	}
	if _, err := strconv.Atoi(port); err != nil {
		return nil, err
	}
	if ip := net.ParseIP(host); ip != nil {
		return []string{net.JoinHostPort(host, port)}, nil
	}
	ips, err := net.LookupHost(host)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(ips))
	for _, ip := range ips {
		out = append(out, net.JoinHostPort(ip, port))
	}
	return out, nil
}

type protoError string

func (e protoError) Error() string { return string(e) }

const errUnix = protoError("proxy: unix sockets are not supported by goresty")
