package luavm

import (
	"fmt"
	"strings"
	"time"

	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/internal/nginxconf"
	"github.com/goresty/goresty/phases"
)

// MainConf is the http-level Lua configuration of a Plan.
type MainConf struct {
	PackagePath  string
	PackageCPath string
	Init         *Chunk
	InitWorker   *Chunk
	ExitWorker   *Chunk
	CodeCache    bool
	// CodeCacheOffAt is where "lua_code_cache off" was written.
	CodeCacheOffAt string
	MaxRunTime     time.Duration
	SharedDicts    []SharedDict
	MaxPending     int
	MaxRunning     int
	RegexCache     int
	RegexLimit     int
	// ExtraPhases lets cosockets run where OpenResty refuses them.
	Settings map[string]string
}

// SharedDict is a lua_shared_dict directive.
type SharedDict struct {
	Name string
	Size int64
	File string
	Line int
}

// LocConf is the per-location Lua configuration (Location.Lua).
type LocConf struct {
	Settings map[string]string // lua_socket_* and other per-location knobs

	// The on/off knobs read on every request, kept in step with Settings
	// by set (a map lookup each was ~2% of a hello request); the zero
	// value is each directive's default.
	NoHTTP10Buffering      bool // lua_http10_buffering off
	NoDefaultType          bool // lua_use_default_type off
	NoTransformUnderscores bool // lua_transform_underscores_in_response_headers off
	CheckClientAbort       bool // lua_check_client_abort on
	NeedBody               bool // lua_need_request_body on
}

// set records a per-location setting.
func (c *LocConf) set(name, v string) {
	c.Settings[name] = v
	switch name {
	case "lua_http10_buffering":
		c.NoHTTP10Buffering = v == "off"
	case "lua_use_default_type":
		c.NoDefaultType = v == "off"
	case "lua_transform_underscores_in_response_headers":
		c.NoTransformUnderscores = v == "off"
	case "lua_check_client_abort":
		c.CheckClientAbort = v == "on"
	case "lua_need_request_body":
		c.NeedBody = v == "on"
	}
}

// CloneExt copies the configuration for a child block.
func (c *LocConf) CloneExt() any {
	n := *c
	n.Settings = make(map[string]string, len(c.Settings))
	for k, v := range c.Settings {
		n.Settings[k] = v
	}
	return &n
}

const extKey = "lua"

func mainConf(p *config.Plan) *MainConf {
	if mc, ok := p.Ext[extKey].(*MainConf); ok {
		return mc
	}
	mc := &MainConf{CodeCache: true, MaxRunTime: 10 * time.Second, MaxPending: 1024, MaxRunning: 256,
		RegexCache: 1024, Settings: map[string]string{}}
	p.Ext[extKey] = mc
	return mc
}

// Loc returns the Lua configuration of a location. It never changes the
// (shared, immutable) configuration: a location without one gets an empty one.
func Loc(l *config.Location) *LocConf {
	if c, ok := l.Lua.(*LocConf); ok {
		return c
	}
	return emptyLoc
}

var emptyLoc = &LocConf{Settings: map[string]string{}}

// locConf returns the Lua configuration of a location being built, making it.
func locConf(l *config.Location) *LocConf {
	if c, ok := l.Lua.(*LocConf); ok {
		return c
	}
	c := &LocConf{Settings: map[string]string{}}
	l.Lua = c
	return c
}

// chunkName is the name OpenResty gives inline code: "content_by_lua(nginx.conf:42)".
// The file is named as nginx names it, relative to the directory of the main
// configuration file when it is inside it ("conf.d/site.conf"), else in full;
// a name too long is cut as nginx cuts it ("content_by_lua(...d/site.conf:3)").
func chunkName(d *nginxconf.Directive, confDir string) string {
	base := strings.TrimSuffix(strings.TrimSuffix(d.Name, "_block"), "_no_postpone")
	line := d.Line
	if d.Lua != nil && d.LuaLine > 0 {
		line = d.LuaLine
	}
	file := d.File
	if confDir != "" && strings.HasPrefix(file, confDir) {
		file = file[len(confDir):]
	}
	// like LuaJIT's source names, a chunk name fits in 59 bytes (LUA_IDSIZE):
	// a longer file name keeps its end, after "..."
	tail := fmt.Sprintf(":%d)", line)
	if n := len(base) + 1 + len(file) + len(tail); n > 59 {
		if keep := 59 - len(base) - 1 - 3 - len(tail); keep > 0 && keep < len(file) {
			file = "..." + file[len(file)-keep:]
		}
	}
	return base + "(" + file + tail
}

