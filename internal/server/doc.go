// Package server runs a config.Plan: it owns the listeners, picks the
// virtual server and location of every request, runs the phases in nginx
// order (server rewrite, rewrite, access, try_files, content, header and
// body filters, log), serves static files and error pages, writes the
// access log, and swaps Plans on reload without dropping requests.
package server
