package proxy

import (
	"strconv"
	"strings"
	"time"

	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/phases"
)

// reqState is what one request did with its upstream: the $upstream_*
// variables read it.
type reqState struct {
	proxyHost string
	url       string // the upstream of error-log lines: "http://127.0.0.1:8080/uri"
	attempts  []attempt
	buf       [2]attempt
}

// UpstreamURL is the `upstream: "..."` of the request's error-log lines.
func (st *reqState) UpstreamURL() string { return st.url }

// attempt is one try of one upstream server. A time is -1 until known
// (the variables then say "-").
type attempt struct {
	addr                  string
	status                int
	connect, header, resp time.Duration
	length                int64 // body bytes received
}

func (st *reqState) add(a attempt) *attempt {
	if st.attempts == nil {
		st.attempts = st.buf[:0]
	}
	a.connect, a.header, a.resp = -1, -1, -1
	st.attempts = append(st.attempts, a)
	return &st.attempts[len(st.attempts)-1]
}

func stateOf(r *phases.Request) *reqState {
	st, _ := r.Upstream.(*reqState)
	return st
}

func registerVars() {
	phases.RegisterVar("upstream_addr", func(r *phases.Request) (string, bool) {
		return joinAttempts(r, func(b []byte, a *attempt) []byte { return append(b, a.addr...) })
	})
	phases.RegisterVar("upstream_status", func(r *phases.Request) (string, bool) {
		return joinAttempts(r, func(b []byte, a *attempt) []byte {
			if a.status == 0 {
				return append(b, '-')
			}
			return strconv.AppendInt(b, int64(a.status), 10)
		})
	})
	msecVar("upstream_response_time", func(a *attempt) time.Duration { return a.resp })
	msecVar("upstream_connect_time", func(a *attempt) time.Duration { return a.connect })
	msecVar("upstream_header_time", func(a *attempt) time.Duration { return a.header })
	phases.RegisterVar("upstream_response_length", func(r *phases.Request) (string, bool) {
		return joinAttempts(r, func(b []byte, a *attempt) []byte { return strconv.AppendInt(b, a.length, 10) })
	})
	phases.RegisterVar("proxy_host", func(r *phases.Request) (string, bool) {
		if st := stateOf(r); st != nil && st.proxyHost != "" {
			return st.proxyHost, true
		}
		if loc, ok := r.Loc.(*config.Location); ok {
			if lc, ok := loc.Ext[extKey].(*locConf); ok && lc.pass != nil && lc.pass.value == nil {
				return lc.pass.proxyHost, true
			}
		}
		return "", false
	})
	phases.RegisterVar("proxy_add_x_forwarded_for", func(r *phases.Request) (string, bool) {
		if v, ok := r.HeaderValue("X-Forwarded-For"); ok {
			return v + ", " + r.RemoteAddr, true
		}
		return r.RemoteAddr, true
	})
}

// msecVar registers a time variable: seconds with milliseconds, "-" while unknown.
func msecVar(name string, get func(*attempt) time.Duration) {
	phases.RegisterVar(name, func(r *phases.Request) (string, bool) {
		return joinAttempts(r, func(b []byte, a *attempt) []byte {
			d := get(a)
			if d < 0 {
				return append(b, '-')
			}
			return strconv.AppendFloat(b, float64(d.Milliseconds())/1000, 'f', 3, 64)
		})
	})
}

func joinAttempts(r *phases.Request, f func([]byte, *attempt) []byte) (string, bool) {
	st := stateOf(r)
	if st == nil || len(st.attempts) == 0 {
		return "", false
	}
	var b []byte
	for i := range st.attempts {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = f(b, &st.attempts[i])
	}
	return string(b), true
}

// nginx's NGX_ESCAPE_URI set: space, '#', '%', '?', controls and non-ASCII.
func needsEscape(c byte) bool {
	return c <= ' ' || c == '#' || c == '%' || c == '?' || c >= 0x7f
}

// escapeURI escapes a decoded path the way nginx does before sending it upstream.
func escapeURI(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if needsEscape(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) + 2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if needsEscape(c) {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
