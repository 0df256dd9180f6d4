package config

import (
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/goresty/goresty/internal/errlog"
	"github.com/goresty/goresty/internal/nginxconf"
	"github.com/goresty/goresty/phases"
)

// accepted is a setter for directives that have no effect in goresty
// (their job is done by the Go runtime or they are tuning knobs).
func accepted(*Ctx, *nginxconf.Directive) error { return nil }

func init() {
	const http3 = CtxHTTPAll
	const locIf = CtxLocation | CtxLocIf
	Register(
		// main
		&Spec{Name: "worker_processes", Ctx: CtxMain, Args: Take1, Once: true, Set: setWorkerProcesses},
		&Spec{Name: "daemon", Ctx: CtxMain, Args: Flag, Once: true, Set: func(c *Ctx, d *nginxconf.Directive) (err error) {
			c.Plan.Daemon, err = FlagValue(d)
			return
		}},
		&Spec{Name: "master_process", Ctx: CtxMain, Args: Flag, Once: true, Set: func(c *Ctx, d *nginxconf.Directive) (err error) {
			c.Plan.MasterProcess, err = FlagValue(d)
			return
		}},
		&Spec{Name: "auto_reload", Ctx: CtxMain, Args: Flag, Once: true, Set: func(c *Ctx, d *nginxconf.Directive) (err error) {
			c.Plan.AutoReload, err = FlagValue(d)
			return
		}},
		&Spec{Name: "pid", Ctx: CtxMain, Args: Take1, Once: true, Set: func(c *Ctx, d *nginxconf.Directive) error {
			c.Plan.PidFile = d.Args[0]
			return nil
		}},
		&Spec{Name: "error_log", Ctx: CtxMain | CtxHTTPAll, Args: OneMore, Set: setErrorLog},
		&Spec{Name: "env", Ctx: CtxMain, Args: Take1, Set: setEnv},
		&Spec{Name: "user", Ctx: CtxMain, Args: Take12, Once: true, Set: accepted},
		&Spec{Name: "worker_rlimit_core", Ctx: CtxMain, Args: Take1, Once: true, Set: accepted},
		&Spec{Name: "worker_rlimit_nofile", Ctx: CtxMain, Args: Take1, Once: true, Set: accepted},
		&Spec{Name: "worker_cpu_affinity", Ctx: CtxMain, Args: OneMore, Once: true, Set: setCPUAffinity},
		&Spec{Name: "worker_priority", Ctx: CtxMain, Args: Take1, Set: accepted},
		&Spec{Name: "worker_shutdown_timeout", Ctx: CtxMain, Args: Take1, Set: accepted},
		&Spec{Name: "timer_resolution", Ctx: CtxMain, Args: Take1, Set: accepted},
		&Spec{Name: "pcre_jit", Ctx: CtxMain, Args: Flag, Set: accepted},
		&Spec{Name: "load_module", Ctx: CtxMain, Args: Take1, Set: accepted},
		&Spec{Name: "events", Ctx: CtxMain, Args: NoArgs, Block: true, Once: true, Set: func(c *Ctx, d *nginxconf.Directive) error {
			return c.Child(CtxEvents, c.Loc).Walk(d.Block)
		}},
		// events
		&Spec{Name: "worker_connections", Ctx: CtxEvents, Args: Take1, Set: func(c *Ctx, d *nginxconf.Directive) error {
			n, err := strconv.Atoi(d.Args[0])
			if err != nil || n <= 0 {
				return Errorf(d, `invalid number "%s"`, d.Args[0])
			}
			c.Plan.WorkerConnections = n
			return nil
		}},
		&Spec{Name: "accept_mutex", Ctx: CtxEvents, Args: Flag, Set: flagOnly},
		&Spec{Name: "accept_mutex_delay", Ctx: CtxEvents, Args: Take1, Set: accepted},
		&Spec{Name: "multi_accept", Ctx: CtxEvents, Args: Flag, Set: flagOnly},
		&Spec{Name: "use", Ctx: CtxEvents, Args: Take1, Set: accepted},
		// http
		&Spec{Name: "http", Ctx: CtxMain, Args: NoArgs, Block: true, Once: true, Set: func(c *Ctx, d *nginxconf.Directive) error {
			return c.Child(CtxHTTP, c.Plan.HTTP).Walk(d.Block)
		}},
		&Spec{Name: "server", Ctx: CtxHTTP, Args: NoArgs, Block: true, Set: setServer},
		&Spec{Name: "location", Ctx: CtxServer | CtxLocation, Args: Take12, Block: true, Set: setLocation},
		&Spec{Name: "listen", Ctx: CtxServer, Args: OneMore, Set: setListen},
		&Spec{Name: "server_name", Ctx: CtxServer, Args: OneMore, Set: setServerName},
		&Spec{Name: "types", Ctx: http3, Args: NoArgs, Block: true, Set: setTypes},
		&Spec{Name: "default_type", Ctx: http3, Args: Take1, Set: func(c *Ctx, d *nginxconf.Directive) error {
			c.Loc.DefaultType = d.Args[0]
			return nil
		}},
		&Spec{Name: "root", Ctx: http3 | CtxLocIf, Args: Take1, Set: setRoot},
		&Spec{Name: "alias", Ctx: CtxLocation, Args: Take1, Set: setRoot},
		&Spec{Name: "index", Ctx: http3, Args: OneMore, Set: setIndex},
		&Spec{Name: "internal", Ctx: CtxLocation, Args: NoArgs, Set: func(c *Ctx, d *nginxconf.Directive) error {
			c.Loc.Internal = true
			return nil
		}},
		&Spec{Name: "try_files", Ctx: CtxServer | CtxLocation, Args: TwoMore, Set: setTryFiles},
		&Spec{Name: "error_page", Ctx: http3 | CtxLocIf, Args: TwoMore, Set: setErrorPage},
		&Spec{Name: "recursive_error_pages", Ctx: http3, Args: Flag, Set: func(c *Ctx, d *nginxconf.Directive) (err error) {
			c.Loc.RecursiveErrors, err = FlagValue(d)
			return
		}},
		&Spec{Name: "add_header", Ctx: http3 | CtxLocIf, Args: Take23, Set: setAddHeader},
		&Spec{Name: "expires", Ctx: http3 | CtxLocIf, Args: Take12, Set: setExpires},
		&Spec{Name: "satisfy", Ctx: http3, Args: Take1, Set: func(c *Ctx, d *nginxconf.Directive) error {
			switch d.Args[0] {
			case "all", "any":
				c.Loc.SatisfyAny = d.Args[0] == "any"
				return nil
			}
			return Errorf(d, `invalid value "%s"`, d.Args[0])
		}},
		&Spec{Name: "allow", Ctx: http3 | CtxLimitExcept, Args: Take1, Set: setAccess},
		&Spec{Name: "deny", Ctx: http3 | CtxLimitExcept, Args: Take1, Set: setAccess},
		&Spec{Name: "server_tokens", Ctx: http3, Args: Take1, Set: func(c *Ctx, d *nginxconf.Directive) error {
			c.Loc.ServerTokens = d.Args[0] != "off"
			return nil
		}},
		&Spec{Name: "client_max_body_size", Ctx: http3, Args: Take1, Set: sizeSetter(func(l *Location, n int64) { l.ClientMaxBody = n })},
		&Spec{Name: "client_body_buffer_size", Ctx: http3, Args: Take1, Set: sizeSetter(func(l *Location, n int64) { l.ClientBodyBuf = n })},
		&Spec{Name: "client_body_temp_path", Ctx: http3, Args: Take1234, Set: func(c *Ctx, d *nginxconf.Directive) error {
			c.Loc.ClientBodyTemp = c.Plan.Path(d.Args[0])
			return nil
		}},
		&Spec{Name: "keepalive_timeout", Ctx: http3, Args: Take12, Set: func(c *Ctx, d *nginxconf.Directive) error {
			t, ok := ParseTime(d.Args[0], time.Second)
			if !ok {
				return Errorf(d, `"%s" directive invalid value`, d.Name)
			}
			c.Loc.KeepaliveTO = t
			return nil
		}},
		&Spec{Name: "keepalive_requests", Ctx: http3, Args: Take1, Set: func(c *Ctx, d *nginxconf.Directive) error {
			n, err := strconv.Atoi(d.Args[0])
			if err != nil || n < 0 {
				return Errorf(d, `"%s" directive invalid number`, d.Name)
			}
			c.Loc.KeepaliveReqs = n
			return nil
		}},
		&Spec{Name: "absolute_redirect", Ctx: http3, Args: Flag, Set: func(c *Ctx, d *nginxconf.Directive) (err error) {
			var on bool
			on, err = FlagValue(d)
			c.Loc.RelativeRedirect = !on
			return
		}},
		&Spec{Name: "port_in_redirect", Ctx: http3, Args: Flag, Set: flagOnly},
		&Spec{Name: "server_name_in_redirect", Ctx: http3, Args: Flag, Set: flagOnly},
		&Spec{Name: "log_not_found", Ctx: http3, Args: Flag, Set: func(c *Ctx, d *nginxconf.Directive) (err error) {
			c.Loc.LogNotFound, err = FlagValue(d)
			return
		}},
		&Spec{Name: "etag", Ctx: http3, Args: Flag, Set: func(c *Ctx, d *nginxconf.Directive) (err error) {
			c.Loc.Etag, err = FlagValue(d)
			return
		}},
		&Spec{Name: "sendfile", Ctx: http3 | CtxLocIf, Args: Flag, Set: flagOnly},
		&Spec{Name: "tcp_nopush", Ctx: http3, Args: Flag, Set: flagOnly},
		&Spec{Name: "tcp_nodelay", Ctx: http3, Args: Flag, Set: flagOnly},
		&Spec{Name: "client_header_buffer_size", Ctx: CtxHTTP | CtxServer, Args: Take1, Set: sizeSetter(nil)},
		&Spec{Name: "large_client_header_buffers", Ctx: CtxHTTP | CtxServer, Args: Take2, Set: accepted},
		&Spec{Name: "client_header_timeout", Ctx: CtxHTTP | CtxServer, Args: Take1, Set: timeSetter(func(l *Location, t time.Duration) { l.HeaderTO = t })},
		&Spec{Name: "client_body_timeout", Ctx: http3, Args: Take1, Set: timeSetter(func(l *Location, t time.Duration) { l.BodyTO = t })},
		&Spec{Name: "send_timeout", Ctx: http3, Args: Take1, Set: timeSetter(func(l *Location, t time.Duration) { l.SendTO = t })},
		&Spec{Name: "reset_timedout_connection", Ctx: http3, Args: Flag, Set: flagOnly},
		&Spec{Name: "server_names_hash_bucket_size", Ctx: CtxHTTP, Args: Take1, Set: accepted},
		&Spec{Name: "server_names_hash_max_size", Ctx: CtxHTTP, Args: Take1, Set: accepted},
		&Spec{Name: "types_hash_max_size", Ctx: http3, Args: Take1, Set: accepted},
		&Spec{Name: "types_hash_bucket_size", Ctx: http3, Args: Take1, Set: accepted},
		&Spec{Name: "variables_hash_max_size", Ctx: CtxHTTP, Args: Take1, Set: accepted},
		&Spec{Name: "variables_hash_bucket_size", Ctx: CtxHTTP, Args: Take1, Set: accepted},
		&Spec{Name: "output_buffers", Ctx: http3, Args: Take2, Set: accepted},
		&Spec{Name: "postpone_output", Ctx: http3, Args: Take1, Set: accepted},
		&Spec{Name: "gzip", Ctx: http3 | CtxLocIf, Args: Flag, Set: flagOnly},
		&Spec{Name: "resolver", Ctx: http3, Args: OneMore, Set: func(c *Ctx, d *nginxconf.Directive) error {
			// kept for the Lua cosockets, which resolve names only with a resolver
			c.Loc.Ext["resolver"] = d.Args
			if c.Kind == CtxHTTP {
				c.Plan.Ext["resolver"] = d.Args
			}
			return nil
		}},
		&Spec{Name: "resolver_timeout", Ctx: http3, Args: Take1, Set: accepted},
		&Spec{Name: "underscores_in_headers", Ctx: CtxHTTP | CtxServer, Args: Flag, Set: flagOnly},
		&Spec{Name: "ignore_invalid_headers", Ctx: CtxHTTP | CtxServer, Args: Flag, Set: flagOnly},
		&Spec{Name: "merge_slashes", Ctx: CtxHTTP | CtxServer, Args: Flag, Set: flagOnly},
		&Spec{Name: "msie_padding", Ctx: http3, Args: Flag, Set: flagOnly},
		&Spec{Name: "if_modified_since", Ctx: http3, Args: Take1, Set: func(c *Ctx, d *nginxconf.Directive) error {
			c.Loc.IfModifiedSince = d.Args[0]
			return nil
		}},
		&Spec{Name: "access_log", Ctx: http3 | CtxLocIf, Args: OneMore, Set: setAccessLog},
		&Spec{Name: "log_format", Ctx: CtxHTTP, Args: TwoMore, Set: setLogFormat},
		// rewrite module
		&Spec{Name: "set", Ctx: CtxServer | CtxSrvIf | locIf, Args: Take2, Set: setSet},
		&Spec{Name: "return", Ctx: CtxServer | CtxSrvIf | locIf, Args: Take12, Set: setReturn},
		&Spec{Name: "rewrite", Ctx: CtxServer | CtxSrvIf | locIf, Args: Take23, Set: setRewrite},
		&Spec{Name: "break", Ctx: CtxServer | CtxSrvIf | locIf, Args: NoArgs, Set: setBreak},
		&Spec{Name: "if", Ctx: CtxServer | CtxLocation, Args: OneMore, Block: true, Set: setIf},
		&Spec{Name: "rewrite_log", Ctx: CtxHTTP | CtxServer | CtxSrvIf | locIf, Args: Flag, Set: flagOnly},
		&Spec{Name: "uninitialized_variable_warn", Ctx: CtxHTTP | CtxServer | CtxSrvIf | locIf, Args: Flag, Set: flagOnly},
	)
	for _, n := range []string{"proxy_temp_path", "fastcgi_temp_path", "scgi_temp_path", "uwsgi_temp_path"} {
		Register(&Spec{Name: n, Ctx: http3, Args: Take1234, Set: accepted})
	}
}

