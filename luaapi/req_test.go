package luaapi_test

import (
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goresty/goresty/internal/testserver"
)

// rhCase is one request against a testdata/<group>/server.conf, with what
// real nginx + lua-nginx-module answered (testdata/<group>/nginx-output.txt,
// made by testdata/req/oracle.sh <group>).
type rhCase struct {
	name   string
	method string
	path   string
	body   string
	chunk  bool // send the body chunked
	hdr    map[string]string
	status int               // 0: 200
	want   string            // the body, "" to skip; "*" parts match anything
	hdrs   map[string]string // response headers; "" means absent
}

// rhBoot boots goresty on the configuration of testdata/<group>.
func rhBoot(t *testing.T, group string) *testserver.Server {
	t.Helper()
	read := func(name string) string {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		return string(b)
	}
	httpConf := read("req/common.conf") + read(group+"/http.conf")
	return testserver.Boot(t, read(group+"/server.conf"), testserver.Options{HTTP: httpConf})
}

// rhDo sends one case's request; a header value with "\n" is sent as
// several header lines.
func rhDo(t *testing.T, s *testserver.Server, c rhCase) (int, string, http.Header) {
	t.Helper()
	method := c.method
	if method == "" {
		method = "GET"
		if c.body != "" {
			method = "POST"
		}
	}
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
		if c.chunk {
			// a reader of unknown length makes net/http send the body chunked
			body = struct{ io.Reader }{body}
		}
	}
	req, err := http.NewRequest(method, s.URL+c.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if c.body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range c.hdr {
		for _, line := range strings.Split(v, "\n") {
			req.Header.Add(k, line)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header
}

// rawRequest writes req on a new connection and returns the status line
// and the rest of the response.
func rawRequest(t *testing.T, url, req string) (string, string) {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(c)
	status, rest, _ := strings.Cut(string(b), "\r\n")
	return status, rest
}

// rhMatch reports whether got matches want, where "*" in want matches any
// run of characters within a line.
func rhMatch(got, want string) bool {
	parts := strings.Split(want, "*")
	if len(parts) == 1 {
		return got == want
	}
	if !strings.HasPrefix(got, parts[0]) {
		return false
	}
	got = got[len(parts[0]):]
	for i, p := range parts[1:] {
		last := i == len(parts)-2
		j := strings.Index(got, p)
		if last {
			return strings.HasSuffix(got, p) && !strings.Contains(got[:len(got)-len(p)], "\n")
		}
		if j < 0 || strings.Contains(got[:j], "\n") {
			return false
		}
		got = got[j+len(p):]
	}
	return true
}

// rhRun runs every case twice: state must not leak between requests.
func rhRun(t *testing.T, s *testserver.Server, cases []rhCase) {
	t.Helper()
	for round := 0; round < 2; round++ {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				status, body, hdr := rhDo(t, s, c)
				want := c.status
				if want == 0 {
					want = 200
				}
				if status != want {
					t.Fatalf("status %d, want %d; body %q", status, want, body)
				}
				if c.want != "" && !rhMatch(body, c.want) {
					t.Errorf("body\n got %q\nwant %q", body, c.want)
				}
				for k, v := range c.hdrs {
					got := strings.Join(hdr.Values(k), ", ")
					if got != v {
						t.Errorf("header %s: got %q, want %q", k, got, v)
					}
				}
			})
		}
	}
}

