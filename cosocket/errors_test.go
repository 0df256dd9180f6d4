package cosocket

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
)

func TestErrString(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"deadline", os.ErrDeadlineExceeded, "timeout"},
		{"context deadline", context.DeadlineExceeded, "timeout"},
		{"eof", io.EOF, "closed"},
		{"closed conn", net.ErrClosed, "closed"},
		{"refused", &net.OpError{Op: "dial", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}, "connection refused"},
		{"reset", &net.OpError{Op: "read", Err: syscall.ECONNRESET}, "connection reset by peer"},
		{"no route", syscall.EHOSTUNREACH, "no route to host"},
		{"no file", syscall.ENOENT, "no such file or directory"},
		{"broken pipe", syscall.EPIPE, "broken pipe"},
		{"wrapped sentinel", fmt.Errorf("x: %w", ErrTooManyWaiting), "too many waiting connect operations"},
		{"partial", withPartial(io.EOF), "closed"},
		{"verify", &VerifyError{Code: 20, Text: "unable to get local issuer certificate"}, "20: unable to get local issuer certificate"},
		{"other", errors.New("cosocket: something"), "cosocket: something"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ErrString(tt.err); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	if HasPartial(ErrClosed) || !HasPartial(withPartial(io.EOF)) {
		t.Error("HasPartial: wrong marking")
	}
}
