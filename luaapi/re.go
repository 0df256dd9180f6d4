package luaapi

import (
	"github.com/goresty/goresty/internal/errlog"
	"github.com/goresty/goresty/luaapi/re"
)

func init() { register(openRe) }

// openRe installs ngx.re.* (luaapi/re) with the http-level regex settings.
func openRe(a *api) {
	cfg := re.DefaultConfig()
	mc := a.w.RT.Main
	cfg.CacheMaxEntries = mc.RegexCache
	if mc.RegexLimit > 0 {
		cfg.MatchLimit = mc.RegexLimit
	}
	cfg.LogError = func(msg string) { a.log(errlog.Error, msg) }
	re.Register(a.L, a.ngx, cfg)
}