func flagOnly(c *Ctx, d *nginxconf.Directive) error {
	_, err := FlagValue(d)
	return err
}

func sizeSetter(f func(*Location, int64)) func(*Ctx, *nginxconf.Directive) error {
	return func(c *Ctx, d *nginxconf.Directive) error {
		n, ok := ParseSize(d.Args[0])
		if !ok {
			return Errorf(d, `"%s" directive invalid value`, d.Name)
		}
		if f != nil {
			f(c.Loc, n)
		}
		return nil
	}
}

// timeSetter parses a time argument ("60s", "500ms", "1m") into the location.
func timeSetter(set func(l *Location, t time.Duration)) func(c *Ctx, d *nginxconf.Directive) error {
	return func(c *Ctx, d *nginxconf.Directive) error {
		t, ok := ParseTime(d.Args[0], time.Second)
		if !ok {
			return Errorf(d, `"%s" directive invalid value`, d.Name)
		}
		set(c.Loc, t)
		return nil
	}
}

func setWorkerProcesses(c *Ctx, d *nginxconf.Directive) error {
	if d.Args[0] == "auto" {
		c.Plan.WorkerProcesses = numCPU()
		return nil
	}
	n, err := strconv.Atoi(d.Args[0])
	if err != nil || n <= 0 {
		return Errorf(d, `"%s" directive invalid value`, d.Name)
	}
	c.Plan.WorkerProcesses = n
	return nil
}

