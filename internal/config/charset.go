package config

import (
	"strings"

	"github.com/goresty/goresty/internal/nginxconf"
)

// The charset module: "charset NAME" adds "; charset=NAME" to the
// Content-Type of responses whose type is in charset_types (the header
// filter is in internal/server). Recoding between charsets (source_charset,
// charset_map) is not supported.

// DefaultCharsetTypes is nginx's charset_types default.
var DefaultCharsetTypes = map[string]bool{
	"text/html": true, "text/xml": true, "text/plain": true, "text/vnd.wap.wml": true,
	"application/javascript": true, "application/rss+xml": true,
}

func init() {
	const http3 = CtxHTTPAll
	Register(
		&Spec{Name: "charset", Ctx: http3 | CtxLocIf, Args: Take1, Set: func(c *Ctx, d *nginxconf.Directive) error {
			v := d.Args[0]
			if strings.Contains(v, "$") {
				return Errorf(d, `"charset" with variables is not supported by goresty`)
			}
			if v == "off" {
				v = ""
			}
			c.Loc.Charset = v
			return nil
		}},
		&Spec{Name: "charset_types", Ctx: http3, Args: OneMore, Set: func(c *Ctx, d *nginxconf.Directive) error {
			types := make(map[string]bool, len(d.Args))
			for _, t := range d.Args {
				types[strings.ToLower(t)] = true
			}
			c.Loc.CharsetTypes = types
			return nil
		}},
		&Spec{Name: "override_charset", Ctx: http3 | CtxLocIf, Args: Flag, Set: func(c *Ctx, d *nginxconf.Directive) error {
			on, err := FlagValue(d)
			if err == nil && on {
				return Errorf(d, `"override_charset on" is not supported by goresty`)
			}
			return err
		}},
		&Spec{Name: "source_charset", Ctx: http3 | CtxLocIf, Args: Take1, Set: func(c *Ctx, d *nginxconf.Directive) error {
			return Errorf(d, `"source_charset" (recoding) is not supported by goresty`)
		}},
	)
}

// CharsetFor returns the Content-Type value with the location's charset
// added, or ct itself when none applies: charset off, a type outside
// charset_types, or a value that already has parameters (compared whole
// and without case, as nginx compares the type it was given).
func (l *Location) CharsetFor(ct string) string {
	if l.Charset == "" || ct == "" {
		return ct
	}
	types := l.CharsetTypes
	if types == nil {
		types = DefaultCharsetTypes
	}
	if !types["*"] && !types[strings.ToLower(ct)] {
		return ct
	}
	return ct + "; charset=" + l.Charset
}
