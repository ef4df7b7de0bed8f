package sshlib

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// ClientConfig configures a client connection: the transport (Config),
// user authentication (RFC 4252) and host-key trust.
type ClientConfig struct {
	Config

	// User is the user name to authenticate as.
	User string

	// Auth are the authentication methods to try, in order, after "none"
	// (RFC 4252 §5.2). A method is tried only if the server lists it.
	Auth []AuthMethod

	// HostKeyCallback decides whether the server's host key is trusted.
	// nil means KnownHosts(StrictHostKeyChecking) over ~/.ssh/known_hosts.
	// InsecureIgnoreHostKey accepts any key and must be named to be used.
	HostKeyCallback HostKeyCallback

	// BannerCallback receives SSH_MSG_USERAUTH_BANNER text (RFC 4252 §5.4).
	// nil ignores banners. An error ends authentication.
	BannerCallback func(message string) error

	// PublicKeyAlgorithms are the signature algorithms publickey
	// authentication may use, like OpenSSH's PubkeyAcceptedAlgorithms.
	// Empty means every secure algorithm a key offers; SHA-1 "ssh-rsa" is
	// used only when named here.
	PublicKeyAlgorithms []string

	// Timeout bounds connecting, the handshake and authentication together
	// when the context has no earlier deadline; zero means no bound.
	Timeout time.Duration

	// KeepAliveInterval, if positive, sends keepalive@openssh.com global
	// requests that often; after KeepAliveCountMax (default 3) unanswered
	// in a row the connection is closed, like OpenSSH's
	// ServerAliveInterval/ServerAliveCountMax.
	KeepAliveInterval time.Duration
	KeepAliveCountMax int
}

// clientTransport is what the client needs of the transport: packetConn
// plus the two calls of layers.go.
type clientTransport interface {
	packetConn
	negotiated() Negotiated
	requestKeyChange() error
}

// newTransport starts the transport (RFC 4253) over c. It is a variable so
// that tests of the layers above can replace it with a fake.
var newTransport = func(ctx context.Context, c net.Conn, cfg *Config, hostVerify func(PublicKey) error, hostname string) (clientTransport, error) {
	t, err := newClientTransport(ctx, c, cfg, hostVerify, hostname)
	if err != nil {
		// Not the nil *transport: that would be a non-nil interface.
		return nil, err
	}
	return t, nil
}

// Client is an authenticated SSH connection.
type Client struct {
	t      clientTransport
	mux    *mux
	conn   net.Conn
	user   string
	remote net.Addr

	closeOnce sync.Once
	closeErr  error
	kaStop    chan struct{}
	kaDone    chan struct{}
}

// Dial connects to addr ("host:port") over network, runs the handshake
// and authenticates. ctx bounds all of it; it does not affect the
// connection once Dial has returned.
func Dial(ctx context.Context, network, addr string, cfg *ClientConfig) (*Client, error) {
	if cfg.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.Timeout)
		defer cancel()
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, fmt.Errorf("sshlib: dial %s: %w", addr, err)
	}
	cl, err := NewClientConn(ctx, c, addr, cfg)
	if err != nil {
		c.Close()
		return nil, err
	}
	return cl, nil
}

