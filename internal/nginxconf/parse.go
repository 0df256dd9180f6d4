package nginxconf

import (
	"fmt"
	"strings"
)

const (
	// maxIncludeDepth bounds nested includes; nginx itself recurses until it
	// runs out of file descriptors.
	maxIncludeDepth = 100
	// maxBlockDepth bounds nested blocks so hostile input cannot exhaust
	// the stack.
	maxBlockDepth = 1000
)

// ParseFile reads the nginx configuration file at path, resolving includes
// relative to its directory as nginx does with "-c path". Directive.File is
// path as given, so pass an absolute path to get nginx's messages.
func ParseFile(path string) ([]*Directive, error) {
	src, ferr := readConf(path)
	if ferr != nil {
		return nil, &Error{Msg: ferr.msg}
	}
	return ParseBytes(path, src, confDirOf(path))
}

// ParseBytes parses src as the configuration file called name (used in
// Directive.File and errors). Relative include paths are resolved against
// confDir, nginx's configuration prefix (the directory of the main file);
// an empty confDir leaves them relative to the working directory.
func ParseBytes(name string, src []byte, confDir string) ([]*Directive, error) {
	p := &parser{confDir: confDir, fs: osFS{}}
	return p.parseFile(name, src)
}

// parser holds the state shared by a file and the files it includes.
type parser struct {
	confDir      string
	fs           includeFS
	includeDepth int
	words        []word
}

func (p *parser) parseFile(name string, src []byte) ([]*Directive, error) {
	lx := newLexer(name, src)
	return p.parseBlock(lx, false, 0)
}

// parseBlock reads directives up to the end of the file (inBlock false) or
// the "}" closing the current block (inBlock true).
func (p *parser) parseBlock(lx *lexer, inBlock bool, depth int) ([]*Directive, error) {
	var out []*Directive
	for {
		words, kind, err := lx.next(p.words)
		if err != nil {
			return nil, err
		}
		p.words = words
		switch kind {
		case tokFileDone:
			if inBlock {
				return nil, lx.errorf(lx.line, `unexpected end of file, expecting "}"`)
			}
			return out, nil
		case tokBlockDone:
			if !inBlock {
				return nil, lx.errorf(lx.line, `unexpected "}"`)
			}
			return out, nil
		}
		d := newDirective(lx.file, words, lx.line)
		if d.Name == "include" {
			inc, err := p.include(d, kind)
			if err != nil {
				return nil, err
			}
			out = append(out, inc...)
			continue
		}
		if kind == tokBlockStart {
			if err := p.parseBody(lx, d, depth); err != nil {
				return nil, err
			}
		}
		out = append(out, d)
	}
}

// parseBody reads the block of d after its "{".
func (p *parser) parseBody(lx *lexer, d *Directive, depth int) error {
	if isLuaBlock(d.Name) {
		lua, err := lx.readLuaBlock()
		if err != nil {
			return err
		}
		d.Lua, d.LuaLine = &lua, d.EndLine
		return nil
	}
	if depth+1 >= maxBlockDepth {
		return lx.errorf(lx.line, "blocks nested deeper than %d levels are not supported by goresty", maxBlockDepth)
	}
	block, err := p.parseBlock(lx, true, depth+1)
	if err != nil {
		return err
	}
	if block == nil {
		block = []*Directive{}
	}
	d.Block = block
	return nil
}

// newDirective builds a directive from the words of its head; endLine is
// the line of the ";" or "{" that ended it.
func newDirective(file string, words []word, endLine int) *Directive {
	d := &Directive{
		Name:    words[0].val,
		File:    file,
		Line:    words[0].line,
		EndLine: endLine,
		Args:    make([]string, len(words)-1),
		Quoted:  make([]bool, len(words)-1),
	}
	for i, w := range words[1:] {
		d.Args[i], d.Quoted[i] = w.val, w.quoted
	}
	return d
}

// errorAt returns an error positioned at d, where nginx reports it.
func errorAt(d *Directive, format string, args ...any) *Error {
	return &Error{Msg: fmt.Sprintf(format, args...), File: d.File, Line: d.EndLine}
}

// confDirOf returns the directory of path with its trailing slash, like
// nginx's conf prefix.
func confDirOf(path string) string {
	i := strings.LastIndexByte(path, '/')
	if i < 0 {
		return ""
	}
	return path[:i+1]
}
