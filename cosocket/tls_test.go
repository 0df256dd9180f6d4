package cosocket

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"
)

// newCert makes a certificate for "test.example" signed by parent (nil:
// self-signed); isCA makes it a CA.
func newCert(t *testing.T, cn string, isCA bool, parent *tls.Certificate) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"test.example"}, IsCA: isCA, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	signer, signKey := tmpl, any(key)
	if parent != nil {
		signer, signKey = parent.Leaf, parent.PrivateKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

func tlsServer(t *testing.T, cert tls.Certificate) *server {
	conf := &tls.Config{Certificates: []tls.Certificate{cert}}
	return newServer(t, "tcp", func(c net.Conn) {
		tc := tls.Server(c, conf)
		tc.SetDeadline(time.Now().Add(2 * time.Second))
		echo(tc)
	})
}

func TestSSLHandshake(t *testing.T) {
	ca := newCert(t, "testca", true, nil)
	leaf := newCert(t, "test.example", false, &ca)
	self := newCert(t, "test.example", false, nil)
	roots := x509.NewCertPool()
	roots.AddCert(ca.Leaf)
	good, selfSrv := tlsServer(t, leaf), tlsServer(t, self)
	plain := newServer(t, "tcp", holdAfter("hello, not tls\r\n"))
	tests := []struct {
		name string
		srv  *server
		opts TLSOptions
		want string // "" for success
	}{
		{"verified", good, TLSOptions{ServerName: "test.example", Verify: true}, ""},
		{"host mismatch", good, TLSOptions{ServerName: "wrong.example", Verify: true}, "certificate host mismatch"},
		{"no name no host check", good, TLSOptions{Verify: true}, ""},
		{"self-signed", selfSrv, TLSOptions{ServerName: "test.example", Verify: true}, "18: self-signed certificate"},
		{"self-signed unverified", selfSrv, TLSOptions{ServerName: "test.example"}, ""},
		{"not tls", plain, TLSOptions{ServerName: "test.example"}, "handshake failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := connect(t, tt.srv, &Config{ConnectTimeout: time.Second, ReadTimeout: time.Second, TrustedCAs: roots}, nil)
			sess, err := s.SSLHandshake(t.Context(), tt.opts)
			if ErrString(err) != tt.want {
				t.Fatalf("got %q, want %q", ErrString(err), tt.want)
			}
			if err != nil {
				if _, err := s.Send([]byte("x")); ErrString(err) != "closed" {
					t.Errorf("send after failed handshake: got %v, want closed", err)
				}
				return
			}
			if sess == nil {
				t.Error("no session")
			}
			s.Send([]byte("ping\n"))
			if line, err := s.ReceiveLine(); line != "ping" || err != nil {
				t.Errorf("echo over tls: %q %v", line, err)
			}
		})
	}
}

func TestSSLSessionReuseAndPool(t *testing.T) {
	self := newCert(t, "test.example", false, nil)
	srv := tlsServer(t, self)
	pool := NewPool()
	defer pool.Close()
	s := connect(t, srv, shortCfg(), nil)
	sess, err := s.SSLHandshake(t.Context(), TLSOptions{ServerName: "test.example"})
	if err != nil {
		t.Fatal(err)
	}
	s.Send([]byte("a\n"))
	s.ReceiveLine() // lets the TLS 1.3 ticket in
	s.Close()
	s2 := connect(t, srv, shortCfg(), pool)
	if _, err := s2.SSLHandshake(t.Context(), TLSOptions{ServerName: "test.example", Session: sess}); err != nil {
		t.Fatal(err)
	}
	if !s2.TLSResumed() {
		t.Error("session not resumed")
	}
	s2.Send([]byte("b\n"))
	s2.ReceiveLine()
	if err := s2.SetKeepalive(-1, 0); err != nil {
		t.Fatal(err)
	}
	s3 := connect(t, srv, shortCfg(), pool)
	if n, _ := s3.GetReusedTimes(); n != 1 {
		t.Fatalf("reused %d, want 1", n)
	}
	if _, err := s3.SSLHandshake(t.Context(), TLSOptions{ServerName: "test.example"}); err != nil {
		t.Fatal(err)
	}
	s3.Send([]byte("c\n"))
	if line, err := s3.ReceiveLine(); line != "c" || err != nil {
		t.Errorf("pooled tls echo: %q %v", line, err)
	}
}