func setErrorLog(c *Ctx, d *nginxconf.Directive) error {
	lv := errlog.Error
	if len(d.Args) > 1 {
		var ok bool
		if lv, ok = errlog.ParseLevel(d.Args[1]); !ok {
			return Errorf(d, `invalid log level "%s"`, d.Args[1])
		}
	}
	path := d.Args[0]
	if path != "stderr" {
		path = c.Plan.Path(path)
	}
	sink := errlog.Sink{Path: path, Level: lv}
	if c.Kind != CtxMain {
		// the requests of this block log here instead of the main log
		if !c.Loc.Own("error_log") {
			c.Loc.ErrorLogs = nil
		}
		c.Loc.ErrorLogs = append(c.Loc.ErrorLogs[:len(c.Loc.ErrorLogs):len(c.Loc.ErrorLogs)], sink)
		c.Loc.errLog = &locErrorLog{}
		return nil
	}
	c.Plan.ErrorLogs = append(c.Plan.ErrorLogs, sink)
	return nil
}

func setEnv(c *Ctx, d *nginxconf.Directive) error {
	k, v, ok := strings.Cut(d.Args[0], "=")
	if ok {
		c.Plan.Env[k] = v
	} else {
		c.Plan.Env[k] = getenv(k)
	}
	c.Plan.EnvNames = append(c.Plan.EnvNames, k)
	return nil
}

