package phases

import (
	"net/textproto"
	"testing"
)

// TestCanonicalHeaderKey: the same answer as textproto's, spellings that
// need work and some that must be left alone included.
func TestCanonicalHeaderKey(t *testing.T) {
	for _, name := range []string{"Host", "user-agent", "USER-AGENT", "X-Forwarded-For", "x_foo", "X_Foo",
		"Content-type", "a", "", "-x", "x--y", "Foo Bar", "foo bar", "Foo:", "ETag", "Www-Authenticate", "If-None-Match"} {
		if got, want := CanonicalHeaderKey(name), textproto.CanonicalMIMEHeaderKey(name); got != want {
			t.Errorf("%q: got %q, want %q", name, got, want)
		}
	}
}
