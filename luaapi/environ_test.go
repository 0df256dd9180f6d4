package luaapi

import (
	"reflect"
	"testing"

	"github.com/goresty/goresty/internal/config"
)

// TestEnvirons: workers keep TZ and the "env" variables (given or
// inherited; unset ones stay unset), init_by_lua sees everything with the
// given values, as observed on nginx 1.22 (init_by_lua: HOME set, FOO=bar;
// content_by_lua: HOME nil, FOO bar, PATH set, NOTSET nil, TZ kept).
func TestEnvirons(t *testing.T) {
	p := &config.Plan{
		Env:      map[string]string{"FOO": "bar", "PATH": "/bin", "NOTSET": ""},
		EnvNames: []string{"FOO", "PATH", "NOTSET"},
	}
	env := []string{"HOME=/root", "PATH=/bin", "TZ=Europe/Paris", "FOO=old"}
	full, worker := environs(p, env)
	if want := []string{"TZ=Europe/Paris", "FOO=bar", "PATH=/bin"}; !reflect.DeepEqual(worker, want) {
		t.Errorf("worker = %q, want %q", worker, want)
	}
	if want := []string{"HOME=/root", "TZ=Europe/Paris", "FOO=bar", "PATH=/bin"}; !reflect.DeepEqual(full, want) {
		t.Errorf("full = %q, want %q", full, want)
	}
}