func setTypes(c *Ctx, d *nginxconf.Directive) error {
	m := map[string]string{}
	for _, t := range d.Block {
		for _, ext := range t.Args { // nginx accepts a type with no extension
			m[strings.ToLower(ext)] = t.Name
		}
	}
	c.Loc.Types = m
	return nil
}

func setRoot(c *Ctx, d *nginxconf.Directive) error {
	if c.Loc.RootRaw != "" && c.Loc.Parent != nil && c.Loc.owned["root"] {
		if c.Loc.Alias != (d.Name == "alias") {
			return Errorf(d, `"%s" directive is duplicate, "%s" directive was specified earlier`, d.Name, map[bool]string{true: "alias", false: "root"}[c.Loc.Alias])
		}
		return Errorf(d, `"%s" directive is duplicate`, d.Name)
	}
	c.Loc.Own("root")
	path := d.Args[0]
	if !strings.HasPrefix(path, "/") && !strings.HasPrefix(path, "$") {
		path = c.Plan.Prefix + path
	}
	v, err := c.Compile(d, path)
	if err != nil {
		return err
	}
	c.Loc.Root, c.Loc.RootRaw, c.Loc.Alias = v, path, d.Name == "alias"
	return nil
}

func setIndex(c *Ctx, d *nginxconf.Directive) error {
	if !c.Loc.Own("index") {
		c.Loc.Index = nil
	}
	for _, a := range d.Args {
		if a == "" {
			return Errorf(d, `index "" in "index" directive is invalid`)
		}
		v, err := c.Compile(d, a)
		if err != nil {
			return err
		}
		c.Loc.Index = append(c.Loc.Index, v)
	}
	return nil
}

