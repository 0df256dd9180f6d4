package main

import (
	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/internal/errlog"
	"github.com/goresty/goresty/internal/server"
	"github.com/goresty/goresty/phases"
)

func goVersionTag() string { return phases.Version }

// newRuntime wires the Lua runtime into the server.
func newRuntime(p *config.Plan, log *errlog.Logger) (server.Runtime, server.FilterRunner, error) {
	return nil, nil, nil
}
