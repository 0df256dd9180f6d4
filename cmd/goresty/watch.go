package main

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/internal/errlog"
)

// watcher reloads goresty when a file of the configuration changes
// ("auto_reload on", a goresty extension): the configuration files, the
// *_by_lua_file files and the Lua module folders under the prefix (lua/,
// lib/). Changes are gathered for a moment, so an editor's several writes
// give one reload; a broken new configuration is logged and the old one
// keeps serving, as with HUP.
type watcher struct {
	w       *fsnotify.Watcher
	mu      sync.Mutex
	files   map[string]bool // watched files (by path)
	dirs    map[string]bool // folders whose .lua files all count
	watched map[string]bool // folders given to fsnotify
	fire    chan struct{}
	log     *errlog.Logger
}

const reloadSettle = 300 * time.Millisecond

func newWatcher(p *config.Plan, log *errlog.Logger) (*watcher, error) {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	wt := &watcher{w: fw, watched: map[string]bool{}, fire: make(chan struct{}, 1), log: log}
	wt.update(p)
	go wt.loop()
	return wt, nil
}

// update watches the files of a new Plan; the fsnotify watcher stays, so
// no change is missed across a reload.
func (wt *watcher) update(p *config.Plan) {
	files, dirs := map[string]bool{}, map[string]bool{}
	add := func(dir string) {
		if !wt.watched[dir] {
			if err := wt.w.Add(dir); err == nil {
				wt.watched[dir] = true
			}
		}
	}
	for _, f := range p.Files {
		abs, _ := filepath.Abs(f)
		files[abs] = true
		add(filepath.Dir(abs))
	}
	for _, d := range []string{"lua", "lib"} {
		dir := filepath.Join(p.Prefix, d)
		if st, err := os.Stat(dir); err == nil && st.IsDir() {
			dirs[dir] = true
			add(dir)
		}
	}
	wt.mu.Lock()
	wt.files, wt.dirs = files, dirs
	wt.mu.Unlock()
}

func (wt *watcher) relevant(name string) bool {
	abs, _ := filepath.Abs(name)
	wt.mu.Lock()
	defer wt.mu.Unlock()
	return wt.files[abs] || wt.dirs[filepath.Dir(abs)] && strings.HasSuffix(abs, ".lua")
}

func (wt *watcher) loop() {
	var settle <-chan time.Time
	for {
		select {
		case ev, ok := <-wt.w.Events:
			if !ok {
				return
			}
			if ev.Op&(fsnotify.Write|fsnotify.Create|fsnotify.Rename|fsnotify.Remove) != 0 && wt.relevant(ev.Name) {
				settle = time.After(reloadSettle)
			}
		case err, ok := <-wt.w.Errors:
			if !ok {
				return
			}
			wt.log.Log(errlog.Warn, nil, "auto_reload: "+err.Error())
		case <-settle:
			settle = nil
			select {
			case wt.fire <- struct{}{}:
			default:
			}
		}
	}
}

// Close stops watching.
func (wt *watcher) Close() {
	if wt != nil {
		wt.w.Close()
	}
}