func setTryFiles(c *Ctx, d *nginxconf.Directive) error {
	tf := &TryFiles{}
	for _, a := range d.Args[:len(d.Args)-1] {
		v, err := c.Compile(d, a)
		if err != nil {
			return err
		}
		tf.Files = append(tf.Files, v)
		tf.Dirs = append(tf.Dirs, strings.HasSuffix(a, "/"))
	}
	last := d.Args[len(d.Args)-1]
	if strings.HasPrefix(last, "=") {
		code, err := strconv.Atoi(last[1:])
		if err != nil || code < 100 || code > 999 {
			return Errorf(d, `invalid code "%s"`, last)
		}
		tf.Code = code
	}
	if tf.Code == 0 {
		v, err := c.Compile(d, last)
		if err != nil {
			return err
		}
		tf.Last = v
	}
	c.Loc.TryFiles = tf
	return nil
}

func setErrorPage(c *Ctx, d *nginxconf.Directive) error {
	if !c.Loc.Own("error_page") {
		c.Loc.ErrorPages = map[int]*ErrorPage{}
	} else if c.Loc.ErrorPages == nil {
		c.Loc.ErrorPages = map[int]*ErrorPage{}
	}
	args := d.Args
	uri := args[len(args)-1]
	args = args[:len(args)-1]
	ep := &ErrorPage{}
	if last := args[len(args)-1]; strings.HasPrefix(last, "=") {
		ep.Overwrite = true
		if len(last) > 1 {
			n, err := strconv.Atoi(last[1:])
			if err != nil {
				return Errorf(d, `invalid value "%s"`, last)
			}
			ep.Status = n
		}
		args = args[:len(args)-1]
	}
	v, err := c.Compile(d, uri)
	if err != nil {
		return err
	}
	ep.URI = v
	ep.Redirect = strings.HasPrefix(uri, "http://") || strings.HasPrefix(uri, "https://")
	if len(args) == 0 {
		return Errorf(d, `invalid number of arguments in "error_page" directive`)
	}
	for _, a := range args {
		code, err := strconv.Atoi(a)
		if err != nil {
			return Errorf(d, `invalid value "%s"`, a)
		}
		if code < 300 || code > 599 {
			return Errorf(d, `value "%s" must be between 300 and 599`, a)
		}
		c.Loc.ErrorPages[code] = ep
	}
	return nil
}

