package luavm

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/internal/nginxconf"
	"github.com/goresty/goresty/phases"
)

func init() {
	const (
		http  = config.CtxHTTP
		all   = config.CtxHTTP | config.CtxServer | config.CtxLocation
		locIf = config.CtxHTTP | config.CtxServer | config.CtxLocation | config.CtxLocIf
		srvs  = config.CtxServer | config.CtxSrvIf | config.CtxLocation | config.CtxLocIf
	)
	var specs []*config.Spec
	specs = append(specs, mainDirective("init_by_lua", func(m *MainConf) **Chunk { return &m.Init })...)
	specs = append(specs, mainDirective("init_worker_by_lua", func(m *MainConf) **Chunk { return &m.InitWorker })...)
	specs = append(specs, mainDirective("exit_worker_by_lua", func(m *MainConf) **Chunk { return &m.ExitWorker })...)
	specs = append(specs, phaseDirective("server_rewrite_by_lua", http|config.CtxServer, phases.ServerRewrite)...)
	specs = append(specs, phaseDirective("rewrite_by_lua", locIf, phases.Rewrite)...)
	specs = append(specs, phaseDirective("access_by_lua", locIf, phases.Access)...)
	specs = append(specs, phaseDirective("content_by_lua", config.CtxLocation|config.CtxLocIf, phases.Content)...)
	specs = append(specs, phaseDirective("header_filter_by_lua", locIf, phases.HeaderFilter)...)
	specs = append(specs, phaseDirective("body_filter_by_lua", locIf, phases.BodyFilter)...)
	specs = append(specs, phaseDirective("log_by_lua", locIf, phases.Log)...)
	specs = append(specs, setByLua(srvs)...)
	specs = append(specs,
		&config.Spec{Name: "lua_package_path", Ctx: http, Args: config.Take1, Set: func(c *config.Ctx, d *nginxconf.Directive) error {
			mainConf(c.Plan).PackagePath = d.Args[0]
			return nil
		}},
		&config.Spec{Name: "lua_package_cpath", Ctx: http, Args: config.Take1, Set: func(c *config.Ctx, d *nginxconf.Directive) error {
			mainConf(c.Plan).PackageCPath = d.Args[0]
			return nil
		}},
		&config.Spec{Name: "lua_code_cache", Ctx: all, Args: config.Flag, Set: func(c *config.Ctx, d *nginxconf.Directive) error {
			on, err := config.FlagValue(d)
			if err != nil {
				return err
			}
			mainConf(c.Plan).CodeCache = on
			if !on {
				mainConf(c.Plan).CodeCacheOffAt = fmt.Sprintf("%s:%d", d.File, d.Line)
			}
			return nil
		}},
		&config.Spec{Name: "lua_max_run_time", Ctx: http, Args: config.Take1, Set: func(c *config.Ctx, d *nginxconf.Directive) error {
			if d.Args[0] == "off" || d.Args[0] == "0" {
				mainConf(c.Plan).MaxRunTime = 0
				return nil
			}
			t, ok := config.ParseTime(d.Args[0], time.Second)
			if !ok {
				return config.Errorf(d, `invalid value "%s" in "%s" directive`, d.Args[0], d.Name)
			}
			mainConf(c.Plan).MaxRunTime = t
			return nil
		}},
		&config.Spec{Name: "lua_shared_dict", Ctx: http, Args: config.Take2, Set: setSharedDict},
		intMain("lua_max_pending_timers", func(m *MainConf, n int) { m.MaxPending = n }),
		intMain("lua_max_running_timers", func(m *MainConf, n int) { m.MaxRunning = n }),
		intMain("lua_regex_cache_max_entries", func(m *MainConf, n int) { m.RegexCache = n }),
		intMain("lua_regex_match_limit", func(m *MainConf, n int) { m.RegexLimit = n }),
	)
	// per-location knobs, kept for the APIs that read them
	for _, n := range []string{"lua_socket_connect_timeout", "lua_socket_send_timeout", "lua_socket_read_timeout",
		"lua_socket_buffer_size", "lua_socket_pool_size", "lua_socket_keepalive_timeout", "lua_socket_log_errors",
		"lua_ssl_trusted_certificate", "lua_ssl_verify_depth", "lua_need_request_body",
		"lua_transform_underscores_in_response_headers", "lua_use_default_type", "lua_check_client_abort",
		"lua_http10_buffering", "lua_ssl_protocols",
		"lua_ssl_ciphers", "lua_socket_send_lowat", "lua_cosocket_in_all_phases"} {
		specs = append(specs, setting(n, all))
	}
	specs = append(specs,
		noPostpone("rewrite_by_lua_no_postpone", func(p *config.Plan) *bool { return &p.RewriteNoPostpone }),
		noPostpone("access_by_lua_no_postpone", func(p *config.Plan) *bool { return &p.AccessNoPostpone }))
	for _, n := range []string{"lua_malloc_trim", "lua_thread_cache_max_entries", "lua_sa_restart", "lua_load_resty_core",
		"lua_capture_error_log", "lua_worker_thread_vm_pool_size"} {
		specs = append(specs, &config.Spec{Name: n, Ctx: http, Args: config.Take1, Set: func(*config.Ctx, *nginxconf.Directive) error { return nil }})
	}
	for _, n := range []string{"ssl_certificate_by_lua", "ssl_session_fetch_by_lua", "ssl_session_store_by_lua",
		"ssl_client_hello_by_lua", "balancer_by_lua"} {
		name := n
		unsupported := func(c *config.Ctx, d *nginxconf.Directive) error {
			return config.Errorf(d, `"%s" directive is not supported by goresty yet`, d.Name)
		}
		specs = append(specs,
			&config.Spec{Name: name + "_block", Ctx: all | config.CtxUpstream, Args: config.NoArgs, Block: true, Set: unsupported},
			&config.Spec{Name: name + "_file", Ctx: all | config.CtxUpstream, Args: config.Take1, Set: unsupported})
	}
	config.Register(specs...)
}

