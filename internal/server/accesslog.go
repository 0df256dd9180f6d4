package server

import (
	"os"
	"sync"

	"github.com/goresty/goresty/internal/config"
	"github.com/goresty/goresty/phases"
)

// logFiles keeps the open access-log files of a plan, shared by path.
type logFiles struct {
	mu    sync.Mutex
	files map[string]*os.File
}

func (l *logFiles) get(path string) *os.File {
	l.mu.Lock()
	defer l.mu.Unlock()
	if f, ok := l.files[path]; ok {
		return f
	}
	if path == "stderr" {
		l.files[path] = os.Stderr
		return os.Stderr
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		l.files[path] = nil
		return nil
	}
	l.files[path] = f
	return f
}

// reopen closes every file; they are opened again on next use.
func (l *logFiles) reopen() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for p, f := range l.files {
		if f != nil && f != os.Stderr {
			f.Close()
		}
		delete(l.files, p)
	}
}

func (s *Server) logPhase(st *state, r *phases.Request) {
	loc, _ := r.Loc.(*config.Location)
	if loc == nil {
		return
	}
	if hs := loc.Handlers[phases.Log]; len(hs) > 0 {
		r.Phase = phases.Log
		for _, h := range hs {
			h.Handle(r)
		}
	}
	if loc.AccessLogOff {
		return
	}
	logs := loc.AccessLogs
	if logs == nil {
		logs = st.defaultAccess
	}
	for _, al := range logs {
		f := s.logs.get(al.Path)
		if f == nil {
			continue
		}
		line := al.Format.Value.EvalLog(r, al.Format.Escape) + "\n"
		f.WriteString(line)
	}
}
