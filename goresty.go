// Package goresty embeds the goresty server (OpenResty rebuilt in Go) in a
// Go program: start it from an nginx.conf, and give its Lua code Go
// functions as modules, goresty's answer to LuaJIT's FFI.
//
//	goresty.RegisterModule("zlib", openZlib)
//	srv, err := goresty.Start("/srv/app/", "conf/nginx.conf")
//	...
//	srv.Stop(true)
package goresty

import (
	"net"
	"path/filepath"
	"strings"

	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/internal/errlog"
	"github.com/goresty/goresty/internal/luavm"
	"github.com/goresty/goresty/internal/proxy"
	"github.com/goresty/goresty/internal/server"
	"github.com/goresty/goresty/luaapi"
	lua "github.com/yuin/gopher-lua"
)

// RegisterModule makes require(name) return what loader pushes, in every
// Lua VM started afterwards. loader runs once per VM.
func RegisterModule(name string, loader lua.LGFunction) { luaapi.RegisterModule(name, loader) }

// Server is a running goresty instance.
type Server struct {
	opts config.Options
	srv  *server.Server
	log  *errlog.Logger
}

// Start reads confFile (relative to prefix unless absolute) and serves it.
func Start(prefix, confFile string) (*Server, error) {
	prefix, err := filepath.Abs(prefix)
	if err != nil {
		return nil, err
	}
	prefix = strings.TrimSuffix(prefix, "/") + "/"
	if !filepath.IsAbs(confFile) {
		confFile = prefix + confFile
	}
	opts := config.Options{Prefix: prefix, ConfFile: confFile}
	p, err := config.Load(opts)
	if err != nil {
		return nil, err
	}
	log, err := errlog.New(p.ErrorLogs)
	if err != nil {
		return nil, err
	}
	s := server.New(server.Options{Log: log, NewRuntime: newRuntime})
	if err := s.Start(p); err != nil {
		s.Shutdown(false)
		log.Close()
		return nil, err
	}
	return &Server{opts: opts, srv: s, log: log}, nil
}

func newRuntime(p *config.Plan, log *errlog.Logger) (server.Runtime, server.FilterRunner, error) {
	proxy.SetLogger(p, log)
	rt, err := luavm.New(p, log, luaapi.Open)
	if err != nil {
		return nil, nil, err
	}
	return rt, luavm.NewFilters(rt), nil
}

// Addrs returns the addresses the server listens on.
func (s *Server) Addrs() []net.Addr { return s.srv.Addrs() }

// Reload re-reads the configuration; on error the old one keeps serving.
func (s *Server) Reload() error {
	p, err := config.Load(s.opts)
	if err != nil {
		return err
	}
	return s.srv.Reload(p)
}

// Stop stops serving; graceful lets requests in flight finish.
func (s *Server) Stop(graceful bool) {
	s.srv.Shutdown(graceful)
	s.log.Close()
}
