package cosocket

import (
	"bufio"
	"context"
	"encoding/hex"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
)

// pipeDial makes every Connect get an in-memory connection whose peer
// writes payload and closes.
func pipeDial(payload []byte) DialFunc {
	return func(context.Context, string, string) (net.Conn, error) {
		a, b := net.Pipe()
		go func() {
			b.Write(payload)
			b.Close()
		}()
		return a, nil
	}
}

// untilTrace renders a reader's results like the capture in testdata:
// "D<hex>" data, "N" nil, ",E<err>" and ",P<hex>" partial, ";" between calls.
func untilTrace(r *UntilReader, size int) string {
	var out []string
	for range 40 {
		d, ok, err := r.Read(size)
		item := "N"
		if ok {
			item = "D" + hex.EncodeToString([]byte(d))
		}
		if err != nil {
			item += ",E" + ErrString(err) + ",P" + hex.EncodeToString([]byte(d))
		}
		out = append(out, item)
		if err != nil {
			break
		}
	}
	return strings.Join(out, ";")
}

// TestReceiveUntilNginx replays testdata/receiveuntil_nginx.tsv, the results
// of lua-nginx-module 0.10.23's receiveuntil for payload x pattern x size x
// inclusive (payload hex, pattern hex, size (0: none), inclusive, trace).
func TestReceiveUntilNginx(t *testing.T) {
	f, err := os.Open("testdata/receiveuntil_nginx.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		payload, _ := hex.DecodeString(fields[0])
		pattern, _ := hex.DecodeString(fields[1])
		size, _ := strconv.Atoi(fields[2])
		inclusive := fields[3] == "true"
		s := NewTCP(&Config{Dial: pipeDial(payload), BufferSize: 7}, nil)
		if err := s.Connect(context.Background(), "127.0.0.1", 1, ConnectOptions{}); err != nil {
			t.Fatal(err)
		}
		r, err := s.ReceiveUntil(string(pattern), inclusive)
		if err != nil {
			t.Fatal(err)
		}
		if got := untilTrace(r, size); got != fields[4] {
			t.Errorf("payload %q pattern %q size %d inclusive %v:\n got %s\nwant %s",
				payload, pattern, size, inclusive, got, fields[4])
		}
		s.Close()
		n++
	}
	if n < 1000 {
		t.Fatalf("replayed %d cases, want the whole capture", n)
	}
}

func TestReceiveUntilMixed(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		run     func(s *TCPSocket) []string
		want    []string
	}{
		{"doc example then receive", "hello, world! -agentzh\r\n--abcedhb blah blah", func(s *TCPSocket) []string {
			r, _ := s.ReceiveUntil("\r\n--abcedhb", false)
			d, _, _ := r.Read(0)
			rest, _ := s.ReceiveAll()
			return []string{d, rest}
		}, []string{"hello, world! -agentzh", " blah blah"}},
		{"two readers", "a|b;c|", func(s *TCPSocket) []string {
			bar, _ := s.ReceiveUntil("|", false)
			semi, _ := s.ReceiveUntil(";", true)
			a, _, _ := bar.Read(0)
			b, _, _ := semi.Read(0)
			c, _, _ := bar.Read(0)
			return []string{a, b, c}
		}, []string{"a", "b;", "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewTCP(&Config{Dial: pipeDial([]byte(tt.payload))}, nil)
			if err := s.Connect(t.Context(), "x", 1, ConnectOptions{}); err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			got := tt.run(s)
			for i := range tt.want {
				if got[i] != tt.want[i] {
					t.Errorf("result %d: got %q, want %q", i, got[i], tt.want[i])
				}
			}
		})
	}
	if _, err := NewTCP(nil, nil).ReceiveUntil("", false); err != ErrEmptyPattern {
		t.Errorf("empty pattern: got %v", err)
	}
}
