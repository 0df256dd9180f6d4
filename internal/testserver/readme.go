package testserver

import (
	"io"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Exchange is one request shown in a README: "$ curl -s 'URL'" and the
// lines of output under it.
type Exchange struct {
	Sleep time.Duration
	URL   string
	Want  string
}

var curlLine = regexp.MustCompile(`^\$ (?:sleep ([0-9.]+); )?curl -s '([^']+)'$`)

// ReadmeExchanges parses the indented "$ curl" blocks of a README.
func ReadmeExchanges(t testing.TB, path string) []Exchange {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []Exchange
	var cur *Exchange
	for _, line := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(line, "    ") {
			cur = nil
			continue
		}
		text := strings.TrimPrefix(line, "    ")
		if m := curlLine.FindStringSubmatch(text); m != nil {
			out = append(out, Exchange{URL: m[2]})
			cur = &out[len(out)-1]
			if m[1] != "" {
				f, _ := strconv.ParseFloat(m[1], 64)
				cur.Sleep = time.Duration(f * float64(time.Second))
			}
			continue
		}
		if strings.HasPrefix(text, "$") {
			cur = nil
			continue
		}
		if cur != nil {
			cur.Want += text + "\n"
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s: no \"$ curl -s '...'\" exchanges found", path)
	}
	return out
}

// Replay sends the exchanges to base (replacing "http://127.0.0.1:8080")
// and checks each body.
func Replay(t testing.TB, exchanges []Exchange, base string) {
	t.Helper()
	for _, ex := range exchanges {
		time.Sleep(ex.Sleep)
		url := strings.Replace(ex.URL, "http://127.0.0.1:8080", base, 1)
		resp, err := http.Get(url)
		if err != nil {
			t.Fatalf("%s: %v", ex.URL, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != ex.Want {
			t.Errorf("%s: got %q, want %q", ex.URL, body, ex.Want)
		}
	}
}