func TestReqOracle(t *testing.T) {
	s := rhBoot(t, "req")
	host := strings.TrimPrefix(s.URL, "http://")
	big := "k=" + strings.Repeat("0", 2000)
	bodyFile := "before nil nil\nno request body found; maybe you should turn on lua_need_request_body?\n" +
		"data nil file yes\nfiledata 2002\nnil yes\nnil:nil request body in temp file not supported\n"
	cases := []rhCase{
		{name: "method", path: "/method", want: "GET\nPUT PUT\nunsupported HTTP method: 3\nbad method number\nOPTIONS\n"},
		{name: "method post", path: "/method", body: "x", want: "POST\nPUT PUT\nunsupported HTTP method: 3\nbad method number\nOPTIONS\n"},
		{name: "uri args", path: "/args?a=1&a=2&b&c=&=d&%20x=y%20&e=1+2&a=3", want: "" +
			"{ x=string:y ,a={1=string:1,2=string:2,3=string:3},b=boolean:true,c=string:,e=string:1 2}\n" +
			"{a={1=string:1,2=string:2}} truncated\n" +
			"{ x=string:y ,a={1=string:1,2=string:2,3=string:3},b=boolean:true,c=string:,e=string:1 2}\n"},
		{name: "uri args max", path: "/args?b=1&a=2&c=3", want: "{a=string:2,b=string:1,c=string:3}\n" +
			"{a=string:2,b=string:1} truncated\n{a=string:2,b=string:1,c=string:3}\n"},
		{name: "uri args 100", path: "/args/many?" + manyArgs(150), want: "100 truncated\n"},
		{name: "set uri args", path: "/setargs?q=1", want: "x=1&y {x=string:1,y=boolean:true}\n" +
			"a=x%20y&b=2&b=3&c\nok\n12\nexpecting 1 argument but seen 0\n"},
		{name: "set uri", path: "/seturi", want: "/foo bar /seturi\nattempt to use zero-length uri\n" +
			"API disabled in the context of content_by_lua*\nexpecting 1, 2 or 3 arguments but seen 0\n"},
		{name: "set uri jump", path: "/jump?z=9", want: "jumped /jumped z=9 true\n"},
		{name: "set uri no jump", path: "/nojump", want: "nojump /jumped true\n"},
		{name: "set uri jump in access", path: "/access", status: 500},
		{name: "get headers", path: "/headers", hdr: map[string]string{"X-Foo": "bar", "X-Multi": "1\n2"},
			want: host + " bar bar bar {1=string:1,2=string:2}\nnil nil bar\nnil bar nil\n2 truncated\n"},
		{name: "set header", path: "/setheader", hdr: map[string]string{"X-Gone": "g", "X-Gone2": "g", "X-Empty": "e"},
			want: "string:v1 nil:nil string:u {1=string:a,2=string:b} string:12\nnil:nil nil:nil nil:nil\n" +
				"v1 a, b nil\nbad 'name' argument: string expected, got nil\nok\nok\nok\n"},
		{name: "set host", path: "/sethost", want: "other.example other.example other.example\n"},
		{name: "http version", path: "/version", want: "1.1\n"},
		// the bytes Go's client sent, in its order (it spells x-lower X-Lower)
		{name: "raw header", path: "/raw", hdr: map[string]string{"X-A": "1", "x-lower": "2"}, want: "" +
			"GET /raw HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: Go-http-client/1.1\r\n" +
			"X-A: 1\r\nX-Lower: 2\r\nAccept-Encoding: gzip\r\n\r\n" +
			"Host: " + host + "\r\nUser-Agent: Go-http-client/1.1\r\nX-A: 1\r\nX-Lower: 2\r\nAccept-Encoding: gzip\r\n\r\n|\n"},
		{name: "misc", path: "/misc", want: "number true false\n"},
		{name: "is internal after exec", path: "/exec", want: "number true true\n"},
		{name: "body", path: "/body", body: "a=1&b=2&a=3&c", want: "before nil nil\n" +
			"no request body found; maybe you should turn on lua_need_request_body?\n" +
			"data a=1&b=2&a=3&c file nil\na=1&b=2&a=3&c nil\n{a={1=string:1,2=string:3},b=string:2,c=boolean:true} nil\n"},
		{name: "no body", path: "/body", want: "before nil nil\n" +
			"no request body found; maybe you should turn on lua_need_request_body?\ndata nil file nil\nnil nil\n{} nil\n"},
		{name: "body in file", path: "/body", body: big, want: bodyFile},
		{name: "chunked body in file", path: "/body", body: big, chunk: true, want: bodyFile},
		{name: "read only", path: "/readonly", body: "abc", want: "read 3\n"},
		{name: "chunked body too large", path: "/readonly", body: big + big + big, chunk: true, status: 413},
		{name: "body too large", path: "/readonly", body: big + big + big, status: 413},
		{name: "post args max", path: "/postargs", body: "a=1&b=2&c=3", want: "{a=string:1,b=string:2} truncated\n"},
		{name: "set body", path: "/setbody", body: "q=1", want: "k=v&k=w {k={1=string:v,2=string:w}} 7\n" +
			"a=1&b=2 nil 7\nnil true 4\nok\nok\nexpecting 1 arguments but seen 0\nstat() \"/nonexistent/file\" failed\n"},
		{name: "set body unread", path: "/setbody/noread", body: "q=1", want: "request body not read yet\nrequest body not read yet\n"},
		{name: "discard body", path: "/discard", body: "q=1", want: "nil\nnil\n"},
		{name: "lua_need_request_body", path: "/needbody", body: "q=1", want: "q=1 q=1\n"},
		{name: "phases", path: "/phases", want: "ok\n", hdrs: map[string]string{"X-Hf": "ok|ok|" +
			"API disabled in the context of header_filter_by_lua*|ok|ok|ok|ok|ok|ok|ok|request body not read yet|" +
			"no request body found; maybe you should turn on lua_need_request_body?|ok|ok"}},
		{name: "body after jump", path: "/ctxjump", body: "q=1", want: "ctx nil body q=1\n"},
	}
	rhRun(t, s, cases)
	log := s.ErrorLog()
	for _, want := range []string{
		"access_by_lua(nginx.conf:", "API disabled in the context of access_by_lua*",
		"a client request body is buffered to a temporary file ",
		"client intended to send too large chunked body: 0+",
		"client intended to send too large body: 6006 bytes",
		"LOG ok|ok|API disabled in the context of log_by_lua*|ok|ok|ok|ok|ok|ok|ok|ok",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("error log lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "not reached") {
		t.Errorf("code after a set_uri jump ran:\n%s", log)
	}
	// temp body files are removed when their request ends
	left, _ := os.ReadDir(s.Prefix + "client_body_temp")
	if len(left) != 0 {
		t.Errorf("%d temp body files left", len(left))
	}
}

func manyArgs(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = "k" + strconv.Itoa(i) + "=v"
	}
	return strings.Join(parts, "&")
}

func TestReqHTTP10(t *testing.T) {
	s := rhBoot(t, "req")
	// net/http's client speaks 1.1 only: write the request by hand; nginx answers in HTTP/1.1
	status, body := rawRequest(t, s.URL, "GET /version HTTP/1.0\r\n\r\n")
	if status != "HTTP/1.1 200 OK" || !strings.HasSuffix(body, "\r\n\r\n1\n") {
		t.Fatalf("got %q, %q", status, body)
	}
}
