package config

import (
	"net"
	"regexp"
	"sync"
	"time"

	"github.com/goresty/goresty/internal/errlog"
	"github.com/goresty/goresty/phases"
)

// Plan is a built configuration. It is immutable once Build returns; the
// server runs requests against the Plan they started with.
type Plan struct {
	Prefix   string // with a trailing slash
	ConfFile string // absolute
	ConfDir  string

	WorkerProcesses int
	Daemon          bool
	MasterProcess   bool
	PidFile         string
	ErrorLogs       []errlog.Sink
	Env             map[string]string // env directives with values; "" keeps the inherited value
	EnvNames        []string

	WorkerConnections int

	// CPUAffinity is worker_cpu_affinity; nil when not set.
	CPUAffinity *CPUAffinity
	// Warnings are nginx's [warn] messages about the configuration
	// (without a position, as nginx gives none); the command prints them.
	Warnings []string

	// AutoReload is "auto_reload on" (a goresty extension): reload when a
	// file of Files changes.
	AutoReload bool
	// Files are the configuration files read and the Lua files the
	// configuration names.
	Files []string

	HTTP    *Location // http-level configuration (defaults for servers)
	Servers []*Server
	// Listens groups servers by listen address, in configuration order.
	Listens []*ListenGroup
	Vars    *phases.VarTable
	Formats map[string]*LogFormat

	// RewriteNoPostpone and AccessNoPostpone are rewrite_by_lua_no_postpone
	// and access_by_lua_no_postpone: the Lua handlers of the rewrite (access)
	// phase run before the rewrite module's directives (allow/deny) instead
	// of after them.
	RewriteNoPostpone bool
	AccessNoPostpone  bool

	// Ext holds module-level data (the Lua runtime's main configuration...).
	Ext map[string]any
	// Hooks run after the whole configuration is built (e.g. to compile Lua).
	Hooks []func(p *Plan) error
}

// ListenGroup is one listening socket and the servers on it.
type ListenGroup struct {
	Addr    string // "127.0.0.1:8080", "[::]:80", "unix:/path"
	Network string // "tcp" or "unix"
	Servers []*Server
	Default *Server
	Backlog int
	Reuse   bool
	Listen  *Listen
}

// Listen is one "listen" directive.
type Listen struct {
	Addr          string
	Network       string
	DefaultServer bool
	Backlog       int
	ReusePort     bool
	File          string // where the directive is, for errors found later
	Line          int
}

// Server is a virtual server.
type Server struct {
	Listens []*Listen
	// Names in configuration order; Exact etc. are the lookup tables.
	Names    []string
	Exact    map[string]bool
	WildHead []string // "*.example.com" stored as ".example.com"
	WildTail []string // "www.example.*" stored as "www.example."
	Regex    []*NameRegex
	Conf     *Location // server-level configuration (server rewrite script)
	Tree     *LocTree
	Named    map[string]*Location
	File     string
	Line     int
}

// NameRegex is a "~regex" server name.
type NameRegex struct {
	Re  *regexp.Regexp
	Raw string
}

// LocTree is the set of locations directly inside a server or location.
type LocTree struct {
	Exact   map[string]*Location
	Prefix  []*Location // longest first
	Regex   []*Location // configuration order
	hasNest bool
}

// AddHeader is an "add_header" directive.
type AddHeader struct {
	Name   string
	Value  *phases.Value
	Always bool
}

// AccessRule is an "allow" or "deny" directive.
type AccessRule struct {
	Allow bool
	All   bool
	Net   *net.IPNet
}

// ErrorPage maps a status to a URI (or @name) with an optional new status.
type ErrorPage struct {
	URI       *phases.Value
	Status    int  // response status; 0 keeps the original
	Overwrite bool // "=code" given (or "=" alone: the target's status)
	Redirect  bool // the URI is absolute: 302 to it
}

// TryFiles is a "try_files" directive.
type TryFiles struct {
	Files []*phases.Value
	Dirs  []bool        // the entry was written with a trailing "/": it must be a directory
	Last  *phases.Value // the fallback: a URI or @name
	Code  int           // the fallback "=code"; 0 for none
}

// AccessLog is one access_log destination.
type AccessLog struct {
	Path   string
	Format *LogFormat
}

// LogFormat is a compiled log_format.
type LogFormat struct {
	Name   string
	Value  *phases.Value
	Escape int // phases.EscapeDefault, EscapeJSON or EscapeNone
}

// Handler runs in a phase. It returns Continue, Done, or a status to
// finish the request with (an error page is sent when nothing was).
type Handler interface {
	Handle(r *phases.Request) int
}

// Handler results.
const (
	Continue = 0
	Done     = -1 // the response is complete; run no more phases
	Declined = -5 // try the next handler of the phase
	Abort    = -6 // the handler failed after the headers were sent: cut the response short
)

