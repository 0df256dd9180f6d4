package proxy

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/goresty/goresty/phases"
)

func TestRequestTarget(t *testing.T) {
	tests := []struct {
		name            string
		reqURI, uri     string
		internal        bool
		hasURI          bool
		passURI, prefix string
		wantPath, wantQ string
		changed         bool
	}{
		{"unparsed as sent", "/a/b%41?x=1", "/a/bA", false, false, "", "", "/a/b%41", "x=1", false},
		{"normalised path still unparsed", "/a//b?x", "/a/b", false, false, "", "", "/a//b", "x", false},
		{"changed uri is escaped", "/a/b", "/new path#", false, false, "", "", "/new%20path%23", "", false},
		{"internal redirect", "/a/b?x", "/a/b", true, false, "", "", "/a/b", "x", false},
		{"prefix replaced", "/a/b%20c?q", "/a/b c", false, true, "/x/", "/a/", "/x/b%20c", "q", false},
		{"exact location", "/e?q", "/e", false, true, "/exact", "/e", "/exact", "q", false},
		{"uri with args", "/a/b?q", "/a/b", false, true, "/x/?k=v", "/a/", "/x/b", "k=v&q", false},
		{"rewritten out of the prefix", "/a/b", "/other", false, true, "/x/", "/a/", "/other", "", true},
		{"rewritten inside the prefix", "/a/b", "/a/new", false, true, "/x/", "/a/", "/a/new", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, err := url.ParseRequestURI(tc.reqURI)
			if err != nil {
				t.Fatal(err)
			}
			r := &phases.Request{HTTP: &http.Request{URL: u}, RequestURI: tc.reqURI, URI: tc.uri, Args: u.RawQuery, Internal: tc.internal}
			r.LocURI = tc.uri
			if tc.changed {
				r.LocURI = u.Path // the URI changed after the location was chosen
			}
			p, q := requestTarget(r, tc.hasURI, tc.passURI, tc.prefix)
			if p != tc.wantPath || q != tc.wantQ {
				t.Errorf("got %q ? %q, want %q ? %q", p, q, tc.wantPath, tc.wantQ)
			}
		})
	}
}

func TestEscapeURI(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/plain/path", "/plain/path"},
		{"/a b", "/a%20b"},
		{"/100%?#", "/100%25%3F%23"},
		{"/é", "/%C3%A9"},
	}
	for _, tc := range tests {
		if got := escapeURI(tc.in); got != tc.want {
			t.Errorf("escapeURI(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func BenchmarkRequestTarget(b *testing.B) {
	u, _ := url.ParseRequestURI("/proxy?a=1")
	r := &phases.Request{HTTP: &http.Request{URL: u}, RequestURI: "/proxy?a=1", URI: "/proxy", Args: "a=1", LocURI: "/proxy"}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		requestTarget(r, true, "/1k.txt", "/proxy")
	}
}
