package server

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// SentBytes ($bytes_sent, $body_bytes_sent) counts what goes on the wire:
// the head, the body and the chunked framing, the last chunk included
// once the body has ended, as nginx counts them.
func TestSentBytesCountsTheWire(t *testing.T) {
	type counts struct{ total, head int64 }
	got := make(chan counts, 1)
	_, addr, _ := startFrontEnd(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello\n")
		sc := w.(interface{ SentBytes(bool) (int64, int64) })
		total, head := sc.SentBytes(true)
		got <- counts{total, head}
	})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	wire, _ := io.ReadAll(c)
	n := <-got
	headLen := int64(strings.Index(string(wire), "\r\n\r\n") + 4)
	if n.head != headLen {
		t.Errorf("head %d, want %d (the head on the wire)", n.head, headLen)
	}
	if body := n.total - n.head; body != int64(len("6\r\nhello\n\r\n0\r\n\r\n")) {
		t.Errorf("body with framing %d, want 16; wire:\n%q", body, wire)
	}
	if n.total != int64(len(wire)) {
		t.Errorf("total %d, want %d (all bytes the client got)", n.total, len(wire))
	}
}
