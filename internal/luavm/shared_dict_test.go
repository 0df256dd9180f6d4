package luavm

import (
	"errors"
	"testing"

	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/internal/errlog"
	"github.com/goresty/goresty/shdict"
)

func TestParseZoneSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"8192", 8192, true},
		{"12k", 12 << 10, true},
		{"1M", 1 << 20, true},
		{"016k", 16 << 10, true},
		{"1g", 0, false},
		{"1G", 0, false},
		{"+16k", 0, false},
		{"-1m", 0, false},
		{"1.5m", 0, false},
		{"k", 0, false},
		{"", 0, false},
		{"9223372036854775807", 1<<63 - 1, true},
		{"9223372036854775808", 0, false},
		{"9007199254740992k", 0, false},
	}
	for _, tc := range tests {
		got, ok := parseZoneSize(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseZoneSize(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestCheckZones(t *testing.T) {
	tests := []struct {
		name string
		size int64
		crit bool
	}{
		{"fits", 12 << 10, false},
		{"too small for the slab", 12<<10 - 1, true},
		{"minimum", shdict.MinSize, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &config.Plan{Ext: map[string]any{}}
			mainConf(p).SharedDicts = []SharedDict{{Name: "ok", Size: 1 << 20}, {Name: "d", Size: tc.size}}
			err := checkZones(p)
			if !tc.crit {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				return
			}
			var ze *ZoneError
			if !errors.As(err, &ze) || ze.LogLevel() != errlog.Crit || err.Error() != "ngx_slab_alloc() failed: no memory" {
				t.Fatalf("got %#v, want a [crit] ngx_slab_alloc() failed: no memory", err)
			}
		})
	}
}
