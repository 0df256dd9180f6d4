package conformance

import (
	"regexp"
	"strconv"
	"strings"
)

// expect parses an "--- expect" section: one expectation per line, applied
// to the request just before it (log expectations apply to the whole case).
func (p *parser) expect(c *Case, text string, line int) error {
	if len(c.Requests) == 0 {
		return p.errorf(line, "--- expect before any request")
	}
	e := &c.Requests[len(c.Requests)-1].Expect
	for i, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		n := line + 1 + i
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		key, val, _ := strings.Cut(l, " ")
		val = strings.TrimSpace(val)
		if err := p.expectLine(c, e, key, val, n); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) expectLine(c *Case, e *Expect, key, val string, n int) error {
	switch key {
	case "status":
		switch val {
		case "none":
			e.Status = StatusNone
			return nil
		case "http09":
			e.Status = StatusHTTP09
			return nil
		}
		code, err := strconv.Atoi(val)
		if err != nil || code < 100 || code > 999 {
			return p.errorf(n, "bad status %q", val)
		}
		e.Status = code
	case "status-line":
		s, err := strconv.Unquote(val)
		if err != nil {
			return p.errorf(n, "status-line wants a Go-quoted string: %v", err)
		}
		e.StatusLine = &s
	case "header":
		return p.headerLine(e, val, n)
	case "no-header":
		if val == "" {
			return p.errorf(n, "no-header needs a name")
		}
		e.Headers = append(e.Headers, HeaderExpect{Name: val, Absent: true})
	case "body":
		s, err := strconv.Unquote(val)
		if err != nil {
			return p.errorf(n, "body wants a Go-quoted string: %v", err)
		}
		e.Body = &s
	case "body-re":
		if _, err := regexp.Compile(val); err != nil {
			return p.errorf(n, "body-re: %v", err)
		}
		e.BodyRe = append(e.BodyRe, val)
	case "truncated":
		e.Truncated = true
	case "body-contains":
		e.BodyContains = append(e.BodyContains, val)
	case "log", "allow-log", "no-log":
		return p.logKey(c, key, val, n)
	default:
		return p.errorf(n, "unknown expectation %q", key)
	}
	return nil
}

// headerLine parses "Name: exact value" or "Name ~ regex".
func (p *parser) headerLine(e *Expect, val string, n int) error {
	if name, re, ok := strings.Cut(val, " ~ "); ok && !strings.Contains(name, ":") {
		if _, err := regexp.Compile(re); err != nil {
			return p.errorf(n, "header regex: %v", err)
		}
		e.Headers = append(e.Headers, HeaderExpect{Name: name, Value: re, Regex: true})
		return nil
	}
	name, v, ok := strings.Cut(val, ":")
	if !ok || name == "" || strings.Contains(name, " ") {
		return p.errorf(n, "want \"header Name: value\" or \"header Name ~ regex\"")
	}
	e.Headers = append(e.Headers, HeaderExpect{Name: name, Value: strings.TrimSpace(v)})
	return nil
}

// configTest parses a "--- config-test" section.
func (p *parser) configTest(c *Case, text string, line int) error {
	ct := &ConfigTest{}
	c.ConfigTest = ct
	haveExit := false
	for i, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		n := line + 1 + i
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		key, val, _ := strings.Cut(l, " ")
		val = strings.TrimSpace(val)
		switch key {
		case "exit":
			code, err := strconv.Atoi(val)
			if err != nil {
				return p.errorf(n, "bad exit %q", val)
			}
			ct.Exit, haveExit = code, true
		case "stderr":
			ct.Stderr = append(ct.Stderr, val)
		case "stderr-re":
			if _, err := regexp.Compile(val); err != nil {
				return p.errorf(n, "stderr-re: %v", err)
			}
			ct.StderrRe = append(ct.StderrRe, val)
		default:
			return p.errorf(n, "unknown config-test key %q", key)
		}
	}
	if !haveExit {
		return p.errorf(line, "config-test needs an exit line")
	}
	return nil
}
