package luavm

import (
	"errors"

	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/internal/errlog"
	"github.com/goresty/goresty/internal/nginxconf"
	"github.com/goresty/goresty/shdict"
)

// setSharedDict is lua_shared_dict NAME SIZE.
func setSharedDict(c *config.Ctx, d *nginxconf.Directive) error {
	if d.Args[0] == "" {
		return config.Errorf(d, `invalid lua shared dict name "%s"`, d.Args[0])
	}
	n, ok := parseZoneSize(d.Args[1])
	if !ok || n < shdict.MinSize {
		return config.Errorf(d, `invalid lua shared dict size "%s"`, d.Args[1])
	}
	mc := mainConf(c.Plan)
	for _, s := range mc.SharedDicts {
		if s.Name == d.Args[0] && s.Size != n {
			return config.Errorf(d, `the size %d of shared memory zone "%s" conflicts with already declared size %d`, n, s.Name, s.Size)
		}
		if s.Name == d.Args[0] {
			return config.Errorf(d, `lua_shared_dict "%s" is already defined as "%s"`, d.Args[0], s.Name)
		}
	}
	if len(mc.SharedDicts) == 0 {
		c.Plan.Hooks = append(c.Plan.Hooks, checkZones)
	}
	mc.SharedDicts = append(mc.SharedDicts, SharedDict{Name: d.Args[0], Size: n, File: d.File, Line: d.Line})
	return nil
}

// parseZoneSize is nginx's ngx_parse_size: digits with an optional k or m
// suffix (no g, no sign), and no overflow.
func parseZoneSize(s string) (int64, bool) {
	mult := int64(1)
	if s != "" {
		switch s[len(s)-1] {
		case 'k', 'K':
			mult, s = 1<<10, s[:len(s)-1]
		case 'm', 'M':
			mult, s = 1<<20, s[:len(s)-1]
		}
	}
	if s == "" {
		return 0, false
	}
	var n int64
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		if n > (1<<63-1-int64(c-'0'))/10 {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if n > (1<<63-1)/mult {
		return 0, false
	}
	return n * mult, true
}

// checkZones makes every zone once, as nginx initialises shared memory
// after reading the configuration: a zone too small for the slab
// allocator's own bookkeeping fails the configuration (also with -t).
func checkZones(p *config.Plan) error {
	for _, sd := range mainConf(p).SharedDicts {
		if _, err := shdict.New(sd.Name, sd.Size); err != nil {
			if errors.Is(err, shdict.ErrSlabInit) {
				return &ZoneError{Err: shdict.ErrSlabInit}
			}
			return err
		}
	}
	return nil
}

// ZoneError is a shared memory zone that cannot be set up. nginx logs it
// at [crit] without a position.
type ZoneError struct{ Err error }

func (e *ZoneError) Error() string { return e.Err.Error() }

func (e *ZoneError) Unwrap() error { return e.Err }

// LogLevel is the level the error is reported at.
func (e *ZoneError) LogLevel() errlog.Level { return errlog.Crit }
