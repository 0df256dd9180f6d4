package luaapi

import "testing"

func TestExecPathHelpers(t *testing.T) {
	unescape := []struct{ in, want string }{
		{"/plain", "/plain"},
		{"/ta%72get", "/target"},
		{"/a%2Fb", "/a/b"},
		{"/a+b", "/a+b"},   // a '+' is not a space in a path
		{"/q%3Fx", "/q?x"}, // an escaped '?' stays in the path
		{"/cut%2", "/cut"}, // a cut-off escape is dropped
		{"/bad%zz", "/bad%zz"},
	}
	for _, c := range unescape {
		if got := unescapePath(c.in); got != c.want {
			t.Errorf("unescapePath(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	unsafe := []struct {
		in   string
		want bool
	}{
		{"/target", false},
		{"/a/..", true},
		{"/a/../b", true},
		{"/..", true},
		{"/a/..b", false},
		{"/a/.../b", false},
		{"./a", false},
		{"/a\x00b", true},
	}
	for _, c := range unsafe {
		if got := unsafePath(c.in); got != c.want {
			t.Errorf("unsafePath(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestRedirectHelpers(t *testing.T) {
	if got, want := escapeUnsafe("/a\"\\\t\x80 \r\n\x00Z\x7f"), `/a\x22\x5C\x09\x80 \x0D\x0A\x00Z\x7F`; got != want {
		t.Errorf("escapeUnsafe = %q, want %q", got, want)
	}
	for in, want := range map[string]bool{"0": true, "123": true, "": false, "-1": false, "1.5": false, " 3": false} {
		if got := validLength(in); got != want {
			t.Errorf("validLength(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestRespHeaderEscaping(t *testing.T) {
	names := []struct{ in, want string }{
		{"X-Plain", "X-Plain"},
		{"a b", "a%20b"},
		{"a:b", "a%3Ab"},
		{"x(y)", "x%28y%29"},
		{"\xc3\xa9", "%C3%A9"},
		{"a\tb", "a%09b"},
		{"tok!#$%&'*+.^`|~", "tok!#$%&'*+.^`|~"},
	}
	for _, c := range names {
		if got := escapeRespName(c.in); got != c.want {
			t.Errorf("escapeRespName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	values := []struct{ in, want string }{
		{"plain value", "plain value"},
		{"a\r\nInjected: 1", "a%0D%0AInjected: 1"},
		{"tab\tkept", "tab\tkept"},
		{"\x00\x7f\xc3\xa9", "%00%7F\xc3\xa9"},
	}
	for _, c := range values {
		if got := escapeRespValue(c.in); got != c.want {
			t.Errorf("escapeRespValue(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
