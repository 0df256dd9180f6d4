package archtest

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const mod = "github.com/goresty/goresty"

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

func listPackages(t *testing.T) []pkg {
	out, err := exec.Command("go", "list", "-json", mod+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestPackageRules checks the import rules of the design (see
// docs/DESIGN-NOTES.md): the Lua-free engines stay Lua-free and
// server-free, only the Lua packages touch gopher-lua, only the commands
// and the embedding API reach the server, and luavm does not import luaapi.
func TestPackageRules(t *testing.T) {
	pkgs := listPackages(t)
	if len(pkgs) < 15 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	const lua = "github.com/yuin/gopher-lua"
	luaFree := []string{"phases", "cosocket", "shdict", "ngxre", "internal/nginxconf", "internal/config",
		"internal/errlog", "internal/luasrc", "internal/edgepoll"}
	mayUseLua := func(p string) bool {
		return strings.HasPrefix(p, mod+"/internal/luavm") || strings.HasPrefix(p, mod+"/luaapi") ||
			p == mod || strings.HasPrefix(p, mod+"/examples/") || p == mod+"/internal/testserver"
	}
	mayUseServer := func(p string) bool {
		return strings.HasPrefix(p, mod+"/cmd/") || p == mod || p == mod+"/internal/testserver" ||
			p == mod+"/internal/server"
	}
	for _, p := range pkgs {
		for _, lf := range luaFree {
			if p.ImportPath == mod+"/"+lf {
				if has(p.Deps, lua) {
					t.Errorf("%s must not depend on gopher-lua", lf)
				}
				if has(p.Deps, mod+"/internal/server") {
					t.Errorf("%s must not depend on the server", lf)
				}
			}
		}
		if has(p.Imports, lua) && !mayUseLua(p.ImportPath) {
			t.Errorf("%s imports gopher-lua: only luavm, luaapi and the embedding API may", p.ImportPath)
		}
		if has(p.Imports, mod+"/internal/server") && !mayUseServer(p.ImportPath) {
			t.Errorf("%s imports internal/server: only the commands and the embedding API may", p.ImportPath)
		}
		if strings.HasPrefix(p.ImportPath, mod+"/internal/luavm") && has(p.Deps, mod+"/luaapi") {
			t.Errorf("%s depends on luaapi: the server passes the API opener in", p.ImportPath)
		}
	}
}
