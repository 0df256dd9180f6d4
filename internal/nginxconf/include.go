package nginxconf

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// includeFS is where included files come from; tests replace the OS.
type includeFS interface {
	read(path string) ([]byte, *fileError)
	glob(pattern string) []string
}

// osFS reads included files from the operating system.
type osFS struct{}

func (osFS) read(path string) ([]byte, *fileError) { return readConf(path) }
func (osFS) glob(pattern string) []string          { return globSorted(pattern) }

// include resolves an "include" directive and returns the directives of
// the included files, in place of d.
func (p *parser) include(d *Directive, kind tokenKind) ([]*Directive, error) {
	if kind == tokBlockStart {
		return nil, errorAt(d, `directive "include" is not terminated by ";"`)
	}
	if len(d.Args) != 1 {
		return nil, errorAt(d, `invalid number of arguments in "include" directive`)
	}
	if p.includeDepth >= maxIncludeDepth {
		return nil, errorAt(d, "includes nested deeper than %d levels are not supported by goresty", maxIncludeDepth)
	}
	path := p.fullName(d.Args[0])
	files := []string{path}
	if strings.ContainsAny(path, "*?[") {
		files = p.fs.glob(path)
	}
	var out []*Directive
	for _, f := range files {
		src, ferr := p.fs.read(f)
		if ferr != nil {
			if !ferr.positioned {
				return nil, &Error{Msg: ferr.msg}
			}
			return nil, errorAt(d, "%s", ferr.msg)
		}
		p.includeDepth++
		ds, err := p.parseFile(f, src)
		p.includeDepth--
		if err != nil {
			return nil, err
		}
		out = append(out, ds...)
	}
	return out, nil
}

// fullName prefixes a relative name with the conf directory, as nginx does
// (by concatenation, without cleaning the path).
func (p *parser) fullName(name string) string {
	if p.confDir == "" || strings.HasPrefix(name, "/") {
		return name
	}
	if strings.HasSuffix(p.confDir, "/") {
		return p.confDir + name
	}
	return p.confDir + "/" + name
}

// globSorted expands pattern like glob(3) in nginx: matches sorted
// bytewise, wildcards never match a leading dot, no match is no error, and
// a malformed pattern stands for itself.
func globSorted(pattern string) []string {
	matches, err := filepath.Glob(pattern)
	if err != nil {
		if _, serr := os.Stat(pattern); serr == nil {
			return []string{pattern}
		}
		return nil
	}
	out := matches[:0]
	for _, m := range matches {
		if !hiddenMatch(pattern, m) {
			out = append(out, m)
		}
	}
	sort.Strings(out)
	return out
}

// hiddenMatch reports whether a wildcard path element of pattern matched a
// name starting with ".", which glob(3) does not allow.
func hiddenMatch(pattern, match string) bool {
	pe, me := pathElems(pattern), pathElems(match)
	if len(pe) != len(me) {
		return false
	}
	for i := range pe {
		if strings.HasPrefix(me[i], ".") && !strings.HasPrefix(pe[i], ".") {
			return true
		}
	}
	return false
}

func pathElems(p string) []string {
	var out []string
	for _, e := range strings.Split(p, "/") {
		if e != "" && e != "." {
			out = append(out, e)
		}
	}
	return out
}

// fileError is a failure to read a configuration file, worded like nginx.
type fileError struct {
	msg string
	// positioned is false for errors nginx prints without "in FILE:LINE".
	positioned bool
}

// readConf reads a configuration file.
func readConf(path string) ([]byte, *fileError) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &fileError{msg: sysMsg("open()", path, err), positioned: true}
	}
	defer f.Close()
	src, err := io.ReadAll(f)
	if err != nil {
		return nil, &fileError{msg: sysMsg("pread()", path, err)}
	}
	return src, nil
}

// sysMsg formats a system call failure like nginx: `open() "/x" failed
// (2: No such file or directory)`.
func sysMsg(call, path string, err error) string {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return fmt.Sprintf(`%s "%s" failed (%v)`, call, path, err)
	}
	text := errno.Error()
	if text != "" {
		text = strings.ToUpper(text[:1]) + text[1:]
	}
	return fmt.Sprintf(`%s "%s" failed (%d: %s)`, call, path, int(errno), text)
}
