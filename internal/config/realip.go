package config

import (
	"net"
	"strings"

	"github.com/goresty/goresty/internal/nginxconf"
)

// The realip module's directives: a client connecting from a trusted
// address (set_real_ip_from) has its address taken from a request header
// (real_ip_header, X-Real-IP by default; X-Forwarded-For with
// real_ip_recursive). The server applies them when a request arrives,
// with its server's settings (internal/server, realIP).

// RealIP is the realip configuration of a level.
type RealIP struct {
	From      []*net.IPNet
	Unix      bool   // unix: is trusted
	Header    string // canonical header name; "" is X-Real-IP
	Recursive bool
}

func init() {
	const http3 = CtxHTTPAll
	Register(
		&Spec{Name: "set_real_ip_from", Ctx: http3, Args: Take1, Set: setRealIPFrom},
		&Spec{Name: "real_ip_header", Ctx: http3, Args: Take1, Set: func(c *Ctx, d *nginxconf.Directive) error {
			if d.Args[0] == "proxy_protocol" {
				return Errorf(d, `"real_ip_header proxy_protocol" is not supported by goresty`)
			}
			ri := c.Loc.ownRealIP()
			ri.Header = canonicalHeader(d.Args[0])
			return nil
		}},
		&Spec{Name: "real_ip_recursive", Ctx: http3, Args: Flag, Set: func(c *Ctx, d *nginxconf.Directive) error {
			on, err := FlagValue(d)
			if err != nil {
				return err
			}
			c.Loc.ownRealIP().Recursive = on
			return nil
		}},
	)
}

func setRealIPFrom(c *Ctx, d *nginxconf.Directive) error {
	arg := d.Args[0]
	ri := c.Loc.ownRealIP()
	if arg == "unix:" {
		ri.Unix = true
		return nil
	}
	cidr := arg
	if !strings.Contains(cidr, "/") {
		ip := net.ParseIP(cidr)
		if ip == nil {
			// nginx resolves a name here; goresty takes addresses only
			return Errorf(d, `host not found in set_real_ip_from "%s"`, arg)
		}
		if ip.To4() != nil {
			cidr += "/32"
		} else {
			cidr += "/128"
		}
	}
	_, n, err := net.ParseCIDR(cidr)
	if err != nil {
		return Errorf(d, `host not found in set_real_ip_from "%s"`, arg)
	}
	ri.From = append(ri.From, n)
	return nil
}

// ownRealIP gives this level its own copy of the inherited settings.
func (l *Location) ownRealIP() *RealIP {
	if !l.Own("realip") {
		cp := RealIP{}
		if l.RealIP != nil {
			cp = *l.RealIP
			cp.From = append([]*net.IPNet(nil), cp.From...)
		}
		l.RealIP = &cp
	}
	if l.RealIP == nil {
		l.RealIP = &RealIP{}
	}
	return l.RealIP
}

func canonicalHeader(s string) string {
	b := []byte(strings.ToLower(s))
	up := true
	for i, c := range b {
		if up && c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
		up = c == '-'
	}
	return string(b)
}

// Trusted reports whether addr (an IP, or "unix:") may set the client address.
func (ri *RealIP) Trusted(addr string) bool {
	if ri == nil {
		return false
	}
	if addr == "unix:" || addr == "" {
		return ri.Unix
	}
	ip := net.ParseIP(addr)
	if ip == nil {
		return false
	}
	for _, n := range ri.From {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}
