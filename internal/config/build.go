package config

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/goresty/goresty/internal/errlog"
	"github.com/goresty/goresty/internal/nginxconf"
	"github.com/goresty/goresty/phases"
)

// Ctx is what a directive's setter sees: the plan being built and the
// configuration of the block the directive is in.
type Ctx struct {
	Plan *Plan
	Kind Context
	Loc  *Location // http, server, location or if configuration
	Srv  *Server   // the enclosing server, if any
	// deferred child blocks of the block being walked
	children []func() error
	seen     map[string]bool
}

// Options are the inputs of Build besides the syntax tree.
type Options struct {
	Prefix   string // ends with "/"
	ConfFile string // absolute path
	// Directives given with -g, parsed as main-context directives.
	Global []*nginxconf.Directive
}

// Load parses and builds the configuration file.
func Load(opts Options) (*Plan, error) {
	ds, err := nginxconf.ParseFile(opts.ConfFile)
	if err != nil {
		return nil, err
	}
	return Build(ds, opts)
}

// Build checks and applies every directive and returns the Plan.
func Build(ds []*nginxconf.Directive, opts Options) (*Plan, error) {
	p := &Plan{
		Prefix:            opts.Prefix,
		ConfFile:          opts.ConfFile,
		ConfDir:           filepath.Dir(opts.ConfFile) + "/",
		WorkerProcesses:   1,
		Daemon:            true,
		MasterProcess:     true,
		PidFile:           "logs/nginx.pid",
		WorkerConnections: 512,
		Env:               map[string]string{},
		Vars:              phases.NewVarTable(),
		Formats:           map[string]*LogFormat{},
		Ext:               map[string]any{},
	}
	p.HTTP = defaultLocation()
	// the default root is the prefix's html as it is: nginx compiles
	// variables only in a configured root (where a "$" in the prefix does
	// read as one)
	p.HTTP.Root = phases.Literal(opts.Prefix + "html")
	p.HTTP.RootRaw = opts.Prefix + "html"
	// nginx registers every "set" variable before compiling any value.
	declareSetVars(p.Vars, ds)
	declareMapVars(p.Vars, ds)
	p.Files = configFiles(opts.ConfFile, ds)
	c := &Ctx{Plan: p, Kind: CtxMain, Loc: p.HTTP}
	all := append(append([]*nginxconf.Directive{}, opts.Global...), ds...)
	if err := c.Walk(all); err != nil {
		return nil, err
	}
	checkAffinity(p)
	if len(p.ErrorLogs) == 0 {
		p.ErrorLogs = []errlog.Sink{{Path: p.Path("logs/error.log"), Level: errlog.Error}}
	}
	precompute(p)
	if err := finishServers(p); err != nil {
		return nil, err
	}
	for _, h := range p.Hooks {
		if err := h(p); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func defaultLocation() *Location {
	return &Location{
		Kind:          CtxHTTP,
		Root:          mustStatic("html"),
		RootRaw:       "html",
		DefaultType:   "text/plain",
		Types:         defaultTypes,
		ClientMaxBody: 1 << 20,
		ClientBodyBuf: 16 << 10,
		KeepaliveTO:   75e9,
		HeaderTO:      60e9,
		BodyTO:        60e9,
		SendTO:        60e9,
		KeepaliveReqs: 1000,
		ServerTokens:  true,
		LogNotFound:   true,
		Etag:          true,
		Index:         []*phases.Value{mustStatic("index.html")},
		Ext:           map[string]any{},
	}
}

func mustStatic(s string) *phases.Value {
	v, err := phases.NewVarTable().Compile(s)
	if err != nil {
		panic(err)
	}
	return v
}

func declareSetVars(t *phases.VarTable, ds []*nginxconf.Directive) {
	for _, d := range ds {
		if (d.Name == "set" || strings.HasPrefix(d.Name, "set_by_lua")) && len(d.Args) > 0 && strings.HasPrefix(d.Args[0], "$") {
			t.Declare(d.Args[0][1:])
		}
		if d.Block != nil {
			declareSetVars(t, d.Block)
		}
	}
}

// Path resolves a path relative to the prefix, as nginx does.
func (p *Plan) Path(s string) string {
	if s == "" || filepath.IsAbs(s) || s == "stderr" {
		return s
	}
	return p.Prefix + s
}

// ConfPath resolves a path relative to the configuration directory.
func (p *Plan) ConfPath(s string) string {
	if filepath.IsAbs(s) {
		return s
	}
	return p.ConfDir + s
}

// Walk applies the directives of one block; child blocks (server,
// location, if) are applied after the block's own directives, so that a
// child starts from its parent's complete configuration.
func (c *Ctx) Walk(ds []*nginxconf.Directive) error {
	saved := c.children
	c.children = nil
	c.seen = map[string]bool{}
	for _, d := range ds {
		if err := c.apply(d); err != nil {
			return err
		}
	}
	kids := c.children
	c.children = saved
	for _, k := range kids {
		if err := k(); err != nil {
			return err
		}
	}
	return nil
}

// Defer queues a child block to be walked after the current block.
func (c *Ctx) Defer(f func() error) { c.children = append(c.children, f) }

// Child returns a setter context for a child block.
func (c *Ctx) Child(kind Context, loc *Location) *Ctx {
	return &Ctx{Plan: c.Plan, Kind: kind, Loc: loc, Srv: c.Srv}
}

func (c *Ctx) apply(d *nginxconf.Directive) error {
	s := registry[d.Name]
	if s == nil {
		return Errorf(d, `unknown directive "%s"`, d.Name)
	}
	if s.Ctx&c.Kind == 0 {
		return Errorf(d, `"%s" directive is not allowed here`, d.Name)
	}
	if s.Block && !d.IsBlock() {
		return Errorf(d, `directive "%s" has no opening "{"`, d.Name)
	}
	if !s.Block && d.IsBlock() {
		return Errorf(d, `directive "%s" is not terminated by ";"`, d.Name)
	}
	if !s.Args.accepts(len(d.Args)) {
		return Errorf(d, `invalid number of arguments in "%s" directive`, d.Name)
	}
	if s.Once {
		if c.seen[d.Name] {
			return Errorf(d, `"%s" directive is duplicate`, d.Name)
		}
		c.seen[d.Name] = true
	}
	if s.Set == nil {
		return nil
	}
	return s.Set(c, d)
}

// Compile compiles a complex value with the directive's position on error.
func (c *Ctx) Compile(d *nginxconf.Directive, s string) (*phases.Value, error) {
	v, err := c.Plan.Vars.Compile(s)
	var unknown *phases.UnknownVarError
	if errors.As(err, &unknown) {
		// nginx finds unknown variables after the whole file is read, and
		// says so without a position
		return nil, &Error{Msg: err.Error()}
	}
	if err != nil {
		return nil, Errorf(d, "%s", err.Error())
	}
	return v, nil
}

func numCPU() int { return runtime.NumCPU() }

func getenv(k string) string { return os.Getenv(k) }

// precompute fills values derived from a location's final configuration.
func precompute(p *Plan) {
	var walk func(l *Location)
	seen := map[*Location]bool{}
	walk = func(l *Location) {
		if l == nil || seen[l] {
			return
		}
		seen[l] = true
		l.defaultTypeHdr = []string{l.DefaultType}
		if l.Tree != nil {
			for _, c := range l.Tree.Exact {
				walk(c)
			}
			for _, c := range l.Tree.Prefix {
				walk(c)
			}
			for _, c := range l.Tree.Regex {
				walk(c)
			}
		}
		for _, op := range l.Script {
			if op.Loc != nil {
				walk(op.Loc)
			}
		}
	}
	walk(p.HTTP)
	for _, s := range p.Servers {
		walk(s.Conf)
		for _, n := range s.Named {
			walk(n)
		}
	}
}

// configFiles lists the main file and every included file, once each.
func configFiles(main string, ds []*nginxconf.Directive) []string {
	seen := map[string]bool{main: true}
	out := []string{main}
	var walk func([]*nginxconf.Directive)
	walk = func(ds []*nginxconf.Directive) {
		for _, d := range ds {
			if d.File != "" && !seen[d.File] {
				seen[d.File] = true
				out = append(out, d.File)
			}
			walk(d.Block)
		}
	}
	walk(ds)
	return out
}
