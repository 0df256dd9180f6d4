package conformance

import (
	"flag"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var oracleFlag = flag.Bool("oracle", false, "run the cases against nginx from PATH (same as ORACLE=1)")

// parallel bounds how many case servers run at once.
const parallel = 2

// moduleRoot walks up from the working directory to the directory of go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("conformance: go.mod not found above the working directory")
		}
		dir = parent
	}
}

// target picks the server under test: nginx in oracle mode, else
// $GORESTY_BIN, else a fresh `go build` of ./cmd/goresty.
func target(t *testing.T, root string) *Target {
	t.Helper()
	if *oracleFlag || os.Getenv("ORACLE") == "1" {
		bin, err := exec.LookPath("nginx")
		if err != nil {
			t.Fatalf("conformance: oracle mode needs nginx in PATH: %v", err)
		}
		return &Target{Bin: bin, Name: "nginx", Oracle: true}
	}
	if bin := os.Getenv("GORESTY_BIN"); bin != "" {
		return &Target{Bin: bin, Name: "goresty"}
	}
	bin := filepath.Join(t.TempDir(), "goresty")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/goresty")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("conformance: building ./cmd/goresty failed (set GORESTY_BIN or ORACLE=1): %v\n%s", err, out)
	}
	return &Target{Bin: bin, Name: "goresty"}
}

// TestConformance runs every case of testdata/cases as the subtest
// TestConformance/<dir>/<file>/<case name>.
func TestConformance(t *testing.T) {
	root := moduleRoot(t)
	casesDir := filepath.Join(root, "testdata", "cases")
	var files []string
	err := filepath.WalkDir(casesDir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".txt") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("conformance: no case files under %s", casesDir)
	}
	tg := target(t, root)
	sem := make(chan struct{}, parallel)
	for _, f := range files {
		rel, _ := filepath.Rel(casesDir, f)
		cases, err := ParseFile(f)
		if err != nil {
			t.Error(err)
			continue
		}
		for _, c := range cases {
			c.File = filepath.Join("testdata/cases", rel)
		}
		t.Run(strings.TrimSuffix(rel, ".txt"), func(t *testing.T) {
			t.Parallel()
			for _, c := range cases {
				t.Run(c.Name, func(t *testing.T) {
					t.Parallel()
					sem <- struct{}{}
					defer func() { <-sem }()
					tg.Run(t, c)
				})
			}
		})
	}
}
