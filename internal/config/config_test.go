package config_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/goresty/goresty/internal/config"
	_ "github.com/goresty/goresty/internal/luavm" // registers the *_by_lua directives
	"github.com/goresty/goresty/internal/nginxconf"
)

// The error table is checked against a real nginx 1.22 with lua-nginx-module:
//
//	GORESTY_NGINX_ORACLE=1 go test -run ConfigErrors ./internal/config/
//
// runs `nginx -t` on every case too and requires nginx's first error to be
// the same text (cases marked goOnly are goresty's own messages).

// Shapes of the snippets; the comment says on which line body starts.
func inHTTP(body string) string { // line 2
	return "http {\n" + body + "\n}\nevents {}\n"
}

func inServer(body string) string { // line 3
	return "http {\nserver {\nlisten 127.0.0.1:1984;\n" + body + "\n}\n}\nevents {}\n"
}

func inLoc(body string) string { // line 5
	return "http {\nserver {\nlisten 127.0.0.1:1984;\nlocation / {\n" + body + "\n}\n}\n}\nevents {}\n"
}

type errCase struct {
	name string
	conf string
	// want is the error text; CONF stands for the configuration file path.
	want string
	// goOnly marks messages that nginx cannot produce (goresty's own
	// limits); the oracle skips them.
	goOnly bool
}

