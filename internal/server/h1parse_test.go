package server

import (
	"bufio"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/goresty/goresty/phases"
)

// The front end's request parser must read what net/http's ReadRequest
// reads: each stream below goes through both and every request in it is
// compared field by field, body included.
func TestReadRequestMatchesNetHTTP(t *testing.T) {
	streams := []string{
		"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET /p/q?x=1&y=%20z HTTP/1.1\r\nHost: example.com:8080\r\nUser-Agent: t\r\nAccept: */*\r\n\r\n",
		"GET /a%2Fb/c%41?q HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET /with?empty= HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET /forced? HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET http://other.example/abs?x=1 HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET / HTTP/1.0\r\n\r\n",
		"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
		"GET / HTTP/1.1\r\nhost: a\r\nx-lower-case: 1\r\nX-MiXeD-cAsE: 2\r\nCookie: a=1\r\nCookie: b=2\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nX-Spaces:   padded value \t \r\nX-Empty:\r\n\r\n",
		"GET / HTTP/1.1\nHost: a\nX-LF: only\n\n",
		"POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloGET /next HTTP/1.1\r\nHost: a\r\n\r\n",
		"POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
		"POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\nGET /after HTTP/1.1\r\nHost: a\r\n\r\n",
		"POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
		"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
		"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
		"GET /" + strings.Repeat("long", 1500) + " HTTP/1.1\r\nHost: a\r\nX-Big: " + strings.Repeat("v", 5000) + "\r\n\r\n",
	}
	for _, stream := range streams {
		mine := bufio.NewReaderSize(strings.NewReader(stream), 4096)
		theirs := bufio.NewReaderSize(strings.NewReader(stream), 4096)
		for i := 0; ; i++ {
			want, werr := http.ReadRequest(theirs)
			got, gerr := readRequest(mine)
			if werr != nil || gerr != nil {
				if (werr == nil) != (gerr == nil) {
					t.Errorf("%q request %d: error %v, net/http's %v", stream[:min(40, len(stream))], i, gerr, werr)
				}
				break
			}
			wb, _ := io.ReadAll(want.Body)
			gb, gbErr := io.ReadAll(got.Body)
			if gbErr != nil {
				t.Errorf("%q: body error %v", stream[:min(40, len(stream))], gbErr)
			}
			if string(gb) != string(wb) {
				t.Errorf("%q: body %q, want %q", stream[:min(40, len(stream))], gb, wb)
			}
			type view struct {
				Method, Proto, RequestURI, Host, URL string
				Major, Minor                         int
				Header                               http.Header
				CL                                   int64
				TE                                   []string
				Close                                bool
				Path, RawQuery                       string
			}
			v := func(r *http.Request) view {
				return view{r.Method, r.Proto, r.RequestURI, r.Host, r.URL.String(), r.ProtoMajor, r.ProtoMinor,
					r.Header, r.ContentLength, r.TransferEncoding, r.Close, r.URL.Path, r.URL.RawQuery}
			}
			if g, w := v(got), v(want); !reflect.DeepEqual(g, w) {
				t.Errorf("%q request %d:\n got %+v\nwant %+v", stream[:min(40, len(stream))], i, g, w)
			}
		}
	}
}

// Errors: a bad request line or header line, a bad length, an unknown
// transfer coding; empty lines before a request are skipped as nginx does.
func TestReadRequestErrors(t *testing.T) {
	for _, c := range []struct {
		in   string
		want error
	}{
		{"GET\r\n\r\n", errBadRequestLine},
		{"GET / HTTP/x\r\n\r\n", errBadRequestLine},
		{"GET / HTTP/1.1\r\nNo colon\r\n\r\n", errBadHeaderLine},
		{"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", errBadLength},
		{"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", errBadLength},
		{"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", errTE},
		{"GET / HTTP/1.1\r\nHost: a\r\n", io.ErrUnexpectedEOF},
	} {
		if _, err := readRequest(bufio.NewReader(strings.NewReader(c.in))); err != c.want {
			t.Errorf("%q: error %v, want %v", c.in, err, c.want)
		}
	}
	r, err := readRequest(bufio.NewReader(strings.NewReader("\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n")))
	if err != nil || r.URL.Path != "/x" {
		t.Fatalf("leading empty lines: %v %v", r, err)
	}
}

func BenchmarkReadRequest(b *testing.B) {
	benchHead(b, func(br *bufio.Reader) error { _, err := readRequest(br); return err })
}

// benchHead parses browserHead with parse, over and over.
func benchHead(b *testing.B, parse func(*bufio.Reader) error) {
	rd := strings.NewReader(browserHead)
	br := bufio.NewReader(rd)
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(browserHead)
		br.Reset(rd)
		if err := parse(br); err != nil {
			b.Fatal(err)
		}
	}
}

// headerKey validates and canonicalizes in one pass: it must agree with
// validToken and phases.CanonicalHeaderKey on every name.
func TestHeaderKey(t *testing.T) {
	for _, name := range []string{
		"Host", "host", "HOST", "x-forwarded-for", "X-Forwarded-For", "X-FORWARDED-FOR", "content-Length",
		"a", "A", "-", "x--y", "X_Under", "x_under", "Bad Name", "bad:name", "bad\x7fname", "b\xffad",
		"If-None-Match", "if-none-match", "Ünicode", "x-é",
	} {
		key, ok := headerKey(name)
		if want := validToken(name); ok != want {
			t.Errorf("headerKey(%q) ok = %v, validToken says %v", name, ok, want)
			continue
		}
		if want := phases.CanonicalHeaderKey(name); ok && key != want {
			t.Errorf("headerKey(%q) = %q, want %q", name, key, want)
		}
	}
	for in, want := range map[string]string{" a b\t": "a b", "\t\t": "", "": "", "x": "x", " \tv \t ": "v"} {
		if got := trimSpaceTab(in); got != want {
			t.Errorf("trimSpaceTab(%q) = %q, want %q", in, got, want)
		}
	}
}

// appendHex writes a chunk size as strconv does in base 16.
func TestAppendHex(t *testing.T) {
	for _, n := range []uint64{0, 1, 9, 10, 15, 16, 255, 256, 4095, 65536, 1<<32 + 7, 1<<64 - 1} {
		if got, want := string(appendHex([]byte("x"), n)), "x"+strconv.FormatUint(n, 16); got != want {
			t.Errorf("%d: %q, want %q", n, got, want)
		}
	}
}