// NewClientConn runs SSH over an established connection c: the handshake,
// host-key check and authentication. addr is the host name the host key is
// checked against ("host:port" or "host"). ctx bounds the setup; ending it
// closes c. On error c is closed.
func NewClientConn(ctx context.Context, c net.Conn, addr string, cfg *ClientConfig) (*Client, error) {
	if cfg.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.Timeout)
		defer cancel()
	}
	hostKeyCB := cfg.HostKeyCallback
	if hostKeyCB == nil {
		var err error
		if hostKeyCB, err = KnownHosts(StrictHostKeyChecking); err != nil {
			c.Close()
			return nil, err
		}
	}
	hostname := addr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		hostname = h
	}
	remote := c.RemoteAddr()

	// Ending ctx during the setup closes c, which unblocks every read and
	// write of the handshake and authentication.
	stop := context.AfterFunc(ctx, func() { c.Close() })
	fail := func(err error) (*Client, error) {
		c.Close()
		if !stop() && ctx.Err() != nil {
			return nil, fmt.Errorf("sshlib: connect %s: %w", addr, ctx.Err())
		}
		return nil, err
	}

	tcfg := cfg.Config
	t, err := newTransport(ctx, c, &tcfg, func(key PublicKey) error {
		return hostKeyCB(addr, remote, key)
	}, hostname)
	if err != nil {
		return fail(err)
	}
	if err := authenticate(ctx, t, cfg); err != nil {
		t.Close()
		return fail(err)
	}
	if !stop() {
		t.Close()
		return nil, fmt.Errorf("sshlib: connect %s: %w", addr, ctx.Err())
	}
	return newClient(t, c, cfg), nil
}

func newClient(t clientTransport, c net.Conn, cfg *ClientConfig) *Client {
	cl := &Client{t: t, mux: newMux(t), conn: c, user: cfg.User}
	if c != nil {
		cl.remote = c.RemoteAddr()
	}
	if cfg.KeepAliveInterval > 0 {
		n := cfg.KeepAliveCountMax
		if n <= 0 {
			n = 3
		}
		cl.kaStop, cl.kaDone = make(chan struct{}), make(chan struct{})
		go cl.keepAlive(cfg.KeepAliveInterval, n)
	}
	return cl
}

// keepAlive sends keepalive@openssh.com every interval and closes the
// connection after max unanswered in a row.
func (c *Client) keepAlive(interval time.Duration, max int) {
	defer close(c.kaDone)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	missed := 0
	for {
		select {
		case <-c.kaStop:
			return
		case <-c.mux.closed:
			return
		case <-tick.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), interval)
		err := c.SendKeepAlive(ctx)
		cancel()
		if err == nil {
			missed = 0
			continue
		}
		if missed++; missed >= max {
			c.mux.shutdown(fmt.Errorf("sshlib: no answer to %d keepalives: %w", max, err))
			c.t.Close()
			return
		}
	}
}

// SendKeepAlive sends a keepalive@openssh.com global request and waits for
// the answer. Servers answer with failure; any answer proves the
// connection alive.
func (c *Client) SendKeepAlive(ctx context.Context) error {
	_, _, err := c.mux.sendGlobalRequest(ctx, "keepalive@openssh.com", true, nil)
	return err
}

// Negotiated returns the algorithms of the latest key exchange.
func (c *Client) Negotiated() Negotiated { return c.t.negotiated() }

// Rekey runs a key exchange now (RFC 4253 §9) and returns when it is done.
// It is bounded by Config.HandshakeTimeout.
func (c *Client) Rekey() error { return c.t.requestKeyChange() }

// SessionID is the exchange hash of the first key exchange (RFC 4253 §7.2).
func (c *Client) SessionID() []byte { return append([]byte(nil), c.t.sessionID()...) }

// User is the name the client authenticated as.
func (c *Client) User() string { return c.user }

// RemoteAddr is the server's address.
func (c *Client) RemoteAddr() net.Addr { return c.remote }

// Wait blocks until the connection ends and returns why.
func (c *Client) Wait() error {
	<-c.mux.closed
	return c.mux.Err()
}

// Close closes the connection. Every blocked call on the client, its
// sessions, channels and listeners returns, and every goroutine the client
// started has ended when Close returns.
func (c *Client) Close() error {
	c.closeOnce.Do(func() {
		if c.kaStop != nil {
			close(c.kaStop)
			<-c.kaDone
		}
		c.closeErr = c.mux.close()
		if errors.Is(c.closeErr, net.ErrClosed) {
			c.closeErr = nil
		}
	})
	return c.closeErr
}
