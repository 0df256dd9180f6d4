package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/internal/errlog"
	"github.com/goresty/goresty/internal/proxy"
	"github.com/goresty/goresty/phases"
)

// Runtime is a per-Plan module with live state, such as the Lua workers.
type Runtime interface {
	// BeginRequest pins r to a worker before its first phase.
	BeginRequest(r *phases.Request)
	// EndRequest releases what BeginRequest took.
	EndRequest(r *phases.Request)
	// Close stops the runtime; graceful lets running work finish.
	Close(graceful bool)
}

// Options configure a Server.
type Options struct {
	Log *errlog.Logger
	// NewRuntime makes the runtime of a Plan (nil: no runtime). It also
	// returns the FilterRunner for Lua header and body filters.
	NewRuntime func(p *config.Plan, log *errlog.Logger) (Runtime, FilterRunner, error)
}

// Server serves a Plan and swaps it on reload.
type Server struct {
	opts    Options
	log     *errlog.Logger
	cur     atomic.Pointer[state]
	filters FilterRunner
	logs    *logFiles
	// errLogs are the error logs of http, server and location blocks,
	// opened as requests first need them (reopened with the access logs)
	errLogsMu sync.Mutex
	errLogs   map[string]*errlog.Logger // by their files and levels: reloads reuse them

	mu        sync.Mutex
	listeners map[string]*listener
	connSeq   atomic.Uint64
	wg        sync.WaitGroup
}

type state struct {
	s             *Server
	plan          *config.Plan
	rt            Runtime
	groups        map[string]*config.ListenGroup
	defaultAccess []*config.AccessLog
}

type listener struct {
	key string
	ln  net.Listener
	h   *h1Server
}

type connInfo struct {
	id    uint64
	reqs  atomic.Int32
	local net.Addr
	key   string
	// abort returns a channel closed when the client goes away (ngx.on_abort).
	abort func() <-chan struct{}
	// rr is the connection's request storage, reused request after request.
	rr *reqResp
	// raddr is the client's address as the last request had it, split
	// into rhost and rport
	raddr, rhost, rport string
	// host is $host as the last request's Host header (rawHost) gave it
	rawHost, host string
}

// New makes a server; Start opens its listeners.
func New(opts Options) *Server {
	return &Server{opts: opts, log: opts.Log, listeners: map[string]*listener{}, logs: &logFiles{files: map[string]*os.File{}}}
}

func groupKey(g *config.ListenGroup) string { return g.Network + ":" + g.Addr }

func (s *Server) newState(p *config.Plan) (*state, error) {
	st := &state{s: s, plan: p, groups: map[string]*config.ListenGroup{}}
	for _, g := range p.Listens {
		st.groups[groupKey(g)] = g
	}
	if f := p.Formats["combined"]; f != nil {
		st.defaultAccess = []*config.AccessLog{{Path: p.Path("logs/access.log"), Format: f}}
	} else {
		v, err := p.Vars.Compile(`$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"`)
		if err != nil {
			return nil, err
		}
		st.defaultAccess = []*config.AccessLog{{Path: p.Path("logs/access.log"), Format: &config.LogFormat{Name: "combined", Value: v}}}
	}
	if s.opts.NewRuntime != nil {
		rt, fr, err := s.opts.NewRuntime(p, s.log)
		if err != nil {
			return nil, err
		}
		st.rt = rt
		s.filters = fr
	}
	return st, nil
}

// Listen opens the listeners of p without serving yet (so that the pid
// file and daemonizing happen only once they are bound).
func (s *Server) Listen(p *config.Plan) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range p.Listens {
		key := groupKey(g)
		if _, ok := s.listeners[key]; ok {
			continue
		}
		ln, err := listen(g)
		if err != nil {
			return err
		}
		s.listeners[key] = &listener{key: key, ln: ln}
	}
	return nil
}

func listen(g *config.ListenGroup) (net.Listener, error) {
	lc := net.ListenConfig{}
	if g.Reuse {
		lc.Control = reusePort
	}
	if g.Network == "unix" {
		os.Remove(g.Addr)
	}
	ln, err := lc.Listen(context.Background(), g.Network, g.Addr)
	if err != nil {
		var se *os.SyscallError
		if errors.As(err, &se) && errors.Is(se.Err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("bind() to %s failed (98: Address already in use)", g.Addr)
		}
		return nil, fmt.Errorf("bind() to %s failed (%v)", g.Addr, err)
	}
	return ln, nil
}

// Start runs p on the listeners opened by Listen.
func (s *Server) Start(p *config.Plan) error {
	if err := s.Listen(p); err != nil {
		return err
	}
	st, err := s.newState(p)
	if err != nil {
		return err
	}
	s.cur.Store(st)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.listeners {
		s.serveListener(l)
	}
	return nil
}

