package luaapi

import (
	"os"
	"strings"

	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/luaapi/stdlib"
	"github.com/goresty/goresty/phases"
)

func init() { register(openEnviron) }

// openEnviron gives Lua nginx's process setting: io.stderr writes to the
// error log, and the environments: init_by_lua runs before
// nginx clears its environment, so it sees goresty's own (with the "env"
// directives' values); every later phase sees only TZ and the variables
// "env" names, which also go to the commands of os.execute and io.popen.
func openEnviron(a *api) {
	if a.w.RT == nil || a.w.RT.Plan == nil {
		return
	}
	if a.w.RT.Log != nil {
		stdlib.SetStderr(a.L, a.w.RT.Log)
	}
	full, worker := environs(a.w.RT.Plan, os.Environ())
	stdlib.SetEnviron(a.L, func() []string {
		if a.phase() == phases.Init {
			return full
		}
		return worker
	})
}

// environs are the environment of init_by_lua and that of the workers,
// made from the process's environment env and p's "env" directives.
func environs(p *config.Plan, env []string) (full, worker []string) {
	lookup := func(name string) (string, bool) {
		for _, kv := range env {
			if k, v, ok := strings.Cut(kv, "="); ok && k == name {
				return v, true
			}
		}
		return "", false
	}
	set := map[string]string{}
	var names []string
	add := func(k, v string) {
		if _, dup := set[k]; !dup {
			names = append(names, k)
		}
		set[k] = v
	}
	if tz, ok := lookup("TZ"); ok {
		add("TZ", tz)
	}
	for _, k := range p.EnvNames {
		// Env holds the value given, or the inherited one ("" either way
		// when unset: such a variable stays unset)
		if v := p.Env[k]; v != "" {
			add(k, v)
		} else if v, ok := lookup(k); ok {
			add(k, v)
		}
	}
	for _, k := range names {
		worker = append(worker, k+"="+set[k])
	}
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); set[k] == "" {
			full = append(full, kv)
		}
	}
	return append(full, worker...), worker
}
