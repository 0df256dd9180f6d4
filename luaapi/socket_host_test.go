package luaapi

import "testing"

func TestParseHost(t *testing.T) {
	tests := []struct {
		name, in string
		port     int
		host     string
		wantPort int
		wantErr  string
	}{
		{"address", "127.0.0.1", 80, "127.0.0.1", 80, ""},
		{"port in host wins", "127.0.0.1:81", 80, "127.0.0.1", 81, ""},
		{"name with port", "localhost:1", 80, "localhost", 1, ""},
		{"empty", "", 80, "", 0, "no host"},
		{"empty port", "127.0.0.1:", 80, "", 0, "invalid port"},
		{"port zero", "127.0.0.1:0", 80, "", 0, "invalid port"},
		{"port too big", "127.0.0.1:70000", 80, "", 0, "invalid port"},
		{"two colons", "127.0.0.1:1:2", 80, "", 0, "invalid port"},
		{"bare v6", "::1", 80, "", 0, "invalid port"},
		{"bracketed v6", "[::1]", 80, "::1", 80, ""},
		{"bracketed v6 with port", "[::1]:2", 80, "::1", 2, ""},
		{"unclosed bracket", "[::1", 80, "", 0, "invalid host"},
		{"junk after bracket", "[::1]x", 80, "", 0, "invalid host"},
		{"v4 in brackets", "[127.0.0.1]", 80, "", 0, "invalid IPv6 address"},
		{"path", "127.0.0.1/x", 80, "", 0, "invalid host"},
		{"unix", "unix:/tmp/s", 0, "unix:/tmp/s", 0, ""},
		{"unix any case", "UNIX:/tmp/s", 0, "unix:/tmp/s", 0, ""},
		{"unix no path", "unix:", 0, "", 0, "no path in the unix domain socket"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			host, port, err := parseHost(tt.in, tt.port)
			if err != tt.wantErr || err == "" && (host != tt.host || port != tt.wantPort) {
				t.Errorf("parseHost(%q, %d) = %q, %d, %q; want %q, %d, %q", tt.in, tt.port, host, port, err, tt.host, tt.wantPort, tt.wantErr)
			}
		})
	}
}
