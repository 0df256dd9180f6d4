package config

// Directives accepted without an effect in goresty, so that the configs
// nginx users have (Debian's own nginx.conf sets ssl_protocols and
// gzip_*) load as they are. Each is listed in DIRECTIVES.md with what it
// would do in nginx. They change neither what a response says nor who may
// have it: the ssl_* ones configure TLS listeners, which goresty refuses
// (listen ... ssl), the gzip_* ones compression, which goresty does not do
// (gzip is accepted the same way), the rest nginx's tuning of buffers,
// caches and connection closing.
func init() {
	const http3 = CtxHTTPAll
	const srv = CtxHTTP | CtxServer
	for _, s := range []struct {
		name string
		ctx  Context
		args Arity
	}{
		{"gzip_types", http3, OneMore},
		{"gzip_min_length", http3, Take1},
		{"gzip_comp_level", http3, Take1},
		{"gzip_vary", http3, Flag},
		{"gzip_proxied", http3, OneMore},
		{"gzip_disable", http3, OneMore},
		{"gzip_http_version", http3, Take1},
		{"gzip_buffers", http3, Take2},
		{"gzip_static", http3, Take1},
		{"ssl_protocols", srv, OneMore},
		{"ssl_prefer_server_ciphers", srv, Flag},
		{"ssl_ciphers", srv, Take1},
		{"ssl_session_cache", srv, Take12},
		{"ssl_session_timeout", srv, Take1},
		{"ssl_session_tickets", srv, Flag},
		{"ssl_dhparam", srv, Take1},
		{"ssl_ecdh_curve", srv, Take1},
		{"ssl_certificate", srv, Take1},
		{"ssl_certificate_key", srv, Take1},
		{"ssl_stapling", srv, Flag},
		{"ssl_stapling_verify", srv, Flag},
		{"open_file_cache", http3, Take12},
		{"open_file_cache_valid", http3, Take1},
		{"open_file_cache_min_uses", http3, Take1},
		{"open_file_cache_errors", http3, Flag},
		{"open_log_file_cache", http3, Take1234},
		{"map_hash_bucket_size", CtxHTTP, Take1},
		{"map_hash_max_size", CtxHTTP, Take1},
		{"lingering_close", http3, Take1},
		{"lingering_time", http3, Take1},
		{"lingering_timeout", http3, Take1},
		{"keepalive_disable", http3, OneMore},
		{"aio", http3, Take1},
		{"directio", http3, Take1},
	} {
		set := accepted
		if s.args == Flag {
			set = flagOnly
		}
		Register(&Spec{Name: s.name, Ctx: s.ctx, Args: s.args, Set: set})
	}
}
