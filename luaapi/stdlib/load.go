package stdlib

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/goresty/goresty/internal/luasrc"
	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

// idSize is LuaJIT's LUA_IDSIZE, the limit for chunk names in messages.
const idSize = 60

// ChunkID renders a chunk name as LuaJIT does in messages: "=name" gives
// "name", "@file" gives "file", and anything else gives
// `[string "first line..."]`.
func ChunkID(name string) string {
	switch {
	case strings.HasPrefix(name, "="):
		return truncate(name[1:], idSize-1)
	case strings.HasPrefix(name, "@"):
		if len(name)-1 <= idSize-1 {
			return name[1:]
		}
		return "..." + name[len(name)-(idSize-4):]
	}
	line, more := name, false
	if i := strings.IndexAny(name, "\r\n"); i >= 0 {
		line, more = name[:i], true
	}
	limit := idSize - len(`[string "..."]`) - 1
	if len(line) > limit {
		line, more = line[:limit], true
	}
	if more {
		return `[string "` + line + `..."]`
	}
	return `[string "` + line + `"]`
}

// sources maps a chunk's id (its name in messages) to the name it was
// compiled under, for debug.getinfo's "source"; only "@file" and "=name"
// chunks, whose number is bounded by the files and the configuration.
var (
	sources  sync.Map
	nSources atomic.Int32
)

func rememberChunkName(id, name string) {
	if !strings.HasPrefix(name, "@") && !strings.HasPrefix(name, "=") || nSources.Load() > 1<<16 {
		return
	}
	if _, loaded := sources.LoadOrStore(id, name); !loaded {
		nSources.Add(1)
	}
}

// ChunkSource is debug.getinfo's "source" of the chunk with id: the name
// it was compiled under ("@/path/m.lua", "=content_by_lua(nginx.conf:3)"),
// or id itself for a string chunk, whose source LuaJIT gives as its code.
func ChunkSource(id string) string {
	if v, ok := sources.Load(id); ok {
		return v.(string)
	}
	return id
}

// CalleeName names the function a call instruction at pc calls, as LuaJIT's
// debug.getinfo does: namewhat "global", "local", "method", "field" or
// "upvalue", and the name ("", "" when unknown).
func CalleeName(p *lua.FunctionProto, pc int) (namewhat, name string) {
	if pc < 0 || pc >= len(p.Code) {
		return "", ""
	}
	a := int(p.Code[pc]>>18) & 0xff
	d := regName(p, pc, a)
	what, q, ok := strings.Cut(d, " '")
	if !ok {
		return "", ""
	}
	return what, strings.TrimSuffix(q, "'")
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Compile rewrites src with luasrc.Rewrite and compiles it under
// ChunkID(chunkname), so runtime errors read "name:line: ...". Syntax errors
// are returned as "name:line: message near 'token'" in LuaJIT's words where
// gopher-lua's can be mapped.
func Compile(src []byte, chunkname string) (*lua.FunctionProto, error) {
	return compile(src, chunkname, false)
}

// CompileEntry compiles a handler chunk (content_by_lua and the like) as
// Compile does, with an entry mark first in its main function (see
// markEntry): a coroutine can start right at it.
func CompileEntry(src []byte, chunkname string) (*lua.FunctionProto, error) {
	return compile(src, chunkname, true)
}

func compile(src []byte, chunkname string, entry bool) (*lua.FunctionProto, error) {
	id := ChunkID(chunkname)
	rememberChunkName(id, chunkname)
	code, err := luasrc.Rewrite(src)
	if err != nil {
		var se *luasrc.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("%s:%d: %s", id, se.Line, se.Msg)
		}
		return nil, err
	}
	chunk, err := parse.Parse(bytes.NewReader(code), id)
	if err != nil {
		return nil, syntaxError(id, code, err)
	}
	cr := chunkRewriter{localFuncs: localFunctions(code, id)}
	cr.stmts(chunk)
	proto, err := lua.Compile(chunk, id)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", id, err)
	}
	if entry {
		markEntry(proto)
	}
	cr.patch(proto)
	return proto, nil
}

// syntaxError converts a gopher-lua parse error to LuaJIT's shape.
func syntaxError(id string, code []byte, err error) error {
	var pe *parse.Error
	if !errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", id, err)
	}
	msg := pe.Message
	switch msg {
	case "syntax error":
		msg = "unexpected symbol"
	case "unterminated string":
		msg = "unfinished string"
	case "illegal hexadecimal number":
		msg = "malformed number"
	}
	if pe.Pos.Line == parse.EOF {
		return fmt.Errorf("%s:%d: %s near '<eof>'", id, bytes.Count(code, []byte("\n"))+1, msg)
	}
	return fmt.Errorf("%s:%d: %s near '%s'", id, pe.Pos.Line, msg, pe.Token)
}

// baseLoad is load(chunk [, chunkname [, mode [, env]]]); loadstring is the
// same function, as in LuaJIT 2.1.
func baseLoad(L *lua.LState) int {
	var src []byte
	var name string
	switch v := L.Get(1).(type) {
	case lua.LString:
		src, name = []byte(v), string(v)
	case lua.LNumber:
		s := FormatNumber(float64(v))
		src, name = []byte(s), s
	case *lua.LFunction:
		var ok bool
		if src, ok = readChunk(L, v); !ok {
			return loadFail(L, "reader function must return a string")
		}
		name = "=(load)"
	default:
		argExpected(L, 1, "function")
	}
	if L.Get(2) != lua.LNil {
		name = checkString(L, 2)
	}
	mode := "bt"
	if L.Get(3) != lua.LNil {
		mode = checkString(L, 3)
	}
	binary := len(src) > 0 && src[0] == 0x1b
	if (binary && !strings.Contains(mode, "b")) || (!binary && !strings.Contains(mode, "t")) {
		return loadFail(L, "attempt to load chunk with wrong mode")
	}
	stripped := false
	if binary {
		// only goresty's own dumps (string.dump): LuaJIT bytecode cannot run here
		n, s, ok := undump(src)
		if !ok {
			return loadFail(L, "binary chunks are not supported by goresty")
		}
		name, src = n, s
		if name == dumpStripped {
			name, stripped = `=[string "..."]`, true
		}
	}
	proto, err := Compile(src, name)
	if err != nil {
		return loadFail(L, err.Error())
	}
	rememberSource(proto, name, src)
	if stripped {
		strip(proto)
	}
	fn := L.NewFunctionFromProto(proto)
	if env := L.Get(4); env != lua.LNil {
		fn.Env = checkTable(L, 4)
	}
	L.Push(fn)
	return 1
}

func loadFail(L *lua.LState, msg string) int {
	L.Push(lua.LNil)
	L.Push(lua.LString(msg))
	return 2
}

// readChunk calls reader until it returns nil or "" and joins the pieces.
// ok is false when a piece is not a string.
func readChunk(L *lua.LState, reader *lua.LFunction) (b []byte, ok bool) {
	for {
		L.Push(reader)
		L.Call(0, 1)
		v := L.Get(-1)
		L.Pop(1)
		switch s := v.(type) {
		case *lua.LNilType:
			return b, true
		case lua.LString:
			if s == "" {
				return b, true
			}
			b = append(b, s...)
		default:
			return nil, false
		}
	}
}
