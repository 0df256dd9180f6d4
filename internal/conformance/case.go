package conformance

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Case is one conformance case: a config, the files it needs and either the
// requests to send with their expectations, or (for a config-test case) the
// expected result of `BIN -t`.
type Case struct {
	File string // case file path as given to ParseFile
	Name string // the text after "=== "
	Line int    // line of the "=== " header

	Todo       string // non-empty: goresty does not do this yet (skipped in goresty mode)
	OracleSkip string // non-empty: goresty-only behaviour (skipped in oracle mode)
	Runs       int    // how many times the request sequence is sent (default 2)

	Main    string // main-context directives (generated layout)
	HTTP    string // http{}-level directives (generated layout)
	Conf    string // a whole nginx.conf (with @PREAMBLE@), instead of Main+HTTP
	HasConf bool   // Conf was given

	Files      []File
	Requests   []*Request
	ConfigTest *ConfigTest // non-nil: a `BIN -t` case, no server is started

	Logs      []string // regexes that must each match an error-log entry
	AllowLogs []string // regexes that allow [warn]..[emerg] entries without requiring them
	NoLogs    []string // regexes that must match no error-log entry
}

// File is an extra file written under the prefix before the server starts.
type File struct {
	Path    string // relative to the prefix, e.g. html/index.html
	Content string
	Mtime   time.Time // zero: the time of writing
	Line    int
}

// Request is one request of a case and what its response must look like.
type Request struct {
	Line   int
	Raw    bool   // Text is sent as is (CRLF line ends), not built from a request line
	Port2  bool   // sent to @PORT2@ instead of @PORT@
	Text   string // request section text, before substitution
	Expect Expect
}

// Expect holds the expectations on one response.
type Expect struct {
	Status       int     // 0: any, else a code, StatusNone or StatusHTTP09
	StatusLine   *string // the exact status line (without CRLF), if set
	Headers      []HeaderExpect
	Body         *string  // exact body, if set
	BodyRe       []string // regexes the body must match
	BodyContains []string // substrings the body must contain
	Truncated    bool     // the body must end early (connection closed mid-body)
}

// Special values of Expect.Status.
const (
	StatusNone   = -1 // the server closes the connection without a response
	StatusHTTP09 = -2 // an HTTP/0.9 answer: the body alone, no status line
)

// HeaderExpect is one expectation on a response header.
type HeaderExpect struct {
	Name   string
	Value  string // exact value or regex
	Regex  bool
	Absent bool
}

// ConfigTest is the expected outcome of `BIN -t`.
type ConfigTest struct {
	Exit     int
	Stderr   []string // substrings that must appear in stderr
	StderrRe []string // regexes that must match stderr
}

// sectionRe matches a section header; only these names start a section, so
// a Lua comment such as "--- x" inside a section is kept as content.
var sectionRe = regexp.MustCompile(`^--- (main|http|nginx\.conf|file|request|raw|expect|body|config-test)( .*)?$`)

// ParseFile reads a case file.
func ParseFile(path string) ([]*Case, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("conformance: %w", err)
	}
	return Parse(path, string(data))
}

// Parse parses the text of a case file; name is used in error messages.
func Parse(name, text string) ([]*Case, error) {
	p := &parser{name: name, lines: strings.Split(text, "\n")}
	if n := len(p.lines); n > 0 && p.lines[n-1] == "" {
		p.lines = p.lines[:n-1]
	}
	if err := p.parse(); err != nil {
		return nil, err
	}
	return p.cases, nil
}

type parser struct {
	name  string
	lines []string
	pos   int // index of the next line
	cases []*Case
}

func (p *parser) errorf(line int, format string, args ...any) error {
	return fmt.Errorf("conformance: %s:%d: %s", p.name, line, fmt.Sprintf(format, args...))
}

func (p *parser) parse() error {
	// Lines before the first case are comments about the file.
	for p.pos < len(p.lines) && !strings.HasPrefix(p.lines[p.pos], "=== ") {
		p.pos++
	}
	seen := map[string]bool{}
	for p.pos < len(p.lines) {
		c, err := p.parseCase()
		if err != nil {
			return err
		}
		if seen[c.Name] {
			return p.errorf(c.Line, "duplicate case name %q", c.Name)
		}
		seen[c.Name] = true
		p.cases = append(p.cases, c)
	}
	return nil
}

func (p *parser) parseCase() (*Case, error) {
	c := &Case{File: p.name, Line: p.pos + 1, Runs: 2}
	c.Name = strings.TrimSpace(strings.TrimPrefix(p.lines[p.pos], "=== "))
	if c.Name == "" || strings.ContainsAny(c.Name, "/") {
		return nil, p.errorf(c.Line, "case name must be non-empty and contain no '/'")
	}
	p.pos++
	for p.pos < len(p.lines) && !p.atHeader() {
		line := strings.TrimSpace(p.lines[p.pos])
		p.pos++
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if err := p.caseKey(c, line); err != nil {
			return nil, err
		}
	}
	for p.pos < len(p.lines) && !strings.HasPrefix(p.lines[p.pos], "=== ") {
		if err := p.section(c); err != nil {
			return nil, err
		}
	}
	return c, p.validate(c)
}

func (p *parser) atHeader() bool {
	l := p.lines[p.pos]
	return strings.HasPrefix(l, "=== ") || sectionRe.MatchString(l)
}

