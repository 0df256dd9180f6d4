// Package conformance runs goresty's conformance cases: end-to-end
// descriptions of behaviour (a config, requests, the expected responses and
// error-log lines) kept in testdata/cases/**/*.txt and run against a real
// server binary.
//
// The same cases run against two servers:
//
//   - goresty mode (default): $GORESTY_BIN, or ./cmd/goresty built once per
//     test run with `go build`; a build failure fails the test.
//   - oracle mode (ORACLE=1 or -oracle): `nginx` from PATH with Debian's
//     lua-nginx-module. Every case must pass there: that is what shows the
//     expectations are OpenResty's behaviour and not a guess.
//
// Run them with
//
//	ORACLE=1 go test ./internal/conformance/          # real nginx
//	go test ./internal/conformance/                   # goresty
//	go test ./internal/conformance/ -run 'TestConformance/core/static/range'
//
// Each case is the subtest TestConformance/<dir>/<file>/<case name> (spaces
// become underscores). For every case the harness makes a prefix directory
// under t.TempDir() with conf/nginx.conf, logs/, html/ and the case's extra
// files, picks free ports, starts `BIN -p PREFIX/ -c conf/nginx.conf -e
// logs/error.log`, waits for the port, sends the case's requests (the whole
// sequence twice unless the case says "runs: 1", each request on a new
// connection), stops the server with SIGQUIT (SIGKILL after StopTimeout) and
// then checks the error log. A failure prints the numbered config and the
// non-debug error log (CONFORMANCE_DEBUGLOG=1 keeps debug lines). Cases run
// two at a time.
//
// The case file format is described in testdata/cases/README.md; the
// parser is Parse / ParseFile and a parsed case is a Case.
package conformance
