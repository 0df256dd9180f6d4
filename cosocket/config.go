package cosocket

import (
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"time"
)

// Defaults of the lua_socket_* directives.
const (
	DefaultTimeout          = 60 * time.Second // lua_socket_{connect,send,read}_timeout
	DefaultBufferSize       = 4096             // lua_socket_buffer_size
	DefaultPoolSize         = 30               // lua_socket_pool_size
	DefaultKeepaliveTimeout = 60 * time.Second // lua_socket_keepalive_timeout
	DefaultVerifyDepth      = 1                // lua_ssl_verify_depth
	MaxUDPReceive           = 8192             // udpsock:receive size cap and default
)

// DialFunc opens a stream connection; network is "tcp" or "unix".
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// Config holds the lua_socket_* and lua_ssl_* settings a socket starts with.
// A zero field means the directive's default; a nil *Config means all
// defaults. A Config must not be changed once sockets use it.
type Config struct {
	ConnectTimeout time.Duration // lua_socket_connect_timeout; <0 means none
	SendTimeout    time.Duration // lua_socket_send_timeout; <0 means none
	ReadTimeout    time.Duration // lua_socket_read_timeout; <0 means none
	// BufferSize is lua_socket_buffer_size: the size of each read from the
	// network. It limits nothing: receive(size), lines and patterns grow
	// past it as needed.
	BufferSize int
	// PoolSize is lua_socket_pool_size, the size of a pool created
	// without an explicit size.
	PoolSize int
	// KeepaliveTimeout is lua_socket_keepalive_timeout, the idle timeout
	// used when SetKeepalive is given a negative timeout.
	KeepaliveTimeout time.Duration
	// TrustedCAs is lua_ssl_trusted_certificate (see LoadTrustedCertificate);
	// nil means no trusted certificate, so verification fails.
	TrustedCAs *x509.CertPool
	// VerifyDepth is lua_ssl_verify_depth; 0 means the default (1).
	VerifyDepth int
	// Dial replaces the net.Dialer used to connect (tests, custom
	// resolution). The Lua layer resolves names itself; nil means net.Dialer.
	Dial DialFunc
}

var defaultConfig Config

func (c *Config) or() *Config {
	if c == nil {
		return &defaultConfig
	}
	return c
}

func orDuration(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}

func (c *Config) bufferSize() int {
	if c.BufferSize > 0 {
		return c.BufferSize
	}
	return DefaultBufferSize
}

func (c *Config) poolSize() int {
	if c.PoolSize > 0 {
		return c.PoolSize
	}
	return DefaultPoolSize
}

func (c *Config) keepaliveTimeout() time.Duration {
	return orDuration(c.KeepaliveTimeout, DefaultKeepaliveTimeout)
}

func (c *Config) verifyDepth() int {
	if c.VerifyDepth > 0 {
		return c.VerifyDepth
	}
	return DefaultVerifyDepth
}

// LoadTrustedCertificate reads a PEM file of CA certificates, as
// lua_ssl_trusted_certificate does.
func LoadTrustedCertificate(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cosocket: lua_ssl_trusted_certificate: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("cosocket: lua_ssl_trusted_certificate: no certificate in %q", path)
	}
	return pool, nil
}
