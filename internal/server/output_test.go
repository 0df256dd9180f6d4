package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/goresty/goresty/phases"
)

// TestDrainAtWaitHoldsWhatNginxHolds checks the postpone_output accounting:
// while a handler waits, only what nginx's write filter would have sent by
// then goes out, and a small tail stays held.
func TestDrainAtWaitHoldsWhatNginxHolds(t *testing.T) {
	tests := []struct {
		name   string
		writes []string
		want   string // what reaches the client at the wait
	}{
		{"small output is held", []string{"hello\n"}, ""},
		{"several small writes stay under the threshold", []string{strings.Repeat("a", 700), strings.Repeat("b", 700)}, ""},
		{"a write crossing the threshold goes out with what came before",
			[]string{strings.Repeat("a", 1000), strings.Repeat("b", 1000)}, strings.Repeat("a", 1000) + strings.Repeat("b", 1000)},
		{"a small tail after a big write is held", []string{strings.Repeat("x", 2000), "tail"}, strings.Repeat("x", 2000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			r := &phases.Request{HTTP: httptest.NewRequest(http.MethodGet, "/", nil), Header: rec.Header()}
			o := &response{s: &Server{}, w: rec, r: r}
			r.Out = o
			for _, w := range tt.writes {
				if err := o.Write(r, []byte(w), false); err != nil {
					t.Fatal(err)
				}
			}
			o.DrainAtWait()
			if got := rec.Body.String(); got != tt.want {
				t.Errorf("at the wait the client got %d bytes, want %d", len(got), len(tt.want))
			}
			held := strings.Join(tt.writes, "")[len(tt.want):]
			if string(o.pending) != held {
				t.Errorf("held %d bytes, want %d", len(o.pending), len(held))
			}
		})
	}
}
