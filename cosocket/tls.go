package cosocket

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"sync"
	"time"
)

// Session is an opaque TLS session returned by SSLHandshake and passed back
// to a later SSLHandshake to resume it. TLS 1.3 tickets arrive after the
// handshake, so a Session fills in as the connection is read.
type Session struct {
	mu    sync.Mutex
	state *tls.ClientSessionState
}

// sessionCache is a one-entry tls.ClientSessionCache: it offers the session
// being resumed and records the tickets the server sends into out.
type sessionCache struct {
	in  *tls.ClientSessionState
	out *Session
}

func (c *sessionCache) Get(string) (*tls.ClientSessionState, bool) { return c.in, c.in != nil }

func (c *sessionCache) Put(_ string, cs *tls.ClientSessionState) {
	if cs == nil {
		return
	}
	c.out.mu.Lock()
	c.out.state = cs
	c.out.mu.Unlock()
}

// TLSOptions are the arguments of tcpsock:sslhandshake.
type TLSOptions struct {
	Session    *Session // session to resume; nil for a full handshake
	ServerName string   // SNI and, with Verify, the name to check; "" for none
	Verify     bool     // verify the chain against Config.TrustedCAs
}

// SSLHandshake runs a TLS client handshake on the connected socket
// (tcpsock:sslhandshake) under the connect timeout, and returns the session.
// A connection reused from a pool that is already TLS returns its session
// at once. Failures close the socket: ErrHandshakeFailed, *VerifyError
// ("18: self-signed certificate", ...), ErrHostMismatch, ErrTimeout.
func (s *TCPSocket) SSLHandshake(ctx context.Context, o TLSOptions) (*Session, error) {
	if err := s.busy(); err != nil {
		return nil, err
	}
	if !s.connecting.CompareAndSwap(false, true) {
		return nil, ErrBusyConnecting
	}
	defer s.connecting.Store(false)
	s.mu.Lock()
	raw, tc, sess := s.raw, s.tlsConn, s.session
	s.mu.Unlock()
	if raw == nil {
		return nil, ErrClosed
	}
	if tc != nil {
		return sess, nil
	}
	out := &Session{}
	cache := &sessionCache{out: out}
	if o.Session != nil {
		o.Session.mu.Lock()
		cache.in = o.Session.state
		o.Session.mu.Unlock()
	}
	conf := &tls.Config{
		ServerName:         o.ServerName,
		InsecureSkipVerify: true, // verified below, to report OpenSSL's errors
		ClientSessionCache: cache,
	}
	tc = tls.Client(raw, conf)
	if to := time.Duration(s.connectTimeout.Load()); to > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, to)
		defer cancel()
	}
	err := tc.HandshakeContext(ctx)
	if err == nil && o.Verify {
		err = s.verify(tc.ConnectionState().PeerCertificates, o.ServerName)
	}
	if err != nil {
		s.Close()
		if c := classify(err); errors.Is(c, ErrTimeout) {
			return nil, ErrTimeout
		}
		var ve *VerifyError
		if errors.As(err, &ve) || errors.Is(err, ErrHostMismatch) {
			return nil, err
		}
		var re tls.RecordHeaderError
		if errors.As(err, &re) {
			return nil, ErrNotTLS
		}
		return nil, ErrHandshakeFailed
	}
	s.mu.Lock()
	s.conn, s.tlsConn, s.session = tc, tc, out
	s.mu.Unlock()
	return out, nil
}

// verify checks the peer chain as OpenSSL with lua_ssl_verify_depth would,
// then the host name as OpenResty does after the handshake.
func (s *TCPSocket) verify(chain []*x509.Certificate, name string) error {
	if len(chain) == 0 {
		return ErrHandshakeFailed
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	roots := s.cfg.TrustedCAs
	if roots == nil {
		roots = x509.NewCertPool()
	}
	chains, err := chain[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil {
		return verifyErrorFor(err, chain)
	}
	depth := s.cfg.verifyDepth()
	ok := false
	for _, ch := range chains {
		if len(ch) <= depth+1 {
			ok = true
		}
	}
	if !ok {
		return &VerifyError{Code: 22, Text: "certificate chain too long"}
	}
	if name != "" && chain[0].VerifyHostname(name) != nil {
		return ErrHostMismatch
	}
	return nil
}

// TLSResumed reports whether the socket's TLS session was resumed.
func (s *TCPSocket) TLSResumed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tlsConn != nil && s.tlsConn.ConnectionState().DidResume
}
