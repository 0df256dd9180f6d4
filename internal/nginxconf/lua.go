package nginxconf

import (
	"bytes"
	"strings"
)

// luaBlockSuffix marks directives whose block is Lua code, captured raw.
const luaBlockSuffix = "_by_lua_block"

// isLuaBlock reports whether the block of the directive name holds Lua code.
func isLuaBlock(name string) bool { return strings.HasSuffix(name, luaBlockSuffix) }

// readLuaBlock reads a Lua block body after its opening "{" up to the
// matching "}", which it consumes. Like lua-nginx-module, it counts braces
// outside Lua strings ('..' and ".." on one line, with backslash escapes),
// long strings [[..]] / [==[..]==] and comments (-- to end of line,
// --[[..]]). It returns the raw text between the braces.
func (lx *lexer) readLuaBlock() (string, error) {
	bodyStart := lx.pos
	depth := 1
	curlyLine := lx.line // nginx reports an unclosed block at its last "{"
	for lx.pos < len(lx.src) {
		switch c := lx.src[lx.pos]; c {
		case '\n':
			lx.line++
			lx.pos++
		case '{':
			depth++
			curlyLine = lx.line
			lx.pos++
		case '}':
			depth--
			lx.pos++
			if depth == 0 {
				return string(lx.src[bodyStart : lx.pos-1]), nil
			}
		case '"', '\'':
			lx.pos = luaShortString(lx.src, lx.pos)
		case '-':
			if err := lx.skipLuaComment(); err != nil {
				return "", err
			}
		case '[':
			if err := lx.skipLongBracket(lx.pos); err != nil {
				return "", err
			}
		default:
			lx.pos++
		}
	}
	return "", lx.errorf(curlyLine, "unexpected end of file, expecting terminating characters for lua code block")
}

// luaShortString returns the position after the quoted string starting at
// src[i]. A quote with no closing quote on the same line is an ordinary
// byte, as in lua-nginx-module's scanner: it returns i+1.
func luaShortString(src []byte, i int) int {
	q := src[i]
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case q:
			return j + 1
		case '\n':
			return i + 1
		case '\\':
			if j+1 >= len(src) || src[j+1] == '\n' {
				return i + 1
			}
			j++
		}
	}
	return i + 1
}

// longBracketLevel returns the level of a long bracket opening "[", "=" x
// level, "[" at src[i], or -1 if there is none.
func longBracketLevel(src []byte, i int) int {
	if i >= len(src) || src[i] != '[' {
		return -1
	}
	j := i + 1
	for j < len(src) && src[j] == '=' {
		j++
	}
	if j < len(src) && src[j] == '[' {
		return j - i - 1
	}
	return -1
}

// skipLuaComment handles a "-" at lx.pos: "--[==[" starts a long comment,
// "--" a comment to the end of the line, anything else is one byte.
func (lx *lexer) skipLuaComment() error {
	src := lx.src
	if lx.pos+1 >= len(src) || src[lx.pos+1] != '-' {
		lx.pos++
		return nil
	}
	if longBracketLevel(src, lx.pos+2) >= 0 {
		return lx.skipLongBracket(lx.pos + 2)
	}
	if nl := bytes.IndexByte(src[lx.pos:], '\n'); nl >= 0 {
		lx.pos += nl // the newline itself is counted by the caller
	} else {
		lx.pos = len(src)
	}
	return nil
}

// skipLongBracket skips a long string or comment body whose opening bracket
// is at src[open] (lx.pos <= open). A "[" that opens nothing is one byte.
func (lx *lexer) skipLongBracket(open int) error {
	level := longBracketLevel(lx.src, open)
	if level < 0 {
		lx.pos++
		return nil
	}
	closer := "]" + strings.Repeat("=", level) + "]"
	bodyStart := open + level + 2
	end := bytes.Index(lx.src[bodyStart:], []byte(closer))
	if end < 0 {
		return lx.errorf(lx.line, "Lua code block missing the closing long bracket %q, "+
			"the inlined Lua code may be too long", closer)
	}
	stop := bodyStart + end + len(closer)
	lx.line += bytes.Count(lx.src[lx.pos:stop], []byte{'\n'})
	lx.pos = stop
	return nil
}
