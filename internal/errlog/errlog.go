package errlog

import (
	"fmt"
	"github.com/goresty/goresty/phases"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap/buffer"
	"go.uber.org/zap/zapcore"
)

// Level is an nginx log level; smaller is more severe.
type Level int8

// nginx's levels.
const (
	Stderr Level = iota
	Emerg
	Alert
	Crit
	Error
	Warn
	Notice
	Info
	Debug
)

var levelNames = [...]string{"stderr", "emerg", "alert", "crit", "error", "warn", "notice", "info", "debug"}

// String returns the level's nginx name.
func (l Level) String() string {
	if l >= 0 && int(l) < len(levelNames) {
		return levelNames[l]
	}
	return "unknown"
}

// ParseLevel parses an nginx level name.
func ParseLevel(s string) (Level, bool) {
	for i, n := range levelNames {
		if n == s && i > 0 {
			return Level(i), true
		}
	}
	return 0, false
}

// zap levels are int8 with larger = more severe; map nginx levels onto them.
func (l Level) zap() zapcore.Level { return zapcore.Level(8 - l) }

func fromZap(z zapcore.Level) Level { return Level(8 - int8(z)) }

// Context is what an error-log line says about the request it belongs to.
type Context struct {
	Conn    uint64 // connection number (printed as *N); 0 for none
	Client  string
	Server  string
	Request string // the request line
	// Subrequest is the URI of the subrequest the line is about, if any.
	Subrequest string
	Host       string
	Extra      string // e.g. `upstream: "..."`; appended before host
	Action     string // what the server was doing: " while <Action>" follows the message
	// Log is the request's own error log (error_log in http, server or
	// location); nil: the logger the line is given to
	Log *Logger
}

// Sink is one error_log destination.
type Sink struct {
	Path  string // file path, or "stderr"
	Level Level
}

// Logger writes nginx-shaped error-log lines to its sinks.
type Logger struct {
	mu    sync.Mutex
	sinks []*sink
	min   atomic.Int32 // the most verbose Level any sink (or Admit) wants
	pid   string
}

type sink struct {
	path  string
	level Level
	f     *os.File
	core  zapcore.Core
}

// New opens the sinks. Files are opened for appending and created if needed.
func New(sinks []Sink) (*Logger, error) {
	l := &Logger{pid: strconv.Itoa(os.Getpid())}
	merged := map[string]*sink{}
	for _, s := range sinks {
		if sk := merged[s.Path]; sk != nil {
			// the same file named twice (-e and error_log): one sink, the more verbose level
			if s.Level > sk.level {
				sk.level = s.Level
				sk.core = zapcore.NewCore(lineEncoder{zapcore.NewMapObjectEncoder()}, zapcore.Lock(sk.f), levelEnabler(sk.level))
			}
			if int32(s.Level) > l.min.Load() {
				l.min.Store(int32(s.Level))
			}
			continue
		}
		sk := &sink{path: s.Path, level: s.Level}
		merged[s.Path] = sk
		if err := sk.open(); err != nil {
			l.Close()
			return nil, err
		}
		l.sinks = append(l.sinks, sk)
		if int32(s.Level) > l.min.Load() {
			l.min.Store(int32(s.Level))
		}
	}
	return l, nil
}

func (s *sink) open() error {
	if s.path == "stderr" || s.path == "" {
		s.f = os.Stderr
	} else {
		f, err := os.OpenFile(s.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return fmt.Errorf("open() %q failed (%w)", s.path, err)
		}
		s.f = f
	}
	lvl := s.level
	s.core = zapcore.NewCore(lineEncoder{zapcore.NewMapObjectEncoder()}, zapcore.Lock(s.f), levelEnabler(lvl))
	return nil
}

// Enabled reports whether some sink takes lines of level lv.
func (l *Logger) Enabled(lv Level) bool { return l != nil && int32(lv) <= l.min.Load() }

// Log writes one line. ctx may be nil; a ctx with a Log of its own sends
// the line there.
func (l *Logger) Log(lv Level, ctx *Context, msg string) {
	if ctx != nil && ctx.Log != nil && ctx.Log != l {
		l = ctx.Log
	}
	if !l.Enabled(lv) {
		return
	}
	ent := zapcore.Entry{Level: lv.zap(), Time: time.Now(), Message: msg}
	var fields []zapcore.Field
	if ctx != nil {
		fields = []zapcore.Field{{Key: "ctx", Type: zapcore.SkipType, Interface: ctx}}
	}
	fields = append(fields, zapcore.Field{Key: "pid", Type: zapcore.SkipType, String: l.pid})
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range l.sinks {
		if s.core.Enabled(ent.Level) {
			_ = s.core.Write(ent, fields)
		}
	}
}

// Logf formats and writes one line without request context.
func (l *Logger) Logf(lv Level, format string, args ...any) {
	if l.Enabled(lv) {
		l.Log(lv, nil, fmt.Sprintf(format, args...))
	}
}

