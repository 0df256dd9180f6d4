package luaapi_test

import (
	"strings"
	"testing"
)

func TestHeaderOracle(t *testing.T) {
	s := rhBoot(t, "header")
	cases := []rhCase{
		{name: "set and read", path: "/set", want: "nil:nil ok|ok|ok|ok|ok|ok|ok\n" +
			"a a {1=string:m1,2=string:m2} string:12 nil:nil nil:nil\n" +
			"text/x-foo text/x-foo string:true string:only 2\nnil:nil nil:nil\nok\nok\nboolean:true\n",
			hdrs: map[string]string{"Content-Type": "text/x-foo", "X-Foo": "a", "X-Multi": "m1, m2", "X-Num": "12",
				"X-Gone": "", "X-Empty": "", "X-Bool": "true", "X-One": "only", "X-Dup": "2", "1": "x",
				"X-Bad%0D%0AInjected": "v", "X-Val": "a%0D%0AInjected: 1", "X-N": "1.5", "Injected": ""}},
		{name: "after headers sent", path: "/late", want: "body\nnil\n", hdrs: map[string]string{"X-Late": ""}},
		{name: "content length", path: "/length", want: "abc",
			hdrs: map[string]string{"Content-Length": "3", "Cache-Control": "no-cache"}},
		{name: "clear content type", path: "/clearct", want: "nil:nil\n", hdrs: map[string]string{"Content-Type": ""}},
		{name: "header filter", path: "/hf", want: "ok\n", hdrs: map[string]string{
			"X-Hf": "{connection=string:keep-alive,content-type=string:text/plain,x-seen=string:s}|text/plain", "X-Seen": "", "X-Added": "yes"}},
		{name: "filters and log", path: "/phases", want: "ok\n", hdrs: map[string]string{"X-C": "c", "X-Bf": ""}},
		{name: "arg in set_by_lua", path: "/arg?a=1", want: "3|nil|0|string nil\nAPI disabled in the current context\n" +
			"API disabled in the context of content_by_lua*\n"},
		{name: "arg write in set_by_lua", path: "/argwrite", status: 500},
		{name: "body filter", path: "/bf", want: "A\n|B\n|[eof]"},
		{name: "body filter nil chunk", path: "/bfnil", want: "end:string\n"},
		{name: "body filter bad index", path: "/bferr", want: "x\nok|bad index: 3|nil\n"},
		{name: "body filter eof", path: "/bfeof", want: "a stop "},
	}
	rhRun(t, s, cases)
	log := s.ErrorLog()
	for _, want := range []string{
		"attempt to set ngx.header.HEADER after sending out response headers, client: 127.0.0.1, server: localhost, request: \"GET /late HTTP/1.1\"",
		"BF ok c,", "LOG ok c ok ",
		"failed to run set_by_lua*: set_by_lua(nginx.conf:", "API disabled in the context of set_by_lua*",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("error log lacks %q:\n%s", want, log)
		}
	}
}

// TestRespHeaders covers ngx.resp.get_headers and ngx.resp.add_header.
// The nginx here (lua-nginx-module 0.10.23) has no ngx.resp.add_header:
// its behaviour follows the lua-nginx-module README.
func TestRespHeaders(t *testing.T) {
	s := rhBoot(t, "header")
	cases := []rhCase{
		// after ngx.say: the headers as sent, with the default type and
		// add_header; content-type, connection and transfer-encoding come
		// lower-case even when raw, and count against max (2 here: one
		// header line still comes)
		{name: "get and add", path: "/getresp", want: "" +
			"{connection=string:keep-alive,x-a=string:1,x-m={1=string:1,2=string:2,3=string:3},x-new={1=string:n1,2=string:n2,3=string:n3},x-under=string:u} nil\n" +
			"1 1 1\n" +
			"{X-A=string:1,X-Added=string:yes,X-M={1=string:1,2=string:2,3=string:3},X-New={1=string:n1,2=string:n2,3=string:n3},connection=string:keep-alive,content-type=string:text/plain,transfer-encoding=string:chunked,x-under=string:u}\n" +
			"4 truncated\nbad argument #2 to * (value expected)\nbad argument #1 to * (string expected, got nil)\n",
			hdrs: map[string]string{"X-M": "1, 2, 3", "X-New": "n1, n2, n3", "X-Under": "u", "X-Added": "yes"}},
		{name: "no underscore transform", path: "/noxform", want: "a nil\n",
			hdrs: map[string]string{"X_foo": "a", "X_bar": "b", "X-Foo": ""}},
	}
	rhRun(t, s, cases)
}
