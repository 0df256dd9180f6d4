package proxy

import (
	"errors"
	"net"
	"strconv"
	"syscall"
)

// dialError returns the connect failure inside err, or nil.
func dialError(err error) *net.OpError {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return op
	}
	return nil
}

// strerror is glibc's text for the errors a connect() commonly meets.
var strerror = map[syscall.Errno]string{
	syscall.ECONNREFUSED:  "Connection refused",
	syscall.ECONNRESET:    "Connection reset by peer",
	syscall.EHOSTUNREACH:  "No route to host",
	syscall.ENETUNREACH:   "Network is unreachable",
	syscall.ETIMEDOUT:     "Connection timed out",
	syscall.EADDRNOTAVAIL: "Cannot assign requested address",
	syscall.EACCES:        "Permission denied",
}

// errnoText is nginx's "(111: Connection refused)".
func errnoText(op *net.OpError) string {
	var errno syscall.Errno
	if !errors.As(op.Err, &errno) {
		return "(" + op.Err.Error() + ")"
	}
	text, ok := strerror[errno]
	if !ok {
		text = errno.Error()
		if text != "" && text[0] >= 'a' && text[0] <= 'z' {
			text = string(text[0]-'a'+'A') + text[1:]
		}
	}
	return "(" + strconv.Itoa(int(errno)) + ": " + text + ")"
}