func setAddHeader(c *Ctx, d *nginxconf.Directive) error {
	if !c.Loc.Own("add_header") {
		c.Loc.AddHeaders = nil
	}
	v, err := c.Compile(d, d.Args[1])
	if err != nil {
		return err
	}
	h := &AddHeader{Name: d.Args[0], Value: v}
	if len(d.Args) == 3 {
		if d.Args[2] != "always" {
			return Errorf(d, `invalid parameter "%s"`, d.Args[2])
		}
		h.Always = true
	}
	c.Loc.AddHeaders = append(c.Loc.AddHeaders, h)
	return nil
}

func setExpires(c *Ctx, d *nginxconf.Directive) error {
	e := &Expires{}
	a := d.Args
	if len(a) == 2 {
		if a[0] != "modified" {
			return Errorf(d, `"%s" directive invalid value`, d.Name)
		}
		e.Modified = true
		a = a[1:]
	}
	switch a[0] {
	case "off":
		e.Off = true
	case "epoch":
		e.Epoch = true
	case "max":
		e.Max = true
	default:
		s := a[0]
		neg := strings.HasPrefix(s, "-")
		s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
		t, ok := ParseTime(s, time.Second)
		if !ok {
			return Errorf(d, `"%s" directive invalid value`, d.Name)
		}
		if neg {
			t = -t
		}
		e.D = t
	}
	c.Loc.Expires = e
	return nil
}

func setAccess(c *Ctx, d *nginxconf.Directive) error {
	if !c.Loc.Own("access") {
		c.Loc.Access = nil
	}
	rule := &AccessRule{Allow: d.Name == "allow"}
	arg := d.Args[0]
	switch {
	case arg == "all":
		rule.All = true
	case strings.HasPrefix(arg, "unix:"):
		rule.All = false
		return Errorf(d, `"%s" with unix: is not supported by goresty`, d.Name)
	default:
		if !strings.Contains(arg, "/") {
			if ip := net.ParseIP(arg); ip != nil {
				if ip.To4() != nil {
					arg += "/32"
				} else {
					arg += "/128"
				}
			}
		}
		_, n, err := net.ParseCIDR(arg)
		if err != nil {
			return Errorf(d, `invalid parameter "%s"`, d.Args[0])
		}
		rule.Net = n
	}
	c.Loc.Access = append(c.Loc.Access, rule)
	return nil
}

func setLogFormat(c *Ctx, d *nginxconf.Directive) error {
	name := d.Args[0]
	if name == "combined" {
		return Errorf(d, `duplicate "log_format" name "combined"`)
	}
	if _, dup := c.Plan.Formats[name]; dup {
		return Errorf(d, `duplicate "log_format" name "%s"`, name)
	}
	args := d.Args[1:]
	escape := phases.EscapeDefault
	if len(args) > 0 && strings.HasPrefix(args[0], "escape=") {
		switch args[0][7:] {
		case "default":
		case "json":
			escape = phases.EscapeJSON
		case "none":
			escape = phases.EscapeNone
		default:
			return Errorf(d, `unknown log format escaping "%s"`, args[0][7:])
		}
		args = args[1:]
	}
	v, err := c.Compile(d, strings.Join(args, ""))
	if err != nil {
		return err
	}
	c.Plan.Formats[name] = &LogFormat{Name: name, Value: v, Escape: escape}
	return nil
}

const combinedFormat = `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"`

func setAccessLog(c *Ctx, d *nginxconf.Directive) error {
	if !c.Loc.Own("access_log") {
		c.Loc.AccessLogs = nil
		c.Loc.AccessLogOff = false
	}
	if d.Args[0] == "off" {
		c.Loc.AccessLogOff = true
		c.Loc.AccessLogs = nil
		return nil
	}
	f := "combined"
	if len(d.Args) > 1 && !strings.Contains(d.Args[1], "=") {
		f = d.Args[1]
	}
	lf := c.Plan.Formats[f]
	if lf == nil {
		if f != "combined" {
			return Errorf(d, `unknown log format "%s"`, f)
		}
		v, err := c.Plan.Vars.Compile(combinedFormat)
		if err != nil {
			return err
		}
		lf = &LogFormat{Name: "combined", Value: v}
		c.Plan.Formats["combined"] = lf
	}
	path := d.Args[0]
	if strings.HasPrefix(path, "syslog:") {
		return Errorf(d, `access_log to syslog is not supported by goresty`)
	}
	if path != "stderr" {
		path = c.Plan.Path(path)
	}
	c.Loc.AccessLogs = append(c.Loc.AccessLogs, &AccessLog{Path: path, Format: lf})
	return nil
}