// chunkOf compiles the code of a *_by_lua, *_by_lua_block or *_by_lua_file directive.
func chunkOf(c *config.Ctx, d *nginxconf.Directive) (*Chunk, error) {
	mc := mainConf(c.Plan)
	switch {
	case d.Lua != nil:
		ch, err := NewInlineChunk(chunkName(d, c.Plan.ConfDir), *d.Lua)
		if err != nil {
			return nil, config.Errorf(d, "failed to load inlined Lua code: %s", err.Error())
		}
		return ch, nil
	case strings.HasSuffix(d.Name, "_file"):
		path := d.Args[len(d.Args)-1]
		if strings.Contains(path, "$") {
			return nil, config.Errorf(d, "variables in %s paths are not supported by goresty", d.Name)
		}
		path = c.Plan.Path(path)
		c.Plan.Files = append(c.Plan.Files, path)
		ch, err := NewFileChunk(path, !mc.CodeCache)
		if err != nil {
			return nil, config.Errorf(d, "%s", err.Error())
		}
		return ch, nil
	default:
		src := d.Args[len(d.Args)-1]
		ch, err := NewInlineChunk(chunkName(d, c.Plan.ConfDir), src)
		if err != nil {
			return nil, config.Errorf(d, "failed to load inlined Lua code: %s", err.Error())
		}
		return ch, nil
	}
}

func phaseDirective(name string, ctx config.Context, ph phases.Phase) []*config.Spec {
	set := func(c *config.Ctx, d *nginxconf.Directive) error {
		if c.Loc.Own("lua:" + name) {
			return duplicate(d)
		}
		ch, err := chunkOf(c, d)
		if err != nil {
			return err
		}
		h := &PhaseHandler{Chunk: ch, Phase: ph}
		if ph == phases.Content {
			c.Loc.Content = h
			return nil
		}
		// a level's own handler replaces the inherited one
		c.Loc.Handlers[ph] = []config.Handler{h}
		return nil
	}
	return []*config.Spec{
		{Name: name, Ctx: ctx, Args: config.Take1, Set: set},
		{Name: name + "_block", Ctx: ctx, Args: config.NoArgs, Block: true, Set: set},
		{Name: name + "_file", Ctx: ctx, Args: config.Take1, Set: set},
	}
}

func mainChunk(which func(*MainConf) **Chunk) func(*config.Ctx, *nginxconf.Directive) error {
	return func(c *config.Ctx, d *nginxconf.Directive) error {
		ch, err := chunkOf(c, d)
		if err != nil {
			return err
		}
		p := which(mainConf(c.Plan))
		if *p != nil {
			return duplicate(d)
		}
		*p = ch
		return nil
	}
}

// duplicate is lua-nginx-module's error for a second handler in one block:
// its *_by_lua_block reader prints the handler's bare "is duplicate".
func duplicate(d *nginxconf.Directive) error {
	if d.Lua != nil {
		return config.Errorf(d, "is duplicate")
	}
	return config.Errorf(d, `"%s" directive is duplicate`, d.Name)
}

func mainDirective(name string, which func(*MainConf) **Chunk) []*config.Spec {
	set := mainChunk(which)
	return []*config.Spec{
		{Name: name, Ctx: config.CtxHTTP, Args: config.Take1, Set: set},
		{Name: name + "_block", Ctx: config.CtxHTTP, Args: config.NoArgs, Block: true, Set: set},
		{Name: name + "_file", Ctx: config.CtxHTTP, Args: config.Take1, Set: set},
	}
}