var errorCases = []errCase{
	// the directive walker
	{name: "unknown directive", conf: inServer("foo bar;"), want: `unknown directive "foo" in CONF:4`},
	{name: "unknown at main", conf: "\n\nfoo;\nevents {}\n", want: `unknown directive "foo" in CONF:3`},
	{name: "not allowed here", conf: inHTTP("listen 80;"), want: `"listen" directive is not allowed here in CONF:2`},
	{name: "main directive in http", conf: inHTTP("worker_processes 2;"), want: `"worker_processes" directive is not allowed here in CONF:2`},
	{name: "location in http", conf: inHTTP("location / {}"), want: `"location" directive is not allowed here in CONF:2`},
	{name: "content_by_lua in server", conf: inServer("content_by_lua_block { ngx.say(1) }"), want: `"content_by_lua_block" directive is not allowed here in CONF:4`},
	{name: "no opening brace", conf: inHTTP("server;"), want: `directive "server" has no opening "{" in CONF:2`},
	{name: "not terminated", conf: inServer("listen 80 {}"), want: `directive "listen" is not terminated by ";" in CONF:4`},
	{name: "too many arguments", conf: inLoc("root a b;"), want: `invalid number of arguments in "root" directive in CONF:5`},
	{name: "too few arguments", conf: inServer("try_files $uri;"), want: `invalid number of arguments in "try_files" directive in CONF:4`},
	{name: "args on a block", conf: "http x {}\nevents {}\n", want: `invalid number of arguments in "http" directive in CONF:1`},
	{name: "multi-line directive", conf: inServer("return\n 200\n a b;"), want: `invalid number of arguments in "return" directive in CONF:6`},
	{name: "duplicate main", conf: "daemon off;\ndaemon on;\nevents {}\n", want: `"daemon" directive is duplicate in CONF:2`},
	{name: "duplicate http", conf: "http {}\nhttp {}\nevents {}\n", want: `"http" directive is duplicate in CONF:2`},
	{name: "duplicate events", conf: "events {}\nevents {}\n", want: `"events" directive is duplicate in CONF:2`},
	{name: "duplicate root", conf: inLoc("root a;\nroot b;"), want: `"root" directive is duplicate in CONF:6`},
	{name: "alias after root", conf: inLoc("root a;\nalias b;"), want: `"alias" directive is duplicate, "root" directive was specified earlier in CONF:6`},
	// lua-nginx-module's block reader prints the bare "is duplicate"
	{name: "duplicate content_by_lua_block", conf: inLoc("content_by_lua_block { ngx.say(1) }\ncontent_by_lua_block { ngx.say(2) }"), want: `is duplicate in CONF:6`},
	{name: "duplicate content_by_lua", conf: inLoc("content_by_lua_block { ngx.say(1) }\ncontent_by_lua 'ngx.say(2)';"), want: `"content_by_lua" directive is duplicate in CONF:6`},
	{name: "duplicate rewrite_by_lua_block", conf: inLoc("rewrite_by_lua_block { a = 1 }\nrewrite_by_lua_block { a = 2 }"), want: `is duplicate in CONF:6`},
	{name: "duplicate access_by_lua_file", conf: inLoc("access_by_lua 'a = 1';\naccess_by_lua_file b.lua;"), want: `"access_by_lua_file" directive is duplicate in CONF:6`},
	{name: "duplicate log_by_lua", conf: inLoc("log_by_lua 'a = 1';\nlog_by_lua_block { a = 2 }"), want: `is duplicate in CONF:6`},
	{name: "duplicate header_filter_by_lua", conf: inLoc("header_filter_by_lua_block { a = 1 }\nheader_filter_by_lua 'a = 2';"), want: `"header_filter_by_lua" directive is duplicate in CONF:6`},
	{name: "duplicate server_rewrite_by_lua", conf: inHTTP("server_rewrite_by_lua_block { a = 1 }\nserver_rewrite_by_lua_block { a = 2 }"), want: `is duplicate in CONF:3`},
	{name: "duplicate init_worker_by_lua", conf: inHTTP("init_worker_by_lua_block { a = 1 }\ninit_worker_by_lua_block { a = 2 }"), want: `is duplicate in CONF:3`},
	{name: "duplicate init_by_lua", conf: inHTTP("init_by_lua_block { a = 1 }\ninit_by_lua_block { a = 2 }"), want: `is duplicate in CONF:3`},

	// values
	{name: "flag", conf: "daemon maybe;\nevents {}\n", want: `invalid value "maybe" in "daemon" directive, it must be "on" or "off" in CONF:1`},
	{name: "flag in http", conf: inHTTP("etag yes;"), want: `invalid value "yes" in "etag" directive, it must be "on" or "off" in CONF:2`},
	{name: "worker_processes", conf: "worker_processes many;\nevents {}\n", want: `"worker_processes" directive invalid value in CONF:1`},
	{name: "worker_connections", conf: "events {\nworker_connections lots;\n}\n", want: `invalid number "lots" in CONF:2`},
	// worker_cpu_affinity: masks are read from their last character (CPU #0)
	// to their first, so the rightmost bad character is the one reported
	{name: "cpu mask letter", conf: "worker_cpu_affinity 0x1;\nevents {}\n", want: `invalid character "x" in "worker_cpu_affinity" in CONF:1`},
	{name: "cpu mask digit", conf: "worker_cpu_affinity 012;\nevents {}\n", want: `invalid character "2" in "worker_cpu_affinity" in CONF:1`},
	{name: "cpu mask rightmost", conf: "worker_cpu_affinity 1x0y;\nevents {}\n", want: `invalid character "y" in "worker_cpu_affinity" in CONF:1`},
	{name: "cpu mask with spaces", conf: "worker_cpu_affinity \"x0 1\";\nevents {}\n", want: `invalid character "x" in "worker_cpu_affinity" in CONF:1`},
	{name: "cpu masks in order", conf: "worker_cpu_affinity 01 0x1 2;\nevents {}\n", want: `invalid character "x" in "worker_cpu_affinity" in CONF:1`},
	{name: "cpu mask auto later", conf: "worker_cpu_affinity 11 auto;\nevents {}\n", want: `invalid character "o" in "worker_cpu_affinity" in CONF:1`},
	{name: "cpu mask auto auto", conf: "worker_cpu_affinity auto auto;\nevents {}\n", want: `invalid character "o" in "worker_cpu_affinity" in CONF:1`},
	{name: "cpu mask AUTO", conf: "worker_cpu_affinity AUTO;\nevents {}\n", want: `invalid character "O" in "worker_cpu_affinity" in CONF:1`},
	{name: "cpu mask too long", conf: "worker_cpu_affinity 1" + strings.Repeat("0", 1024) + ";\nevents {}\n", want: `"worker_cpu_affinity" supports up to 1024 CPUs only in CONF:1`},
	{name: "cpu mask too long after a bad one", conf: "worker_cpu_affinity\n2 1" + strings.Repeat("0", 1024) + ";\nevents {}\n", want: `invalid character "2" in "worker_cpu_affinity" in CONF:2`},
	{name: "cpu affinity auto two masks", conf: "worker_cpu_affinity auto 01 10;\nevents {}\n", want: `invalid number of arguments in "worker_cpu_affinity" directive in CONF:1`},
	{name: "cpu affinity auto bad masks", conf: "worker_cpu_affinity auto 0x 1y;\nevents {}\n", want: `invalid number of arguments in "worker_cpu_affinity" directive in CONF:1`},
	{name: "cpu affinity twice", conf: "worker_cpu_affinity 01;\nworker_cpu_affinity 10;\nevents {}\n", want: `"worker_cpu_affinity" directive is duplicate in CONF:2`},
	{name: "cpu affinity no mask", conf: "worker_cpu_affinity;\nevents {}\n", want: `invalid number of arguments in "worker_cpu_affinity" directive in CONF:1`},
	{name: "cpu affinity in http", conf: inHTTP("worker_cpu_affinity 01;"), want: `"worker_cpu_affinity" directive is not allowed here in CONF:2`},
	{name: "size", conf: inHTTP("client_max_body_size 3x;"), want: `"client_max_body_size" directive invalid value in CONF:2`},
	{name: "time", conf: inHTTP("keepalive_timeout 1x;"), want: `"keepalive_timeout" directive invalid value in CONF:2`},
	{name: "keepalive_requests", conf: inHTTP("keepalive_requests x;"), want: `"keepalive_requests" directive invalid number in CONF:2`},
	{name: "log level", conf: "error_log logs/error.log loud;\nevents {}\n", want: `invalid log level "loud" in CONF:1`},
	{name: "empty index", conf: inLoc(`index "";`), want: `index "" in "index" directive is invalid in CONF:5`},
	{name: "try_files code", conf: inLoc("try_files $uri =abc;"), want: `invalid code "=abc" in CONF:5`},
	{name: "error_page code", conf: inServer("error_page 200 /x;"), want: `value "200" must be between 300 and 599 in CONF:4`},
	{name: "satisfy value", conf: inServer("satisfy some;"), want: `invalid value "some" in CONF:4`},
	{name: "error_page word", conf: inServer("error_page abc /x;"), want: `invalid value "abc" in CONF:4`},
	{name: "error_page status", conf: inServer("error_page 404 =abc /x;"), want: `invalid value "=abc" in CONF:4`},
	{name: "add_header flag", conf: inServer("add_header X-A b sometimes;"), want: `invalid parameter "sometimes" in CONF:4`},
	{name: "expires", conf: inLoc("expires soon;"), want: `"expires" directive invalid value in CONF:5`},
	{name: "allow", conf: inLoc("allow 1.2.3.400;"), want: `invalid parameter "1.2.3.400" in CONF:5`},
	{name: "allow unix", conf: inLoc("allow unix:;"), want: `"allow" with unix: is not supported by goresty in CONF:5`, goOnly: true},
	{name: "log_format combined", conf: inHTTP("log_format combined '$uri';"), want: `duplicate "log_format" name "combined" in CONF:2`},
	{name: "log_format twice", conf: inHTTP("log_format a '$uri';\nlog_format a '$uri';"), want: `duplicate "log_format" name "a" in CONF:3`},
	{name: "unknown log format", conf: inHTTP("access_log logs/a.log nope;"), want: `unknown log format "nope" in CONF:2`},

	// listen and servers
	{name: "listen bad port", conf: inHTTP("server {\nlisten 127.0.0.1:99999;\n}"), want: `invalid port in "127.0.0.1:99999" of the "listen" directive in CONF:3`},
	{name: "listen word port", conf: inHTTP("server {\nlisten 127.0.0.1:http;\n}"), want: `invalid port in "127.0.0.1:http" of the "listen" directive in CONF:3`},
	{name: "listen parameter", conf: inHTTP("server {\nlisten 8080 fast;\n}"), want: `invalid parameter "fast" in CONF:3`},
	{name: "listen backlog", conf: inHTTP("server {\nlisten 8080 backlog=x;\n}"), want: `invalid backlog "backlog=x" in CONF:3`},
	{name: "listen zero backlog", conf: inHTTP("server {\nlisten 8080 backlog=0;\n}"), want: `invalid backlog "backlog=0" in CONF:3`},
	{name: "duplicate listen", conf: inHTTP("server {\nlisten 127.0.0.1:1984;\nlisten 127.0.0.1:1984;\n}"), want: `a duplicate listen 127.0.0.1:1984 in CONF:4`},
	{name: "charset variable", conf: inLoc("charset $cs;"), want: `"charset" with variables is not supported by goresty in CONF:5`, goOnly: true},
	{name: "override_charset on", conf: inLoc("override_charset on;"), want: `"override_charset on" is not supported by goresty in CONF:5`, goOnly: true},
	{name: "listen ssl", conf: inHTTP("server {\nlisten 8443 ssl;\n}"), want: `the "ssl" parameter of "listen" is not supported by goresty in CONF:3`, goOnly: true},
	{name: "duplicate default server", conf: inHTTP("server {\nlisten 127.0.0.1:1984 default_server;\n}\nserver {\nlisten 127.0.0.1:1984 default_server;\n}"),
		want: `a duplicate default server for 127.0.0.1:1984 in CONF:6`},
	{name: "server_name regex", conf: inHTTP("server {\nserver_name ~^(www.example.com;\n}"), want: `pcre2_compile() failed: missing closing parenthesis in "^(www.example.com" in CONF:3`},

	// locations
	{name: "location modifier", conf: inServer("location ! /a {}"), want: `invalid location modifier "!" in CONF:4`},
	{name: "duplicate location", conf: inServer("location /a {}\nlocation /a {}"), want: `duplicate location "/a" in CONF:5`},
	{name: "duplicate exact location", conf: inServer("location = /a {}\nlocation = /a {}"), want: `duplicate location "/a" in CONF:5`},
	{name: "location inside regex location", conf: inServer("location ~ x {\nlocation /b {}\n}"), want: `location "/b" is outside location "x" in CONF:5`},
	{name: "location outside location", conf: inServer("location /a {\nlocation /b {}\n}"), want: `location "/b" is outside location "/a" in CONF:5`},
	{name: "location inside exact", conf: inServer("location = /a {\nlocation /a/b {}\n}"), want: `location "/a/b" cannot be inside the exact location "/a" in CONF:5`},
	{name: "location inside named", conf: inServer("location @a {\nlocation /b {}\n}"), want: `location "/b" cannot be inside the named location "@a" in CONF:5`},
	{name: "named location nested", conf: inServer("location /a {\nlocation @b {}\n}"), want: `named location "@b" can be on the server level only in CONF:5`},
	{name: "location bad regex", conf: inServer("location ~ ^/(a {}"), want: `pcre2_compile() failed: missing closing parenthesis in "^/(a" in CONF:4`},

	// PCRE2's messages for Go's regexp errors
	{name: "regex unmatched paren", conf: inServer(`location ~ "a)" {}`), want: `pcre2_compile() failed: unmatched closing parenthesis in "a)" at ")" in CONF:4`},
	{name: "regex leading star", conf: inServer(`location ~ "*a" {}`), want: `pcre2_compile() failed: quantifier does not follow a repeatable item in "*a" at "*a" in CONF:4`},
	{name: "regex double star", conf: inServer(`location ~ "a**" {}`), want: `pcre2_compile() failed: quantifier does not follow a repeatable item in "a**" at "*" in CONF:4`},
	{name: "regex star after bar", conf: inServer(`location ~ "a|*" {}`), want: `pcre2_compile() failed: quantifier does not follow a repeatable item in "a|*" at "*" in CONF:4`},
	{name: "regex open class", conf: inServer(`location ~ "[a" {}`), want: `pcre2_compile() failed: missing terminating ] for character class in "[a" in CONF:4`},
	{name: "regex repeat order", conf: inServer(`location ~ "a{2,1}" {}`), want: `pcre2_compile() failed: numbers out of order in {} quantifier in "a{2,1}" at "}" in CONF:4`},
	{name: "regex repeat too big", conf: inServer(`location ~ "a{99999}" {}`), want: `pcre2_compile() failed: number too big in {} quantifier in "a{99999}" at "}" in CONF:4`},
	{name: "regex range order", conf: inServer(`location ~ "[z-a]" {}`), want: `pcre2_compile() failed: range out of order in character class in "[z-a]" at "a]" in CONF:4`},
	{name: "regex posix class", conf: inServer(`location ~ "[[:foo:]]" {}`), want: `pcre2_compile() failed: unknown POSIX class name in "[[:foo:]]" at "foo:]]" in CONF:4`},
	{name: "regex trailing backslash", conf: inServer(`location ~ "\\" {}`), want: `pcre2_compile() failed: \ at end of pattern in "\" in CONF:4`},
	{name: "regex bad group", conf: inServer(`location ~ "(?z)" {}`), want: `pcre2_compile() failed: unrecognized character after (? or (?- in "(?z)" at "z)" in CONF:4`},
	{name: "regex empty name", conf: inServer(`location ~ "(?P<>a)" {}`), want: `pcre2_compile() failed: subpattern name expected in "(?P<>a)" at ">a)" in CONF:4`},
	{name: "regex caseless", conf: inServer(`location ~* "(a" {}`), want: `pcre2_compile() failed: missing closing parenthesis in "(a" in CONF:4`},
	// PCRE features Go's regexp lacks: nginx accepts these
	{name: "regex look-ahead", conf: inServer(`location ~ "x(?=a)" {}`), want: `regex "x(?=a)": "(?=" is not supported by goresty in CONF:4`, goOnly: true},
	{name: "regex back reference", conf: inServer(`location ~ "(a)\\1" {}`), want: `regex "(a)\1": "\1" is not supported by goresty in CONF:4`, goOnly: true},
	{name: "regex over 1000 repeats", conf: inServer(`location ~ "a{1001}" {}`), want: `regex "a{1001}": "{1001}" is not supported by goresty in CONF:4`, goOnly: true},

	// rewrite module
	{name: "unknown variable", conf: inLoc("return 200 $nope;"), want: `unknown "nope" variable`},
	{name: "unknown variable in set", conf: inLoc("set $a $nope;"), want: `unknown "nope" variable`},
	{name: "unclosed variable bracket", conf: inLoc("return 200 ${uri;"), want: `the closing bracket in "uri" variable is missing in CONF:5`},
	{name: "set name", conf: inLoc("set a b;"), want: `invalid variable name "a" in CONF:5`},
	{name: "return code", conf: inLoc("return abc;"), want: `invalid return code "abc" in CONF:5`},
	{name: "return code with text", conf: inLoc("return abc def;"), want: `invalid return code "abc" in CONF:5`},
	{name: "return code too big", conf: inLoc("return 1000;"), want: `invalid return code "1000" in CONF:5`},
	{name: "rewrite flag", conf: inLoc("rewrite ^ /x sideways;"), want: `invalid parameter "sideways" in CONF:5`},
	{name: "rewrite regex", conf: inLoc("rewrite ^(/x /y;"), want: `pcre2_compile() failed: missing closing parenthesis in "^(/x" in CONF:5`},
	{name: "if without parentheses", conf: inLoc("if $uri {}"), want: `invalid condition "$uri" in CONF:5`},
	{name: "if bad operator", conf: inLoc("if ($uri == /a) {}"), want: `unexpected "==" in condition in CONF:5`},
	{name: "if bad file test", conf: inLoc("if (-z $uri) {}"), want: `invalid condition "-z" in CONF:5`},
	{name: "if regex", conf: inLoc("if ($uri ~ \"(\") {}"), want: `pcre2_compile() failed: missing closing parenthesis in "(" in CONF:5`},

	// lua
	{name: "lua_shared_dict too small", conf: inHTTP("lua_shared_dict dogs 4k;"), want: `invalid lua shared dict size "4k" in CONF:2`},
	{name: "lua_shared_dict bad size", conf: inHTTP("lua_shared_dict dogs lots;"), want: `invalid lua shared dict size "lots" in CONF:2`},
	{name: "lua_shared_dict giga size", conf: inHTTP("lua_shared_dict dogs 1g;"), want: `invalid lua shared dict size "1g" in CONF:2`},
	{name: "lua_shared_dict signed size", conf: inHTTP("lua_shared_dict dogs +16k;"), want: `invalid lua shared dict size "+16k" in CONF:2`},
	{name: "lua_shared_dict empty name", conf: inHTTP(`lua_shared_dict "" 4k;`), want: `invalid lua shared dict name "" in CONF:2`},
	{name: "lua_shared_dict twice", conf: inHTTP("lua_shared_dict dogs 1m;\nlua_shared_dict dogs 2m;"), want: `the size 2097152 of shared memory zone "dogs" conflicts with already declared size 1048576 in CONF:3`},
	{name: "lua_shared_dict same twice", conf: inHTTP("lua_shared_dict dogs 1m;\nlua_shared_dict dogs 1m;"), want: `lua_shared_dict "dogs" is already defined as "dogs" in CONF:3`},
	{name: "lua number", conf: inHTTP("lua_max_pending_timers x;"), want: `"lua_max_pending_timers" directive invalid number in CONF:2`},
	{name: "set_by_lua_block name", conf: inLoc("set_by_lua_block a { return 1 }"), want: `invalid variable name "a" in CONF:5`},
	{name: "set_by_lua name", conf: inLoc(`set_by_lua a "return 1";`), want: `invalid variable name "a" in CONF:5`},
	{name: "lua_code_cache flag", conf: inLoc("lua_code_cache maybe;"), want: `invalid value "maybe" in "lua_code_cache" directive, it must be "on" or "off" in CONF:5`},
	{name: "lua file with variables", conf: inLoc("content_by_lua_file $uri.lua;"), want: `variables in content_by_lua_file paths are not supported by goresty in CONF:5`, goOnly: true},
	{name: "lua_max_run_time", conf: inHTTP("lua_max_run_time x;"), want: `invalid value "x" in "lua_max_run_time" directive in CONF:2`, goOnly: true},
	// nginx compiles inline Lua at the first request; goresty at start-up
	{name: "lua syntax", conf: inLoc("content_by_lua_block { ngx.say( }"), want: `failed to load inlined Lua code: content_by_lua(nginx.conf:5):1: unexpected symbol near '<eof>' in CONF:5`, goOnly: true},
	{name: "ssl_certificate_by_lua", conf: inServer("ssl_certificate_by_lua_block { }"), want: `"ssl_certificate_by_lua_block" directive is not supported by goresty yet in CONF:4`, goOnly: true},
}