func (s *Server) serveListener(l *listener) {
	if l.h != nil {
		return
	}
	l.h = newH1Server(s, l.key, s.checkListener(l.ln, l.key))
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		l.h.Serve()
	}()
}

// Reload swaps in p: new listeners open, listeners gone from p close
// gracefully, requests in flight finish on the Plan they started with.
func (s *Server) Reload(p *config.Plan) error {
	if err := s.Listen(p); err != nil {
		return err
	}
	st, err := s.newState(p)
	if err != nil {
		return err
	}
	old := s.cur.Swap(st)
	s.mu.Lock()
	keep := map[string]bool{}
	for _, g := range p.Listens {
		keep[groupKey(g)] = true
	}
	var closing []*listener
	for k, l := range s.listeners {
		if !keep[k] {
			closing = append(closing, l)
			delete(s.listeners, k)
			continue
		}
		s.serveListener(l)
	}
	s.mu.Unlock()
	for _, l := range closing {
		s.stopListener(l, true)
	}
	if old != nil {
		// the old plan's idle upstream connections go; busy ones finish first
		proxy.Close(old.plan)
		if old.rt != nil {
			go old.rt.Close(true)
		}
	}
	s.logs.reopen()
	return nil
}

func (s *Server) stopListener(l *listener, graceful bool) {
	if l.h == nil {
		l.ln.Close()
		return
	}
	if graceful {
		l.h.Shutdown(time.Now().Add(30 * time.Second))
		return
	}
	l.h.Close()
}

// Shutdown stops serving: graceful waits for requests in flight.
func (s *Server) Shutdown(graceful bool) {
	s.mu.Lock()
	ls := make([]*listener, 0, len(s.listeners))
	for k, l := range s.listeners {
		ls = append(ls, l)
		delete(s.listeners, k)
	}
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, l := range ls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.stopListener(l, graceful)
		}()
	}
	wg.Wait()
	s.wg.Wait()
	if st := s.cur.Load(); st != nil {
		if st.rt != nil {
			st.rt.Close(graceful)
		}
		proxy.Close(st.plan)
	}
	s.logs.reopen()
	s.errLogsMu.Lock()
	for _, lg := range s.errLogs {
		lg.Close()
	}
	s.errLogs = nil
	s.errLogsMu.Unlock()
}

// ReopenLogs reopens the access logs and the error logs of http, server and
// location blocks (the main error log is reopened by its owner).
func (s *Server) ReopenLogs() {
	s.logs.reopen()
	s.errLogsMu.Lock()
	defer s.errLogsMu.Unlock()
	for _, lg := range s.errLogs {
		if err := lg.Reopen(); err != nil {
			s.log.Log(errlog.Alert, nil, err.Error())
		}
	}
}

// openErrorLog opens the error log of an http, server or location block
// (config.Location.ErrorLogger): nil, with an alert in the main log, when
// a file cannot be opened, so that the main log takes its lines.
func (s *Server) openErrorLog(sinks []errlog.Sink) *errlog.Logger {
	key := fmt.Sprint(sinks)
	s.errLogsMu.Lock()
	defer s.errLogsMu.Unlock()
	if lg := s.errLogs[key]; lg != nil {
		return lg
	}
	lg, err := errlog.New(sinks)
	if err != nil {
		s.log.Log(errlog.Alert, nil, err.Error())
		return nil
	}
	s.log.Admit(lg.Min())
	if s.errLogs == nil {
		s.errLogs = map[string]*errlog.Logger{}
	}
	s.errLogs[key] = lg
	return lg
}

// Addrs returns the bound listener addresses (for tests).
func (s *Server) Addrs() []net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []net.Addr
	for _, l := range s.listeners {
		out = append(out, l.ln.Addr())
	}
	return out
}

// Capture runs a subrequest (phases.Hooks).
func (st *state) Capture(parent *phases.Request, sr *phases.SubRequest) *phases.SubResponse {
	return st.s.capture(st, parent, sr)
}

// Uninitialized logs nginx's warning for an unset user variable (phases.Hooks).
func (st *state) Uninitialized(r *phases.Request, name string) {
	st.s.logReq(r, errlog.Warn, `using uninitialized "`+name+`" variable`)
}

// acceptError logs a failed accept as nginx does: running out of file
// descriptors is "accept4() failed (24: Too many open files)" at [crit].
func (s *Server) acceptError(err error) {
	if errors.Is(err, syscall.EMFILE) {
		s.log.Log(errlog.Crit, nil, "accept4() failed (24: Too many open files)")
		return
	}
	s.log.Log(errlog.Crit, nil, "accept4() failed ("+err.Error()+")")
}