func (p *parser) caseKey(c *Case, line string) error {
	key, val, ok := strings.Cut(line, ":")
	val = strings.TrimSpace(val)
	if !ok {
		return p.errorf(p.pos, "want \"key: value\", got %q", line)
	}
	switch key {
	case "todo":
		c.Todo = val
	case "oracle-skip":
		c.OracleSkip = val
	case "runs":
		n, err := strconv.Atoi(val)
		if err != nil || n < 1 {
			return p.errorf(p.pos, "bad runs %q", val)
		}
		c.Runs = n
	case "log", "allow-log", "no-log":
		return p.logKey(c, key, val, p.pos)
	default:
		return p.errorf(p.pos, "unknown case key %q", key)
	}
	if val == "" {
		return p.errorf(p.pos, "%s needs a reason", key)
	}
	return nil
}

func (p *parser) logKey(c *Case, key, val string, line int) error {
	if _, err := regexp.Compile(val); err != nil {
		return p.errorf(line, "%s: %v", key, err)
	}
	switch key {
	case "log":
		c.Logs = append(c.Logs, val)
	case "allow-log":
		c.AllowLogs = append(c.AllowLogs, val)
	default:
		c.NoLogs = append(c.NoLogs, val)
	}
	return nil
}

// section parses one "--- kind args" section and its content.
func (p *parser) section(c *Case) error {
	hdrLine := p.pos + 1
	m := sectionRe.FindStringSubmatch(p.lines[p.pos])
	if m == nil {
		return p.errorf(hdrLine, "want a section header, got %q", p.lines[p.pos])
	}
	kind, args := m[1], strings.Fields(m[2])
	p.pos++
	start := p.pos
	for p.pos < len(p.lines) && !p.atHeader() {
		p.pos++
	}
	body := p.lines[start:p.pos]
	// Trailing blank lines separate sections, except in a raw request where
	// every line counts.
	for kind != "raw" && len(body) > 0 && strings.TrimSpace(body[len(body)-1]) == "" {
		body = body[:len(body)-1]
	}
	text := ""
	if len(body) > 0 {
		text = strings.Join(body, "\n") + "\n"
	}
	var flags []string
	crlf := false
	for _, a := range args {
		switch a {
		case "nonl":
			text = strings.TrimSuffix(text, "\n")
		case "crlf":
			crlf = true
		default:
			flags = append(flags, a)
		}
	}
	if crlf {
		text = strings.ReplaceAll(text, "\n", "\r\n")
	}
	return p.apply(c, kind, flags, text, hdrLine)
}

func (p *parser) apply(c *Case, kind string, flags []string, text string, line int) error {
	switch kind {
	case "main":
		c.Main += text
	case "http":
		c.HTTP += text
	case "nginx.conf":
		c.Conf, c.HasConf = text, true
	case "file":
		return p.file(c, flags, text, line)
	case "request", "raw":
		r := &Request{Line: line, Raw: kind == "raw", Text: text}
		for _, f := range flags {
			if f != "port2" {
				return p.errorf(line, "unknown request flag %q", f)
			}
			r.Port2 = true
		}
		c.Requests = append(c.Requests, r)
		return nil
	case "expect":
		return p.expect(c, text, line)
	case "body":
		if len(c.Requests) == 0 {
			return p.errorf(line, "--- body before any request")
		}
		r := c.Requests[len(c.Requests)-1]
		r.Expect.Body = &text
	case "config-test":
		return p.configTest(c, text, line)
	}
	if len(flags) > 0 {
		return p.errorf(line, "unexpected arguments %q", flags)
	}
	return nil
}

func (p *parser) validate(c *Case) error {
	if c.HasConf && (c.Main != "" || c.HTTP != "") {
		return p.errorf(c.Line, "case %q: --- nginx.conf excludes --- main and --- http", c.Name)
	}
	if !c.HasConf && c.HTTP == "" {
		return p.errorf(c.Line, "case %q: no --- http or --- nginx.conf section", c.Name)
	}
	if c.ConfigTest != nil && len(c.Requests) > 0 {
		return p.errorf(c.Line, "case %q: a config-test case has no requests", c.Name)
	}
	if c.ConfigTest == nil && len(c.Requests) == 0 {
		return p.errorf(c.Line, "case %q: no requests", c.Name)
	}
	for _, r := range c.Requests {
		e := r.Expect
		if e.Status == 0 && e.StatusLine == nil && e.Body == nil && len(e.Headers)+len(e.BodyRe)+len(e.BodyContains) == 0 {
			return p.errorf(r.Line, "case %q: request has no expectations", c.Name)
		}
	}
	return nil
}

// file parses "--- file PATH [mtime=RFC3339]".
func (p *parser) file(c *Case, flags []string, text string, line int) error {
	if len(flags) == 0 || filepath.IsAbs(flags[0]) || strings.Contains(flags[0], "..") {
		return p.errorf(line, "want \"--- file RELATIVE/PATH [mtime=RFC3339]\"")
	}
	f := File{Path: flags[0], Content: text, Line: line}
	for _, fl := range flags[1:] {
		v, ok := strings.CutPrefix(fl, "mtime=")
		if !ok {
			return p.errorf(line, "unknown file flag %q", fl)
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return p.errorf(line, "bad mtime: %v", err)
		}
		f.Mtime = t
	}
	c.Files = append(c.Files, f)
	return nil
}