// writeConf writes conf as nginx.conf in a new prefix directory.
func writeConf(t *testing.T, conf string) (prefix, path string) {
	t.Helper()
	prefix = t.TempDir() + "/"
	for _, dir := range []string{"logs", "t"} { // Test::Nginx's layout
		if err := os.MkdirAll(prefix+dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	path = prefix + "nginx.conf"
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return prefix, path
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range errorCases {
		t.Run(tc.name, func(t *testing.T) {
			prefix, path := writeConf(t, tc.conf)
			want := strings.ReplaceAll(tc.want, "CONF", path)
			_, err := config.Load(config.Options{Prefix: prefix, ConfFile: path})
			if err == nil {
				t.Fatalf("got no error, want %q", want)
			}
			if got := err.Error(); got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}

const oracleModules = "load_module /usr/lib/nginx/modules/ndk_http_module.so; " +
	"load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;"

var nginxEmerg = regexp.MustCompile(`\[emerg\] (?:\d+#\d+: )?(.*)$`)

// nginxSays runs `nginx -t` on the configuration and returns nginx's first
// error message, or "" when nginx accepts it.
func nginxSays(t *testing.T, prefix, path string) string {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		t.Skip("nginx not installed")
	}
	out, _ := exec.Command(bin, "-t", "-q", "-p", prefix, "-c", path, "-g", oracleModules).CombinedOutput()
	for _, line := range strings.Split(string(out), "\n") {
		if m := nginxEmerg.FindStringSubmatch(line); m != nil {
			return m[1]
		}
	}
	return ""
}

func TestConfigErrorsOracle(t *testing.T) {
	if os.Getenv("GORESTY_NGINX_ORACLE") == "" {
		t.Skip("set GORESTY_NGINX_ORACLE=1 to compare with real nginx")
	}
	for _, tc := range errorCases {
		if tc.goOnly {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			prefix, path := writeConf(t, tc.conf)
			want := strings.ReplaceAll(tc.want, "CONF", path)
			if got := nginxSays(t, prefix, path); got != want {
				t.Errorf("nginx says %s\ntable says %s", got, want)
			}
		})
	}
}

// preamble is the configuration of the project's issue (Test::Nginx's
// usual preamble); 1984 is replaced by a free port where it is served.
const preamble = `worker_processes 1; daemon off; master_process off; error_log logs/error.log debug; pid logs/nginx.pid; env MOCKEAGAIN; user root; http { access_log logs/access.log; client_body_temp_path t/tmp; default_type text/plain; keepalive_timeout 68000ms; server { listen 127.0.0.1:1984; server_name 'localhost'; client_max_body_size 30M; location / { root html; index index.html index.htm; } } } events { accept_mutex off; worker_connections 64; }`

// acceptCases are configurations nginx accepts: goresty must too.
var acceptCases = []struct{ name, conf string }{
	{"preamble", preamble},
	{"type without extension", inHTTP("types {\ntext/html html;\ntext/plain;\n}")},
	{"repeated named location", inServer("location @a { return 200 a; }\nlocation @a { return 200 b; }")},
	{"root in if", inLoc("if ($uri) {\nroot html;\n}")},
	{"two servers on one address", inHTTP("server {\nlisten 127.0.0.1:1984;\n}\nserver {\nlisten 127.0.0.1:1984;\nserver_name b;\n}")},
	{"content_by_lua in if", inLoc("content_by_lua_block { ngx.say(1) }\nif ($arg_a) {\ncontent_by_lua_block { ngx.say(2) }\n}")},
	{"rewrite_by_lua per level", inHTTP("rewrite_by_lua_block { a = 1 }\nserver {\nrewrite_by_lua_block { a = 2 }\nlocation / {\nrewrite_by_lua_block { a = 3 }\n}\n}")},
	{"same dict size twice in a row", inHTTP("lua_shared_dict dogs 12k;\nlua_shared_dict cats 1m;")},
	{"regex location nested in regex", inServer("location ~ ^/a {\nlocation ~ b {}\n}")},
	{"prefix location nested in ^~", inServer("location ^~ /a/ {\nlocation /a/b/ {}\n}")},
	{"pcre named capture", inServer("location ~ ^/(?<name>[a-z]+)$ {\nreturn 200 $name;\n}")},
	{"set variable used before set", inServer("location / {\nreturn 200 $later;\n}\nset $later 1;")},
	{"error_page with status", inServer("error_page 404 =200 /x;\nerror_page 500 502 = @fallback;\nlocation @fallback {}")},
	// nginx fails an all-zero mask only when a worker starts
	{"all-zero cpu mask", "worker_cpu_affinity 00;\nevents {}\n"},
	{"empty cpu mask", "worker_cpu_affinity \"\";\nevents {}\n"},
	{"cpu masks with spaces", "worker_cpu_affinity \"0 1\" \"1 0\";\nevents {}\n"},
	{"cpu affinity auto", "worker_cpu_affinity auto;\nevents {}\n"},
	{"cpu affinity auto with mask", "worker_cpu_affinity auto 0101;\nevents {}\n"},
	{"1024 cpus", "worker_cpu_affinity 1" + strings.Repeat("0", 1023) + ";\nevents {}\n"},
	{"listen forms", inHTTP("server {\nlisten 1984;\nlisten 127.0.0.2:1984 default_server backlog=16 reuseport;\nlisten [::1]:1984;\nlisten unix:/tmp/x.sock;\n}")},
}

func TestConfigAccepts(t *testing.T) {
	for _, tc := range acceptCases {
		t.Run(tc.name, func(t *testing.T) {
			prefix, path := writeConf(t, tc.conf)
			if _, err := config.Load(config.Options{Prefix: prefix, ConfFile: path}); err != nil {
				t.Errorf("got %v, want no error", err)
			}
		})
	}
}

func TestConfigAcceptsOracle(t *testing.T) {
	if os.Getenv("GORESTY_NGINX_ORACLE") == "" {
		t.Skip("set GORESTY_NGINX_ORACLE=1 to compare with real nginx")
	}
	for _, tc := range acceptCases {
		t.Run(tc.name, func(t *testing.T) {
			prefix, path := writeConf(t, tc.conf)
			if got := nginxSays(t, prefix, path); got != "" {
				t.Errorf("nginx rejects it: %s", got)
			}
		})
	}
}

// TestPreamble checks what the preamble configures; cmd/goresty
// serves it.
func TestPreamble(t *testing.T) {
	prefix, path := writeConf(t, preamble)
	ds, err := nginxconf.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := config.Build(ds, config.Options{Prefix: prefix, ConfFile: path})
	if err != nil {
		t.Fatal(err)
	}
	if p.Daemon || p.MasterProcess || p.WorkerProcesses != 1 || p.WorkerConnections != 64 {
		t.Errorf("daemon %v master %v workers %d connections %d, want off off 1 64", p.Daemon, p.MasterProcess, p.WorkerProcesses, p.WorkerConnections)
	}
	if p.Path(p.PidFile) != prefix+"logs/nginx.pid" {
		t.Errorf("pid file %s, want %slogs/nginx.pid", p.Path(p.PidFile), prefix)
	}
	if len(p.ErrorLogs) != 1 || p.ErrorLogs[0].Path != prefix+"logs/error.log" {
		t.Errorf("error logs %+v, want %slogs/error.log", p.ErrorLogs, prefix)
	}
	if _, ok := p.Env["MOCKEAGAIN"]; !ok {
		t.Errorf("env MOCKEAGAIN not kept: %v", p.EnvNames)
	}
	if len(p.Listens) != 1 || p.Listens[0].Addr != "127.0.0.1:1984" {
		t.Fatalf("listens %+v, want 127.0.0.1:1984", p.Listens)
	}
	srv := p.Listens[0].FindServer("localhost", func(*regexp.Regexp, string) bool { return false })
	if !srv.Exact["localhost"] {
		t.Errorf("server names %v, want localhost", srv.Names)
	}
	loc := srv.FindLocation("/index.html", func(*regexp.Regexp, string) bool { return false })
	if loc == nil || loc.Pattern != "/" {
		t.Fatalf("location for /index.html: %+v, want /", loc)
	}
	if loc.RootRaw != prefix+"html" || len(loc.Index) != 2 || loc.Index[1].Raw != "index.htm" {
		t.Errorf("root %s index %d, want %shtml and 2 files", loc.RootRaw, len(loc.Index), prefix)
	}
	if loc.ClientMaxBody != 30<<20 || loc.KeepaliveTO.Milliseconds() != 68000 || loc.DefaultType != "text/plain" {
		t.Errorf("max body %d keepalive %v type %s, want 30M 68s text/plain", loc.ClientMaxBody, loc.KeepaliveTO, loc.DefaultType)
	}
	if loc.ClientBodyTemp != prefix+"t/tmp" || len(loc.AccessLogs) != 1 || loc.AccessLogs[0].Path != prefix+"logs/access.log" {
		t.Errorf("body temp %s access logs %d, want %st/tmp and logs/access.log", loc.ClientBodyTemp, len(loc.AccessLogs), prefix)
	}
}

// TestPrefixWithDollar: a "$" in the prefix reads as a variable in a
// configured root (nginx joins the prefix, then compiles: [emerg] unknown
// "abc" variable), but the default root is the prefix's html as it is
// (nginx starts and serves from it); both checked on nginx 1.22.
func TestPrefixWithDollar(t *testing.T) {
	prefix := filepath.Join(t.TempDir(), "p$abc") + "/"
	if err := os.MkdirAll(prefix+"conf", 0o755); err != nil {
		t.Fatal(err)
	}
	path := prefix + "conf/nginx.conf"
	load := func(server string) (*config.Plan, error) {
		conf := "events {}\nhttp { server { listen 127.0.0.1:1; " + server + " } }\n"
		if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
		return config.Load(config.Options{Prefix: prefix, ConfFile: path})
	}
	p, err := load("")
	if err != nil {
		t.Fatalf("default root: %v", err)
	}
	if got := p.HTTP.Root.Eval(nil); got != prefix+"html" {
		t.Errorf("default root = %q, want %q", got, prefix+"html")
	}
	if _, err := load("root html;"); err == nil || err.Error() != `unknown "abc" variable` {
		t.Fatalf("root html: err = %v, want unknown \"abc\" variable", err)
	}
}
