package proxy

import (
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/internal/errlog"
	"github.com/goresty/goresty/internal/nginxconf"
	"github.com/goresty/goresty/phases"
)

const planKey = "proxy.plan"

// planState is the proxy module's part of a Plan: the upstreams, the
// proxy_pass targets to resolve, and the live transports (made once per
// Plan, shared by its requests).
type planState struct {
	upstreams map[string]*Upstream // by lower-cased name
	implicit  map[string]*Upstream // proxy_pass hosts: "host:port"
	targets   []*target
	log       atomic.Pointer[errlog.Logger]

	mu         sync.Mutex
	transports map[trKey]*upClient
}

// trKey picks a transport: its pool belongs to an upstream, its timeouts
// to the locations using it.
type trKey struct {
	up                        *Upstream
	connectTO, readTO, sendTO time.Duration
}

// trCache remembers a level's transport for its static target.
type trCache struct {
	v atomic.Pointer[trEntry]
}

type trEntry struct {
	up *Upstream
	tr *upClient
}

// target is a proxy_pass URL.
type target struct {
	raw   string
	d     *nginxconf.Directive
	value *phases.Value // the URL has variables: evaluated per request
	level *config.Location

	host      string // as written: "backend", "127.0.0.1:8080"
	uri       string
	hasURI    bool
	locPrefix string // the location name replaced by uri

	up        *Upstream // resolved by the plan hook
	proxyHost string    // $proxy_host
	ps        *planState
}

func planStateOf(p *config.Plan) *planState {
	if ps, ok := p.Ext[planKey].(*planState); ok {
		return ps
	}
	ps := &planState{upstreams: map[string]*Upstream{}, implicit: map[string]*Upstream{}, transports: map[trKey]*upClient{}}
	p.Ext[planKey] = ps
	p.Hooks = append(p.Hooks, ps.resolve)
	// idle upstream connections die with the Plan that made them
	runtime.AddCleanup(p, func(ps *planState) { ps.closeIdle() }, ps)
	return ps
}

// resolve binds every static proxy_pass host to its upstream, once all
// upstream blocks are known.
func (ps *planState) resolve(p *config.Plan) error {
	for _, t := range ps.targets {
		t.ps = ps
		if t.value != nil {
			continue
		}
		u, err := ps.upstreamFor(t.host, false)
		if err != nil {
			return config.Errorf(t.d, `host not found in upstream "%s"`, t.host)
		}
		t.up = u
		t.proxyHost = proxyHostOf(t.host)
	}
	return nil
}

// maxDynamic bounds the implicit upstreams made for proxy_pass URLs with variables.
const maxDynamic = 1024

// upstreamFor finds the upstream block named host, or the implicit
// upstream of host:port. dynamic is set at request time (the table is
// then guarded by ps.mu).
func (ps *planState) upstreamFor(host string, dynamic bool) (*Upstream, error) {
	if !strings.Contains(host, ":") {
		if u := ps.upstreams[strings.ToLower(host)]; u != nil {
			return u, nil
		}
	}
	key := strings.ToLower(host)
	if _, _, err := net.SplitHostPort(key); err != nil {
		key += ":80"
	}
	if dynamic {
		ps.mu.Lock()
		defer ps.mu.Unlock()
	}
	if u := ps.implicit[key]; u != nil {
		return u, nil
	}
	addrs, err := resolveAddr(host, "80")
	if err != nil {
		return nil, err
	}
	u := newUpstream(host)
	for _, a := range addrs {
		u.addPeer(&peer{addr: a, weight: 1, maxFails: 1, failTimeout: 10 * time.Second}, false)
	}
	if !dynamic || len(ps.implicit) < maxDynamic {
		ps.implicit[key] = u
	}
	return u, nil
}

// proxyHostOf is $proxy_host: the host as written, without port 80.
func proxyHostOf(host string) string {
	return strings.TrimSuffix(host, ":80")
}

// transport returns the shared client for up with lc's timeouts.
func (ps *planState) transport(lc *locConf, up *Upstream) *upClient {
	if e := lc.tc.v.Load(); e != nil && e.up == up {
		return e.tr
	}
	k := trKey{up: up, connectTO: lc.connectTO, readTO: lc.readTO, sendTO: lc.sendTO}
	ps.mu.Lock()
	tr := ps.transports[k]
	if tr == nil {
		tr = newClient(k)
		ps.transports[k] = tr
	}
	ps.mu.Unlock()
	lc.tc.v.Store(&trEntry{up: up, tr: tr})
	return tr
}

func (ps *planState) closeIdle() {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for _, tr := range ps.transports {
		tr.closeIdle()
	}
}

// Close closes the idle upstream connections of p's transports (the Plan is
// going away: a reload swapped it out, or the server stopped).
func Close(p *config.Plan) {
	if ps, ok := p.Ext[planKey].(*planState); ok {
		ps.closeIdle()
	}
}

// SetLogger gives the proxy of p the server's error log. Without it, the
// proxy's error-log lines go to stderr.
func SetLogger(p *config.Plan, l *errlog.Logger) {
	planStateOf(p).log.Store(l)
}

var (
	fallbackOnce sync.Once
	fallbackLog  *errlog.Logger
)

func (ps *planState) logger() *errlog.Logger {
	if l := ps.log.Load(); l != nil {
		return l
	}
	fallbackOnce.Do(func() {
		fallbackLog, _ = errlog.New([]errlog.Sink{{Path: "stderr", Level: errlog.Error}})
	})
	return fallbackLog
}
