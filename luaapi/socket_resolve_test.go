package luaapi

import "testing"

// needsResolve decides whether connect goes to the resolver: names do,
// addresses (also bracketed IPv6) and unix sockets do not.
func TestNeedsResolve(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1":          false,
		"::1":                false,
		"[::1]":              false,
		"[2001:db8::7]":      false,
		"unix:/tmp/s.sock":   false,
		"localhost":          true,
		"example.com":        true,
		"127.0.0.256":        true,
		"127.000.0.1":        true, // leading zeros: no address, as net.ParseIP has it
		"fe80::1%eth0":       true, // a zone: no address to net.ParseIP either
		"1.2.3":              true,
		"":                   true,
		"::ffff:192.168.0.1": false,
	} {
		if got := needsResolve(host); got != want {
			t.Errorf("needsResolve(%q) = %v, want %v", host, got, want)
		}
	}
}