// noPostpone is an http-level flag that moves a phase's Lua handler ahead
// of the phase's nginx directives.
func noPostpone(name string, flag func(*config.Plan) *bool) *config.Spec {
	return &config.Spec{Name: name, Ctx: config.CtxHTTP, Args: config.Flag, Set: func(c *config.Ctx, d *nginxconf.Directive) error {
		on, err := config.FlagValue(d)
		if err != nil {
			return err
		}
		*flag(c.Plan) = on
		return nil
	}}
}

func intMain(name string, set func(*MainConf, int)) *config.Spec {
	return &config.Spec{Name: name, Ctx: config.CtxHTTP, Args: config.Take1, Set: func(c *config.Ctx, d *nginxconf.Directive) error {
		n, err := strconv.Atoi(d.Args[0])
		if err != nil || n < 0 {
			return config.Errorf(d, `"%s" directive invalid number`, d.Name)
		}
		set(mainConf(c.Plan), n)
		return nil
	}}
}

// settingKinds says how each per-location setting's value is checked.
var settingKinds = map[string]string{
	"lua_socket_connect_timeout": "time", "lua_socket_send_timeout": "time", "lua_socket_read_timeout": "time",
	"lua_socket_keepalive_timeout": "time", "lua_socket_buffer_size": "size", "lua_socket_pool_size": "number",
	"lua_socket_log_errors": "flag", "lua_ssl_verify_depth": "number", "lua_need_request_body": "flag",
	"lua_transform_underscores_in_response_headers": "flag", "lua_use_default_type": "flag",
	"lua_check_client_abort": "flag", "lua_http10_buffering": "flag", "lua_cosocket_in_all_phases": "flag", "lua_socket_send_lowat": "size",
}

// checkSetting validates a setting's value as nginx would.
func checkSetting(d *nginxconf.Directive) error {
	v := d.Args[0]
	switch settingKinds[d.Name] {
	case "time":
		if _, ok := config.ParseTime(v, time.Second); !ok || len(d.Args) > 1 {
			return config.Errorf(d, `"%s" directive invalid value`, d.Name)
		}
	case "size":
		if _, ok := config.ParseSize(v); !ok || len(d.Args) > 1 {
			return config.Errorf(d, `"%s" directive invalid value`, d.Name)
		}
	case "number":
		if n, err := strconv.Atoi(v); err != nil || n < 0 || len(d.Args) > 1 {
			return config.Errorf(d, `invalid number "%s" in "%s" directive`, v, d.Name)
		}
	case "flag":
		if len(d.Args) > 1 {
			return config.Errorf(d, `invalid number of arguments in "%s" directive`, d.Name)
		}
		if _, err := config.FlagValue(d); err != nil {
			return err
		}
	}
	return nil
}

func setting(name string, ctx config.Context) *config.Spec {
	return &config.Spec{Name: name, Ctx: ctx, Args: config.Take12, Set: func(c *config.Ctx, d *nginxconf.Directive) error {
		if err := checkSetting(d); err != nil {
			return err
		}
		v := strings.Join(d.Args, " ")
		if c.Kind == config.CtxHTTP {
			mainConf(c.Plan).Settings[name] = v
		}
		locConf(c.Loc).set(name, v)
		return nil
	}}
}
