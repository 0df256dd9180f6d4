// Package proxy is nginx's upstream and proxy modules: the "upstream"
// block (weighted round robin, max_fails/fail_timeout, backup and down
// servers, upstream keepalive), "proxy_pass" with nginx's URI rules, the
// proxy_* directives, and the $upstream_* and $proxy_* variables.
//
// Its directives register from init; the content handler proxy_pass
// installs streams the upstream's response through the request's output
// filters. Each Plan owns its upstream transports (one connection pool per
// upstream and timeout set), made on first use and shared by requests.
// The server gives a Plan its error log with SetLogger.
package proxy
