package luaapi_test

import (
	"testing"

	"github.com/goresty/goresty/luaapi"
)

func TestTimeOracle(t *testing.T) {
	utilOracle(t, "time", nil)
}

func TestParseHTTPTime(t *testing.T) {
	tests := []struct {
		name, in string
		want     int64
	}{
		{"rfc1123", "Sun, 06 Nov 1994 08:49:37 GMT", 784111777},
		{"rfc850", "Sunday, 06-Nov-94 08:49:37 GMT", 784111777},
		{"asctime", "Sun Nov  6 08:49:37 1994", 784111777},
		{"epoch", "Thu, 01 Jan 1970 00:00:00 GMT", 0},
		{"leap_2000", "Tue, 29 Feb 2000 00:00:00 GMT", 951782400},
		{"no_leap_1900", "Thu, 29 Feb 1900 00:00:00 GMT", -1},
		{"dec31", "Fri, 31 Dec 1999 23:59:59 GMT", 946684799},
		{"apr31", "Sat, 31 Apr 2010 00:00:00 GMT", -1},
		{"short", "Sun, 06 Nov 1994", -1},
		{"empty", "", -1},
		{"truncated_asctime", "Sun Nov  6 08:49:37 19", -1},
		{"year0_wraps", "Sat, 01 Jan 0000 00:00:00 GMT", -62167208832},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := luaapi.ParseHTTPTime(tt.in); got != tt.want {
				t.Errorf("ParseHTTPTime(%q) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}

func BenchmarkParseHTTPTime(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		luaapi.ParseHTTPTime("Thu, 18 Nov 2010 11:27:35 GMT")
	}
}
