package luavm

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/goresty/goresty/luaapi/stdlib"
	lua "github.com/yuin/gopher-lua"
)

// Chunk is a piece of Lua code from the configuration: an inline block or
// string, or a file. Inline chunks are compiled once at configuration time.
type Chunk struct {
	ID   int
	Name string // chunk name, e.g. "=content_by_lua(nginx.conf:42)" or "@/path/file.lua"
	File string // for *_by_lua_file: the path (may contain variables: not supported)
	// NoCache re-reads and recompiles the file on every use (lua_code_cache off).
	NoCache bool
	// codeKey is, for inline code, the directive kind and the source:
	// lua-nginx-module caches inline code by these, so identical code of
	// one kind (content_by_lua...) is one function, named after the
	// directive whose request loaded it first.
	codeKey string

	mu    sync.Mutex
	proto *lua.FunctionProto
}

var chunkSeq atomic.Int64

// NewInlineChunk compiles inline code; name is the chunk's display name
// such as "content_by_lua(nginx.conf:42)".
func NewInlineChunk(name string, src string) (*Chunk, error) {
	c := &Chunk{ID: int(chunkSeq.Add(1)), Name: "=" + name}
	if i := strings.IndexByte(name, '('); i > 0 {
		c.codeKey = name[:i] + "\x00" + src
	}
	p, err := stdlib.CompileEntry([]byte(src), c.Name)
	if err != nil {
		return nil, err
	}
	c.proto = p
	return c, nil
}

// NewFileChunk compiles a Lua file (checked at configuration time so that
// -t reports syntax errors).
func NewFileChunk(path string, noCache bool) (*Chunk, error) {
	c := &Chunk{ID: int(chunkSeq.Add(1)), Name: "@" + path, File: path, NoCache: noCache}
	if _, err := os.Stat(path); err != nil {
		// as nginx: a missing file is a 404 when a request needs it
		return c, nil
	}
	if _, err := c.Proto(); err != nil {
		return nil, err
	}
	return c, nil
}

// Proto returns the compiled function prototype.
func (c *Chunk) Proto() (*lua.FunctionProto, error) {
	if c.File == "" {
		return c.proto, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.proto != nil && !c.NoCache {
		return c.proto, nil
	}
	src, err := os.ReadFile(c.File)
	if err != nil {
		return nil, fmt.Errorf("failed to load external Lua file \"%s\": %s", c.File, openError(c.File, err))
	}
	p, err := stdlib.CompileEntry(src, "@"+shortName(c.File))
	if err != nil {
		return nil, fmt.Errorf("failed to load external Lua file \"%s\": %v", c.File, err)
	}
	c.proto = p
	return p, nil
}

func shortName(path string) string {
	return filepath.Clean(path)
}

// openError is LuaJIT's loadfile message for a file it cannot open:
// "cannot open PATH: No such file or directory" (strerror's words).
func openError(path string, err error) string {
	msg := "cannot open " + path
	var errno syscall.Errno
	if errors.As(err, &errno) {
		text := errno.Error()
		if text != "" {
			text = strings.ToUpper(text[:1]) + text[1:]
		}
		msg += ": " + text
	}
	return msg
}
