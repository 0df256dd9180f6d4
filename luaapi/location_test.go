package luaapi

import "testing"

func TestParseSubURI(t *testing.T) {
	tests := []struct {
		name, uri  string
		path, args string
		wantOK     bool
	}{
		{"plain", "/a/b", "/a/b", "", true},
		{"args", "/a?x=1&y=%20", "/a", "x=1&y=%20", true},
		{"decoded", "/a%20b%2Fc", "/a b/c", "", true},
		{"malformed escape kept", "/a%zz%4", "/a%zz%4", "", true},
		{"dot segments kept", "/a/./b/.", "/a/./b/.", "", true},
		{"dots in a name", "/a/..b/c..", "/a/..b/c..", "", true},
		{"dots in args", "/a?../b", "/a", "../b", true},
		{"empty", "", "", "", false},
		{"args only", "?x", "", "", false},
		{"parent segment", "/a/../b", "", "", false},
		{"parent at end", "/a/..", "", "", false},
		{"parent at start", "../a", "", "", false},
		{"encoded parent", "/a/%2e%2E/b", "", "", false},
		{"nul", "/a\x00b", "", "", false},
		{"encoded nul", "/a%00b", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, args, ok := parseSubURI(tt.uri)
			if ok != tt.wantOK || path != tt.path || args != tt.args {
				t.Errorf("parseSubURI(%q) = %q, %q, %v; want %q, %q, %v", tt.uri, path, args, ok, tt.path, tt.args, tt.wantOK)
			}
		})
	}
}
