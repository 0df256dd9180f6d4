package cosocket

import (
	"errors"
	"strings"
)

// UntilReader is the iterator returned by tcpsock:receiveuntil. It may be
// used repeatedly and mixed with the socket's other reads.
type UntilReader struct {
	s         *TCPSocket
	pat       []byte
	next      []int // next[k] = longest proper border of pat[:k+1]
	inclusive bool
	state     int  // pattern bytes matched and held back
	done      bool // sized read found the pattern: the next Read reports the end
}

// ReceiveUntil returns a reader of the stream up to pattern
// (tcpsock:receiveuntil). With inclusive, the pattern is part of the data
// returned.
func (s *TCPSocket) ReceiveUntil(pattern string, inclusive bool) (*UntilReader, error) {
	if pattern == "" {
		return nil, ErrEmptyPattern
	}
	p := []byte(pattern)
	next := make([]int, len(p))
	for i, k := 1, 0; i < len(p); i++ {
		for k > 0 && p[i] != p[k] {
			k = next[k-1]
		}
		if p[i] == p[k] {
			k++
		}
		next[i] = k
	}
	return &UntilReader{s: s, pat: p, next: next, inclusive: inclusive}, nil
}

// Read is one call of the iterator, with OpenResty's semantics:
//
// With size <= 0 it returns the data before the pattern (ok true), having
// consumed the pattern.
//
// With size > 0 it returns at most about size bytes per call (more when a
// held-back partial match turns out not to be the pattern, or with
// inclusive), ok true; the call that reaches the pattern returns the rest
// before it (possibly ""), and the next call returns ok false and nil
// error ("nil, nil" in Lua), after which the reader starts over.
//
// On failure it returns the data read by this call with the error; bytes
// held back as a possible start of the pattern are not part of it.
func (r *UntilReader) Read(size int) (data string, ok bool, err error) {
	s := r.s
	c, err := s.startRead()
	if err != nil {
		return "", false, err
	}
	defer s.endRead()
	if r.done {
		r.done = false
		return "", false, nil
	}
	var out strings.Builder
	for {
		b := s.buffered()
		i := 0
		for i < len(b) {
			ch := b[i]
			if ch == r.pat[r.state] {
				i++
				r.state++
				if r.state < len(r.pat) {
					continue
				}
				s.rpos += i
				r.state = 0
				if r.inclusive {
					out.Write(r.pat)
				}
				r.done = size > 0
				return out.String(), true, nil
			}
			if r.state == 0 {
				i++
				out.WriteByte(ch)
			} else if k := r.extend(ch); k > 0 {
				// The longest border extended by ch stays held back.
				i++
				out.Write(r.pat[:r.state+1-k])
				r.state = k
			} else {
				// No match left: the held bytes are data, and ch is
				// tried again from scratch.
				out.Write(r.pat[:r.state])
				r.state = 0
			}
			if size > 0 && out.Len() >= size {
				s.rpos += i
				return out.String(), true, nil
			}
		}
		s.rpos = s.rend
		if err := s.fill(c); err != nil {
			// As in OpenResty, held-back bytes are not part of the
			// partial data; after a timeout they stay held.
			err = s.readFailed(err)
			if !errors.Is(err, ErrTimeout) {
				r.state = 0
			}
			return out.String(), false, err
		}
	}
}

// extend returns the length of the longest pattern prefix that ends the
// held bytes followed by ch (which does not continue the current match).
func (r *UntilReader) extend(ch byte) int {
	k := r.state
	for k > 0 && r.pat[k] != ch {
		k = r.next[k-1]
	}
	if r.pat[k] == ch {
		k++
	}
	return k
}
