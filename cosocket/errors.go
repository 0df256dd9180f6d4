package cosocket

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"syscall"
)

// The errors below carry OpenResty's exact Lua-facing strings as their text:
// they are values a Lua binding returns verbatim (via ErrString), not Go-side
// diagnostics.
var (
	// ErrTimeout is a connect, send, read, handshake or backlog wait that
	// ran out of time.
	ErrTimeout = errors.New("timeout")
	// ErrClosed is an operation on a socket that is not connected, was
	// closed, or whose peer closed the stream.
	ErrClosed = errors.New("closed")
	// ErrTooManyWaiting is a connect refused because the pool's backlog
	// queue is full.
	ErrTooManyWaiting = errors.New("too many waiting connect operations")
	// ErrUnreadData is SetKeepalive on a socket whose read buffer still
	// holds data; the socket stays usable.
	ErrUnreadData = errors.New("unread data in buffer")
	// ErrBusyReading is a read started while another one is in flight.
	ErrBusyReading = errors.New("socket busy reading")
	// ErrBusyWriting is a send started while another one is in flight.
	ErrBusyWriting = errors.New("socket busy writing")
	// ErrBusyConnecting is an operation started while a connect or a TLS
	// handshake is in flight.
	ErrBusyConnecting = errors.New("socket busy connecting")
	// ErrHandshakeFailed is a TLS handshake that failed for a reason other
	// than certificate verification.
	ErrHandshakeFailed = errors.New("handshake failed")
	// ErrNotTLS is ErrHandshakeFailed because the peer did not answer with
	// TLS records (OpenSSL's "wrong version number").
	ErrNotTLS = fmt.Errorf("%w: the peer does not speak TLS", ErrHandshakeFailed)
	// ErrHostMismatch is a verified certificate that does not match the
	// requested server name.
	ErrHostMismatch = errors.New("certificate host mismatch")
	// ErrEmptyPattern is ReceiveUntil with an empty pattern (OpenResty
	// raises "pattern is empty" as a bad argument).
	ErrEmptyPattern = errors.New("pattern is empty")
)

// errNoPool is SetKeepalive on a socket created without a Pool.
var errNoPool = errors.New("cosocket: keepalive is not supported by goresty without a pool")

// partialError marks an error that happened after an operation started, so
// that OpenResty returns the partial data as a third value.
type partialError struct{ err error }

func (e *partialError) Error() string { return e.err.Error() }
func (e *partialError) Unwrap() error { return e.err }

func withPartial(err error) error {
	if err == nil {
		return nil
	}
	var pe *partialError
	if errors.As(err, &pe) {
		return err
	}
	return &partialError{err: classify(err)}
}

// HasPartial reports whether a failed receive returns the partial data as a
// third value in OpenResty (true) or only nil and the message (false: the
// socket was already closed, never connected, or busy when the call started).
func HasPartial(err error) bool {
	var pe *partialError
	return errors.As(err, &pe)
}

// VerifyError is a certificate verification failure, with OpenSSL's
// X509_V_ERR code and text; its Error is "code: text", e.g.
// "18: self-signed certificate", as OpenResty's sslhandshake returns.
type VerifyError struct {
	Code int
	Text string
	Err  error // the Go verification error, if any
}

func (e *VerifyError) Error() string { return strconv.Itoa(e.Code) + ": " + e.Text }

// Unwrap returns the underlying Go error.
func (e *VerifyError) Unwrap() error { return e.Err }

// classify maps a Go network error to the package's sentinels where
// OpenResty has a fixed word for it ("timeout", "closed"); other errors are
// returned unchanged and spelled by ErrString.
func classify(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrTimeout), errors.Is(err, ErrClosed):
		return err
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded):
		return ErrTimeout
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed),
		errors.Is(err, io.ErrClosedPipe):
		return ErrClosed
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return ErrTimeout
	}
	return err
}

// ErrString returns the message OpenResty gives for err: the sentinels'
// texts, "timeout" for deadlines, "closed" for EOF and closed sockets, the
// lower-case strerror text for system errors ("connection refused",
// "connection reset by peer", "no route to host", "no such file or
// directory", "broken pipe", ...), "code: text" for certificate errors, and
// err.Error() otherwise. ErrString(nil) is "".
func ErrString(err error) string {
	if err == nil {
		return ""
	}
	err = classify(err)
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return s.Error()
		}
	}
	var ve *VerifyError
	if errors.As(err, &ve) {
		return ve.Error()
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno.Error()
	}
	var re tls.RecordHeaderError
	if errors.As(err, &re) {
		return ErrHandshakeFailed.Error()
	}
	return err.Error()
}

var sentinels = []error{
	ErrTimeout, ErrClosed, ErrTooManyWaiting, ErrUnreadData, ErrBusyReading,
	ErrBusyWriting, ErrBusyConnecting, ErrHandshakeFailed, ErrHostMismatch, ErrEmptyPattern,
}

// verifyErrorFor maps a Go x509 verification error to OpenSSL's code and
// text. chain is the certificates the peer sent, leaf first.
func verifyErrorFor(err error, chain []*x509.Certificate) error {
	var ua x509.UnknownAuthorityError
	var ci x509.CertificateInvalidError
	switch {
	case errors.As(err, &ua):
		last := chain[len(chain)-1]
		if isSelfSigned(last) {
			if len(chain) == 1 {
				return &VerifyError{Code: 18, Text: "self-signed certificate", Err: err}
			}
			return &VerifyError{Code: 19, Text: "self-signed certificate in certificate chain", Err: err}
		}
		return &VerifyError{Code: 20, Text: "unable to get local issuer certificate", Err: err}
	case errors.As(err, &ci):
		switch ci.Reason {
		case x509.Expired:
			return &VerifyError{Code: 10, Text: "certificate has expired", Err: err}
		case x509.TooManyIntermediates:
			return &VerifyError{Code: 22, Text: "certificate chain too long", Err: err}
		case x509.NotAuthorizedToSign, x509.CANotAuthorizedForThisName:
			return &VerifyError{Code: 24, Text: "invalid CA certificate", Err: err}
		case x509.IncompatibleUsage:
			return &VerifyError{Code: 26, Text: "unsupported certificate purpose", Err: err}
		}
	}
	return &VerifyError{Code: 7, Text: "certificate signature failure", Err: err}
}

func isSelfSigned(c *x509.Certificate) bool {
	return string(c.RawIssuer) == string(c.RawSubject) &&
		c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}
