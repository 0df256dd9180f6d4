package luavm

import (
	"testing"

	"github.com/goresty/goresty/internal/nginxconf"
)

func TestChunkName(t *testing.T) {
	long := "/srv/a-rather-long-directory-name/with/several/levels/site.conf"
	tests := []struct {
		name, directive, file string
		line                  int
		want                  string
	}{
		{"main file", "content_by_lua_block", "/etc/app/conf/nginx.conf", 12, "content_by_lua(nginx.conf:12)"},
		{"sub directory", "access_by_lua_block", "/etc/app/conf/conf.d/site.conf", 3, "access_by_lua(conf.d/site.conf:3)"},
		{"relative as given", "content_by_lua_block", "site.conf", 7, "content_by_lua(site.conf:7)"},
		{"outside the directory", "content_by_lua_block", "/srv/x.conf", 1, "content_by_lua(/srv/x.conf:1)"},
		{"too long", "content_by_lua_block", long, 100, "content_by_lua(...y-name/with/several/levels/site.conf:100)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &nginxconf.Directive{Name: tt.directive, File: tt.file, Line: tt.line}
			got := chunkName(d, "/etc/app/conf/")
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if len(got) > 59 {
				t.Errorf("%q is longer than 59 bytes", got)
			}
		})
	}
}