// Location is the configuration of an http, server, location or "if"
// block. Child blocks start as a copy of their parent's configuration
// (nginx's merge), then apply their own directives.
type Location struct {
	Kind    Context
	Pattern string
	Mod     string // "", "=", "^~", "~", "~*", "@"
	Re      *regexp.Regexp
	Parent  *Location
	Tree    *LocTree
	File    string
	Line    int

	Internal bool

	// inherited settings
	Root           *phases.Value
	RootRaw        string
	Alias          bool
	Index          []*phases.Value
	DefaultType    string
	Types          map[string]string
	ClientMaxBody  int64
	ClientBodyBuf  int64
	ClientBodyTemp string
	KeepaliveTO    time.Duration
	HeaderTO       time.Duration // client_header_timeout
	BodyTO         time.Duration // client_body_timeout
	SendTO         time.Duration // send_timeout
	KeepaliveReqs  int
	AddHeaders     []*AddHeader
	Expires        *Expires
	Access         []*AccessRule
	SatisfyAny     bool    // "satisfy any": one access check that allows is enough
	RealIP         *RealIP // set_real_ip_from, real_ip_header, real_ip_recursive
	ErrorPages     map[int]*ErrorPage
	ServerTokens   bool
	// ErrorLogs are the files of error_log given in http, server or
	// location (nil: the main error log takes the requests' lines)
	ErrorLogs []errlog.Sink
	errLog    *locErrorLog
	// Charset is "charset" ("": off); CharsetTypes is "charset_types"
	// (lower case; nil: nginx's default list; "*": any type)
	Charset         string
	CharsetTypes    map[string]bool
	AccessLogs      []*AccessLog
	AccessLogOff    bool
	LogNotFound     bool
	Etag            bool
	IfModifiedSince string
	Sendfile        bool
	RecursiveErrors bool
	// RelativeRedirect is "absolute_redirect off".
	RelativeRedirect bool
	Handlers         [phases.NumPhases][]Handler

	// not inherited
	Script   []Op
	Content  Handler
	TryFiles *TryFiles

	Ext map[string]any
	// Lua is the Lua runtime's configuration of the location (its
	// *luavm.LocConf), beside Ext because every request with Lua reads
	// it, several times; Clone gives a child block a CloneExt of it.
	Lua   any
	owned map[string]bool // which inherited slices/maps this level has copied

	defaultTypeHdr []string
}

// Expires is an "expires" directive.
type Expires struct {
	Off      bool
	Epoch    bool
	Max      bool
	Modified bool
	D        time.Duration
}

// Clone returns the child configuration of l (before the child's directives apply).
func (l *Location) Clone(kind Context) *Location {
	c := *l
	c.Kind = kind
	c.Parent = l
	c.Pattern, c.Mod, c.Re, c.Tree = "", "", nil, nil
	c.Internal = false
	c.Script, c.Content, c.TryFiles = nil, nil, nil
	c.owned = nil
	if kind == CtxLocIf || kind == CtxSrvIf {
		// an "if" block keeps its location's content handler
		c.Content = l.Content
	}
	c.Ext = make(map[string]any, len(l.Ext))
	for k, v := range l.Ext {
		if cl, ok := v.(interface{ CloneExt() any }); ok {
			v = cl.CloneExt()
		}
		c.Ext[k] = v
	}
	if cl, ok := l.Lua.(interface{ CloneExt() any }); ok {
		c.Lua = cl.CloneExt()
	}
	return &c
}

// Own reports whether key was already replaced at this level, and marks it:
// list directives (add_header, allow/deny, error_page...) are inherited only
// when the child level has none of its own.
func (l *Location) Own(key string) bool {
	if l.owned[key] {
		return true
	}
	if l.owned == nil {
		l.owned = map[string]bool{}
	}
	l.owned[key] = true
	return false
}

// locErrorLog is the logger of one error_log setting, opened at first use
// and shared by the locations that inherit it.
type locErrorLog struct {
	once sync.Once
	lg   *errlog.Logger
}

// ErrorLogger returns the logger of the location's error_log files, opened
// by open the first time (nil when there are none or they cannot be
// opened: the main error log then takes the lines).
func (l *Location) ErrorLogger(open func([]errlog.Sink) *errlog.Logger) *errlog.Logger {
	if l.errLog == nil {
		return nil
	}
	l.errLog.once.Do(func() { l.errLog.lg = open(l.ErrorLogs) })
	return l.errLog.lg
}

// DefaultTypeHdr is default_type as a header value, shared (never modify it).
func (l *Location) DefaultTypeHdr() []string {
	if len(l.defaultTypeHdr) == 0 || l.defaultTypeHdr[0] != l.DefaultType {
		return []string{l.DefaultType}
	}
	return l.defaultTypeHdr
}

// Named reports whether l is a named (@name) location.
func (l *Location) Named() bool { return l.Mod == "@" }
