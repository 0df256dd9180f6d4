package conformance

import (
	"net/http"
	"strings"
	"testing"
)

const sample = `file comment

=== first case
todo: not yet
--- http
server { listen 127.0.0.1:@PORT@; }
--- file html/a.txt nonl
abc
--- request
POST /x?y=1
X-A: b

payload
--- expect
# a comment
status 201
header X-A: b
header X-B ~ ^v\d$
no-header X-C
body-re ^pay
log boom
--- raw port2
GET /
Host: h

--- body crlf
a
b

=== second
runs: 1
--- nginx.conf
@PREAMBLE@
http { }
--- config-test
exit 1
stderr [emerg] x
`

func TestParse(t *testing.T) {
	cases, err := Parse("sample.txt", sample)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 2 {
		t.Fatalf("got %d cases, want 2", len(cases))
	}
	c := cases[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"name", c.Name, "first case"},
		{"todo", c.Todo, "not yet"},
		{"runs", c.Runs, 2},
		{"http", c.HTTP, "server { listen 127.0.0.1:@PORT@; }\n"},
		{"file", c.Files[0].Content, "abc"},
		{"requests", len(c.Requests), 2},
		{"status", c.Requests[0].Expect.Status, 201},
		{"headers", len(c.Requests[0].Expect.Headers), 3},
		{"regex header", c.Requests[0].Expect.Headers[1].Regex, true},
		{"absent header", c.Requests[0].Expect.Headers[2].Absent, true},
		{"log", c.Logs, []string{"boom"}},
		{"raw", c.Requests[1].Raw && c.Requests[1].Port2, true},
		{"raw keeps blank line", c.Requests[1].Text, "GET /\nHost: h\n\n"},
		{"crlf body", *c.Requests[1].Expect.Body, "a\r\nb\r\n"},
		{"second runs", cases[1].Runs, 1},
		{"second exit", cases[1].ConfigTest.Exit, 1},
		{"second conf", strings.HasPrefix(cases[1].Config(), Preamble+"\nhttp { }"), true},
		{"first conf", strings.HasPrefix(c.Config(), Preamble+" http {\nserver"), true},
	}
	for _, ck := range checks {
		t.Run(ck.name, func(t *testing.T) {
			if !equal(ck.got, ck.want) {
				t.Errorf("got %#v, want %#v", ck.got, ck.want)
			}
		})
	}
}

func equal(a, b any) bool {
	as, ok1 := a.([]string)
	bs, ok2 := b.([]string)
	if ok1 && ok2 {
		return strings.Join(as, "\x00") == strings.Join(bs, "\x00")
	}
	return a == b
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, text, wantErr string
	}{
		{"no requests", "=== a\n--- http\nx\n", "no requests"},
		{"no config", "=== a\n--- request\nGET /\n--- expect\nstatus 200\n", "no --- http"},
		{"no expectations", "=== a\n--- http\nx\n--- request\nGET /\n", "no expectations"},
		{"bad status", "=== a\n--- http\nx\n--- request\nGET /\n--- expect\nstatus abc\n", "bad status"},
		{"unknown key", "=== a\nfoo: bar\n--- http\nx\n", "unknown case key"},
		{"todo without reason", "=== a\ntodo:\n--- http\nx\n", "needs a reason"},
		{"duplicate", "=== a\n--- http\nx\n--- config-test\nexit 0\n=== a\n--- http\nx\n--- config-test\nexit 0\n", "duplicate"},
		{"bad regex", "=== a\n--- http\nx\n--- request\nGET /\n--- expect\nbody-re (\n", "body-re"},
		{"slash in name", "=== a/b\n--- http\nx\n", "no '/'"},
		{"both configs", "=== a\n--- http\nx\n--- nginx.conf\ny\n--- config-test\nexit 0\n", "excludes"},
		{"expect first", "=== a\n--- http\nx\n--- expect\nstatus 200\n", "before any request"},
		{"file escapes", "=== a\n--- http\nx\n--- file ../x\ny\n", "RELATIVE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("t.txt", tt.text)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestBuildRequest(t *testing.T) {
	v := Vars{Port: 8080, Port2: 8081, Prefix: "/p/", Server: "goresty"}
	tests := []struct {
		name string
		r    Request
		want string
	}{
		{"defaults", Request{Text: "GET /a\n"}, "GET /a HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nConnection: close\r\n\r\n"},
		{"own host and body", Request{Text: "PUT /b HTTP/1.0\nHost: x\n\nhi\n"},
			"PUT /b HTTP/1.0\r\nHost: x\r\nConnection: close\r\nContent-Length: 3\r\n\r\nhi\n"},
		{"raw", Request{Raw: true, Text: "GET @PORT@\\x00\n\n"}, "GET 8080\x00\r\n\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := BuildRequest(&tt.r, v)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	v := Vars{Port: 1, Prefix: "/p/", Server: "nginx"}
	body := "x\n"
	resp := &Response{Status: 200, Header: http.Header{"X-A": {"1", "2"}}, Body: "<hr><center>nginx</center>"}
	tests := []struct {
		name   string
		e      Expect
		nFails int
	}{
		{"all good", Expect{Status: 200, Headers: []HeaderExpect{{Name: "X-A", Value: "2"}, {Name: "X-B", Absent: true}},
			BodyContains: []string{"<center>@SERVER@</center>"}, BodyRe: []string{`^<hr>`}}, 0},
		{"wrong status", Expect{Status: 404}, 1},
		{"header value", Expect{Headers: []HeaderExpect{{Name: "X-A", Value: "3"}}}, 1},
		{"header regex", Expect{Headers: []HeaderExpect{{Name: "X-A", Value: `^\d$`, Regex: true}}}, 0},
		{"header present", Expect{Headers: []HeaderExpect{{Name: "X-A", Absent: true}}}, 1},
		{"body", Expect{Body: &body}, 1},
		{"want none", Expect{Status: StatusNone}, 1},
		{"want truncated", Expect{Truncated: true}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Check(&tt.e, resp, v); len(got) != tt.nFails {
				t.Errorf("got %d failures %q, want %d", len(got), got, tt.nFails)
			}
		})
	}
}

func TestParseLog(t *testing.T) {
	text := "2026/01/02 03:04:05 [notice] 1#1: start\n" +
		"2026/01/02 03:04:05 [error] 1#1: *1 boom\nstack traceback:\n\tx\n" +
		"2026/01/02 03:04:06 [debug] 1#1: d\n"
	got := ParseLog(text)
	if len(got) != 3 {
		t.Fatalf("got %d entries, want 3", len(got))
	}
	if got[1].Level != "error" || !strings.HasSuffix(got[1].Text, "stack traceback:\n\tx") {
		t.Errorf("got entry %+v, want an error with its traceback", got[1])
	}
}
