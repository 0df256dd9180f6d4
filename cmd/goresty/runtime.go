package main

import (
	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/internal/errlog"
	"github.com/goresty/goresty/internal/luavm"
	"github.com/goresty/goresty/internal/proxy"
	"github.com/goresty/goresty/internal/server"
	"github.com/goresty/goresty/luaapi"
	"github.com/goresty/goresty/phases"
)

func goVersionTag() string { return phases.Version }

// newRuntime wires the Lua runtime into the server. luavm does not import
// luaapi: the API opener is passed in here.
func newRuntime(p *config.Plan, log *errlog.Logger) (server.Runtime, server.FilterRunner, error) {
	proxy.SetLogger(p, log)
	rt, err := luavm.New(p, log, luaapi.Open)
	if err != nil {
		return nil, nil, err
	}
	return rt, luavm.NewFilters(rt), nil
}
