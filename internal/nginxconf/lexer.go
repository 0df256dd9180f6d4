package nginxconf

import (
	"bytes"
	"fmt"
)

// confBuffer is the size of nginx's configuration read buffer
// (NGX_CONF_BUFFER): a token that does not fit in it is an error.
const confBuffer = 4096

// tokenKind says how a call to lexer.next ended, like the return codes of
// nginx's ngx_conf_read_token.
type tokenKind int

const (
	tokDirective  tokenKind = iota // the words were ended by ";"
	tokBlockStart                  // the words were ended by "{"
	tokBlockDone                   // a "}" with no words before it
	tokFileDone                    // end of input with no pending words
)

// word is one argument as written.
type word struct {
	val    string
	quoted bool
	line   int
}

// lexer splits one file into nginx tokens. Its state machine follows nginx's
// tokenizer so that odd inputs ("a"b, a\ b, `"a")b`, over-long tokens) are
// accepted or refused exactly as nginx does.
type lexer struct {
	file string
	src  []byte
	pos  int
	line int
}

func newLexer(file string, src []byte) *lexer {
	return &lexer{file: file, src: src, line: 1}
}

func (lx *lexer) errorf(line int, format string, args ...any) *Error {
	return &Error{Msg: fmt.Sprintf(format, args...), File: lx.file, Line: line}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// lexState is the per-call state of lexer.next.
type lexState struct {
	start, startLine int
	lastSpace        bool // between words
	needSpace        bool // a quoted word just ended
	sharpComment     bool
	escaped          bool // the previous byte was a backslash
	variable         bool // the previous byte was "$"
	dQuoted, sQuoted bool
}

// next reads the words of one directive head and what ended them. words is
// reused as the result buffer.
func (lx *lexer) next(words []word) ([]word, tokenKind, error) {
	st := lexState{start: lx.pos, startLine: lx.line, lastSpace: true}
	words = words[:0]
	for {
		if lx.pos >= len(lx.src) {
			if len(words) > 0 || !st.lastSpace {
				return nil, 0, lx.errorf(lx.line, `unexpected end of file, expecting ";" or "}"`)
			}
			return words, tokFileDone, nil
		}
		if lx.pos-st.start >= confBuffer {
			return nil, 0, lx.tooLong(&st)
		}
		ch := lx.src[lx.pos]
		lx.pos++
		if ch == '\n' {
			lx.line++
			st.sharpComment = false
		}
		if st.sharpComment {
			continue
		}
		if st.escaped {
			st.escaped = false
			continue
		}
		if st.needSpace {
			switch {
			case isSpace(ch):
				st.lastSpace, st.needSpace = true, false
				continue
			case ch == ';':
				return words, tokDirective, nil
			case ch == '{':
				return words, tokBlockStart, nil
			case ch == ')':
				// nginx lets ")" follow a quoted word (for "if") and
				// starts a new word with it.
				st.lastSpace, st.needSpace = true, false
			default:
				return nil, 0, lx.errorf(lx.line, `unexpected "%s"`, []byte{ch})
			}
		}
		if st.lastSpace {
			kind, done, err := lx.wordStart(&st, ch, len(words))
			if done || err != nil {
				return words, kind, err
			}
			continue
		}
		if lx.wordByte(&st, ch) {
			words = append(words, lx.makeWord(&st))
			switch ch {
			case ';':
				return words, tokDirective, nil
			case '{':
				return words, tokBlockStart, nil
			}
		}
	}
}

// wordStart handles a byte read between words. done reports that the head
// is over (kind says how).
func (lx *lexer) wordStart(st *lexState, ch byte, nwords int) (tokenKind, bool, error) {
	st.start, st.startLine = lx.pos-1, lx.line
	if isSpace(ch) {
		return 0, false, nil
	}
	switch ch {
	case ';', '{':
		if nwords == 0 {
			return 0, true, lx.errorf(lx.line, `unexpected "%s"`, []byte{ch})
		}
		if ch == '{' {
			return tokBlockStart, true, nil
		}
		return tokDirective, true, nil
	case '}':
		if nwords != 0 {
			return 0, true, lx.errorf(lx.line, `unexpected "}"`)
		}
		return tokBlockDone, true, nil
	case '#':
		st.sharpComment = true
		return 0, false, nil
	case '\\':
		st.escaped = true
	case '"':
		st.start++
		st.dQuoted = true
	case '\'':
		st.start++
		st.sQuoted = true
	case '$':
		st.variable = true
	}
	st.lastSpace = false
	return 0, false, nil
}

// wordByte handles a byte inside a word and reports whether it ended it.
func (lx *lexer) wordByte(st *lexState, ch byte) bool {
	if ch == '{' && st.variable {
		return false // "${name}" does not open a block
	}
	st.variable = false
	switch {
	case ch == '\\':
		st.escaped = true
		return false
	case ch == '$':
		st.variable = true
		return false
	case st.dQuoted:
		if ch == '"' {
			st.dQuoted, st.needSpace = false, true
			return true
		}
	case st.sQuoted:
		if ch == '\'' {
			st.sQuoted, st.needSpace = false, true
			return true
		}
	case isSpace(ch) || ch == ';' || ch == '{':
		st.lastSpace = true
		return true
	}
	return false
}

// makeWord builds the word src[start:pos-1], resolving nginx's escapes:
// \" \' \\ lose the backslash, \t \r \n become control bytes, any other
// backslash is kept.
func (lx *lexer) makeWord(st *lexState) word {
	raw := lx.src[st.start : lx.pos-1]
	quoted := st.needSpace // a word ended by its closing quote
	if bytes.IndexByte(raw, '\\') < 0 {
		return word{val: string(raw), quoted: quoted, line: st.startLine}
	}
	buf := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '\\' && i+1 < len(raw) {
			switch raw[i+1] {
			case '"', '\'', '\\':
				i++
				c = raw[i]
			case 't':
				i++
				c = '\t'
			case 'r':
				i++
				c = '\r'
			case 'n':
				i++
				c = '\n'
			}
		}
		buf = append(buf, c)
	}
	return word{val: string(buf), quoted: quoted, line: st.startLine}
}

// tooLong reports a token that would overflow nginx's read buffer.
func (lx *lexer) tooLong(st *lexState) *Error {
	switch {
	case st.dQuoted:
		return lx.errorf(st.startLine, `too long parameter, probably missing terminating """ character`)
	case st.sQuoted:
		return lx.errorf(st.startLine, `too long parameter, probably missing terminating "'" character`)
	}
	return lx.errorf(st.startLine, `too long parameter "%s..." started`, lx.src[st.start:st.start+10])
}