// Write writes p as it is to the first sink, where nginx points its
// stderr: what Lua code writes to io.stderr lands there without a
// timestamp.
func (l *Logger) Write(p []byte) (int, error) {
	if l == nil || len(l.sinks) == 0 {
		return os.Stderr.Write(p)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sinks[0].f.Write(p)
}

// Admit makes Enabled true for lv: the lines of requests with logs of
// their own (Context.Log) are checked against this logger before they are
// formatted. Its own files still take only their levels.
func (l *Logger) Admit(lv Level) {
	for {
		m := l.min.Load()
		if int32(lv) <= m || l.min.CompareAndSwap(m, int32(lv)) {
			return
		}
	}
}

// Min is the most verbose level l takes.
func (l *Logger) Min() Level { return Level(l.min.Load()) }

// Reopen reopens the log files (USR1, logrotate).
func (l *Logger) Reopen() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	var first error
	for _, s := range l.sinks {
		if s.f != os.Stderr {
			old := s.f
			if err := s.open(); err != nil {
				s.f = old
				if first == nil {
					first = err
				}
				continue
			}
			old.Close()
		}
	}
	return first
}

// Close closes the files.
func (l *Logger) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range l.sinks {
		if s.f != nil && s.f != os.Stderr {
			s.f.Close()
		}
	}
}

// lineEncoder writes nginx's error-log line:
// 2026/11/25 08:00:00 [error] 1234#1234: *5 message, client: ..., server: ..., request: "...", host: "..."
type lineEncoder struct{ *zapcore.MapObjectEncoder }

var pool = buffer.NewPool()

func (lineEncoder) Clone() zapcore.Encoder { return lineEncoder{zapcore.NewMapObjectEncoder()} }

type levelEnabler Level

func (e levelEnabler) Enabled(z zapcore.Level) bool { return fromZap(z) <= Level(e) }

func (lineEncoder) EncodeEntry(ent zapcore.Entry, fields []zapcore.Field) (*buffer.Buffer, error) {
	b := pool.Get()
	b.AppendString(ent.Time.Format("2006/01/02 15:04:05"))
	b.AppendString(" [")
	b.AppendString(fromZap(ent.Level).String())
	b.AppendString("] ")
	var ctx *Context
	pid := ""
	for _, f := range fields {
		switch f.Key {
		case "ctx":
			ctx, _ = f.Interface.(*Context)
		case "pid":
			pid = f.String
		}
	}
	b.AppendString(pid)
	b.AppendByte('#')
	b.AppendString(pid)
	b.AppendString(": ")
	if ctx != nil && ctx.Conn != 0 {
		b.AppendByte('*')
		b.AppendUint(ctx.Conn)
		b.AppendByte(' ')
	}
	b.AppendString(strings.TrimRight(ent.Message, "\n"))
	if ctx != nil && ctx.Action != "" {
		b.AppendString(" while ")
		b.AppendString(ctx.Action)
	}
	if ctx != nil {
		if ctx.Client != "" {
			b.AppendString(", client: ")
			b.AppendString(ctx.Client)
		}
		if ctx.Server != "" || ctx.Request != "" {
			b.AppendString(", server: ")
			b.AppendString(ctx.Server)
		}
		if ctx.Request != "" {
			b.AppendString(`, request: "`)
			b.AppendString(ctx.Request)
			b.AppendByte('"')
		}
		if ctx.Subrequest != "" {
			b.AppendString(`, subrequest: "`)
			b.AppendString(ctx.Subrequest)
			b.AppendByte('"')
		}
		if ctx.Extra != "" {
			b.AppendString(", ")
			b.AppendString(ctx.Extra)
		}
		if ctx.Host != "" {
			b.AppendString(`, host: "`)
			b.AppendString(ctx.Host)
			b.AppendByte('"')
		}
	}
	b.AppendByte('\n')
	return b, nil
}

// ForRequest is the context nginx prints for a request's error-log lines:
// connection number, client, server, request line, the upstream once
// proxy_pass has picked one, and Host.
func ForRequest(r *phases.Request) *Context {
	main := r
	for main.Parent != nil {
		main = main.Parent
	}
	c := &Context{
		Conn:    r.ConnID,
		Client:  r.RemoteAddr,
		Server:  r.ServerName,
		Request: main.HTTP.Method + " " + main.RequestURI + " " + main.Proto,
		Host:    r.HTTP.Host,
	}
	if r != main {
		c.Subrequest = r.URI
	}
	if lg, ok := r.ErrLog.(*Logger); ok {
		c.Log = lg
	}
	if u, ok := r.Upstream.(interface{ UpstreamURL() string }); ok {
		if s := u.UpstreamURL(); s != "" {
			c.Extra = `upstream: "` + s + `"`
		}
	}
	return c
}
