package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goresty/goresty/internal/errlog"
)

// A block's error log is opened once for its files and levels, so the
// plans of later reloads reuse it instead of opening the files again; a
// request's lines go to it, at its level, and not to the main log.
func TestBlockErrorLogsAreSharedAndTakeRequestLines(t *testing.T) {
	dir := t.TempDir()
	mainLog, err := errlog.New([]errlog.Sink{{Path: filepath.Join(dir, "main.log"), Level: errlog.Error}})
	if err != nil {
		t.Fatal(err)
	}
	defer mainLog.Close()
	s := New(Options{Log: mainLog})
	sinks := []errlog.Sink{{Path: filepath.Join(dir, "block.log"), Level: errlog.Info}}
	a := s.openErrorLog(sinks)
	b := s.openErrorLog(append([]errlog.Sink(nil), sinks...))
	if a == nil || a != b {
		t.Fatalf("opened %p and %p for the same files", a, b)
	}
	if !mainLog.Enabled(errlog.Info) {
		t.Error("the main logger does not admit the block's info lines")
	}
	ctx := &errlog.Context{Conn: 1, Log: a}
	mainLog.Log(errlog.Info, ctx, "for the block")
	mainLog.Log(errlog.Debug, ctx, "below the block's level")
	mainLog.Log(errlog.Error, nil, "for the main log")
	s.Shutdown(false)
	block, _ := os.ReadFile(filepath.Join(dir, "block.log"))
	main, _ := os.ReadFile(filepath.Join(dir, "main.log"))
	if !strings.Contains(string(block), "[info]") || !strings.Contains(string(block), "for the block") ||
		strings.Contains(string(block), "below") || strings.Contains(string(block), "main log") {
		t.Errorf("block log:\n%s", block)
	}
	if strings.Contains(string(main), "block") || !strings.Contains(string(main), "for the main log") {
		t.Errorf("main log:\n%s", main)
	}
}
