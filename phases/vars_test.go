package phases

import (
	"net/http/httptest"
	"testing"
)

// The expected lines were written by nginx 1.22 for the same request
// (log_format t '[$http_x_test] [$http_x_none] [$arg_q]', and escape=json).
func TestEvalLogEscaping(t *testing.T) {
	vt := NewVarTable()
	hr := httptest.NewRequest("GET", "/?q=%22x", nil)
	hr.Header.Set("X-Test", "a\"b\\c\xc3\xa9\x01z")
	r := &Request{HTTP: hr, Args: "q=%22x"}
	tests := []struct {
		name   string
		format string
		escape int
		want   string
	}{
		{"default", "[$http_x_test] [$http_x_none] [$arg_q]", EscapeDefault, `[a\x22b\x5Cc\xC3\xA9\x01z] [-] [%22x]`},
		{"json", "[$http_x_test] [$http_x_none]", EscapeJSON, "[a\\\"b\\\\c\xc3\xa9\\u0001z] []"},
		{"none", "[$http_x_test]", EscapeNone, "[a\"b\\c\xc3\xa9\x01z]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := vt.Compile(tc.format)
			if err != nil {
				t.Fatal(err)
			}
			if got := v.EvalLog(r, tc.escape); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCompileUnknownVariable(t *testing.T) {
	if _, err := NewVarTable().Compile("x $nope y"); err == nil || err.Error() != `unknown "nope" variable` {
		t.Fatalf("got %v", err)
	}
}
