package server

import (
	"net"
	"net/http"
	"strings"

	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/phases"
)

func init() {
	// the client's own address, whatever realip made of $remote_addr
	phases.RegisterVar("realip_remote_addr", func(r *phases.Request) (string, bool) {
		if r.ConnAddr != "" {
			return r.ConnAddr, true
		}
		return r.RemoteAddr, true
	})
	phases.RegisterVar("realip_remote_port", func(r *phases.Request) (string, bool) {
		if r.ConnAddr != "" {
			return r.ConnPort, true
		}
		return r.RemotePort, true
	})
}

// realIP is nginx's realip module at the start of a request: a client
// connecting from a trusted address gets the address the header names
// ($remote_addr, $remote_port, allow/deny and the logs see it).
func realIP(r *phases.Request, ri *config.RealIP) {
	if ri == nil || !ri.Trusted(r.RemoteAddr) {
		return
	}
	name := ri.Header
	if name == "" {
		name = "X-Real-Ip"
	}
	vs := r.HTTP.Header[http.CanonicalHeaderKey(name)]
	if len(vs) == 0 {
		return
	}
	var addr, port string
	ok := false
	if strings.EqualFold(name, "X-Forwarded-For") {
		// from the right: the last address, or with real_ip_recursive the
		// first one not trusted
	lines:
		for i := len(vs) - 1; i >= 0; i-- {
			items := strings.Split(vs[i], ",")
			for j := len(items) - 1; j >= 0; j-- {
				item := strings.TrimSpace(items[j])
				if item == "" {
					continue
				}
				a, p, good := parseAddrPort(item)
				if !good {
					break lines
				}
				addr, port, ok = a, p, true
				if !ri.Recursive || !ri.Trusted(a) {
					break lines
				}
			}
		}
	} else {
		addr, port, ok = parseAddrPort(strings.TrimSpace(vs[0]))
	}
	if !ok {
		return
	}
	r.ConnAddr, r.ConnPort = r.RemoteAddr, r.RemotePort
	r.RemoteAddr, r.RemotePort = addr, port
}

// parseAddrPort reads "1.2.3.4", "1.2.3.4:80", "::1" or "[::1]:80".
func parseAddrPort(s string) (addr, port string, ok bool) {
	if ip := net.ParseIP(s); ip != nil {
		return ip.String(), "", true
	}
	h, p, err := net.SplitHostPort(s)
	if err != nil {
		return "", "", false
	}
	ip := net.ParseIP(h)
	if ip == nil {
		return "", "", false
	}
	return ip.String(), p, true
}
