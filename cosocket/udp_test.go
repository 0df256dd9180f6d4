package cosocket

import (
	"net"
	"strings"
	"testing"
	"time"
)

func udpEcho(t *testing.T) *net.UDPConn {
	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 65536)
		for {
			n, addr, err := pc.ReadFromUDP(buf)
			if err != nil {
				return
			}
			pc.WriteToUDP(buf[:n], addr)
		}
	}()
	t.Cleanup(func() { pc.Close(); <-done })
	return pc
}

func TestUDP(t *testing.T) {
	pc := udpEcho(t)
	port := pc.LocalAddr().(*net.UDPAddr).Port
	big := strings.Repeat("x", 10000)
	tests := []struct {
		name, send string
		size       int
		want       string
	}{
		{"echo", "hello", 0, "hello"},
		{"truncated to size", "hello", 3, "hel"},
		{"capped at 8192", big, 0, big[:8192]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := NewUDP(&Config{ReadTimeout: time.Second})
			defer u.Close()
			if err := u.SetPeerName(t.Context(), "127.0.0.1", port); err != nil {
				t.Fatal(err)
			}
			if err := u.Send([]byte(tt.send)); err != nil {
				t.Fatal(err)
			}
			if got, err := u.Receive(tt.size); got != tt.want || err != nil {
				t.Errorf("got %d bytes, %v; want %d", len(got), err, len(tt.want))
			}
		})
	}
}

func TestUDPErrors(t *testing.T) {
	pc := udpEcho(t)
	port := pc.LocalAddr().(*net.UDPAddr).Port
	pc.Close()
	u := NewUDP(&Config{ReadTimeout: 30 * time.Millisecond})
	if err := u.Send([]byte("x")); ErrString(err) != "closed" {
		t.Errorf("send unconnected: got %v", err)
	}
	if err := u.SetPeerName(t.Context(), "127.0.0.1", port); err != nil {
		t.Fatal(err)
	}
	u.Send([]byte("x"))
	if _, err := u.Receive(0); ErrString(err) != "connection refused" {
		t.Errorf("after ICMP: got %q, want connection refused", ErrString(err))
	}
	if _, err := u.Receive(0); ErrString(err) != "timeout" {
		t.Errorf("then: got %q, want timeout", ErrString(err))
	}
	if err := u.Close(); err != nil {
		t.Fatal(err)
	}
	if err := u.Close(); ErrString(err) != "closed" {
		t.Errorf("double close: got %v", err)
	}
}
