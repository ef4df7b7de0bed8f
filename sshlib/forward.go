package sshlib

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/sshmatrix/sshmatrix/sshlib/internal/wire"
)

// Port forwarding (RFC 4254 §7): direct-tcpip channels for local
// forwarding, tcpip-forward requests and forwarded-tcpip channels for
// remote forwarding.

// DialContext opens a TCP connection from the server to addr (a
// "direct-tcpip" channel, RFC 4254 §7.2). network must be "tcp", "tcp4" or
// "tcp6"; addr is host:port and the host is resolved by the server.
func (c *Client) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return nil, fmt.Errorf("sshlib: dial %s: network not supported", network)
	}
	host, port, err := splitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("sshlib: dial %s: %w", addr, err)
	}
	// The originator is where the connection comes from on our side; a
	// client that is not itself relaying one names the loopback address.
	extra := wire.NewBuilder(nil).Text(host).Uint32(port).Text("127.0.0.1").Uint32(0).Bytes()
	ch, err := c.mux.openChannel(ctx, "direct-tcpip", extra)
	if err != nil {
		return nil, err
	}
	return &chanConn{ch: ch, local: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}, remote: tcpAddr(host, port)}, nil
}

func splitHostPort(addr string) (string, uint32, error) {
	host, ps, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.ParseUint(ps, 10, 16)
	if err != nil {
		return "", 0, fmt.Errorf("bad port %q", ps)
	}
	return host, uint32(port), nil
}

func tcpAddr(host string, port uint32) net.Addr {
	if ip, err := netip.ParseAddr(host); err == nil {
		return net.TCPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(port)))
	}
	return &hostAddr{host: host, port: port}
}

// hostAddr is an address the server resolves, kept by name.
type hostAddr struct {
	host string
	port uint32
}

func (a *hostAddr) Network() string { return "tcp" }
func (a *hostAddr) String() string {
	return net.JoinHostPort(a.host, strconv.FormatUint(uint64(a.port), 10))
}

// chanConn is a forwarding channel as a net.Conn.
type chanConn struct {
	ch            *channel
	local, remote net.Addr
}

func (c *chanConn) Read(b []byte) (int, error)  { return c.ch.read(b, false) }
func (c *chanConn) Write(b []byte) (int, error) { return c.ch.write(b, false, 0) }
func (c *chanConn) Close() error                { return c.ch.close() }

// CloseWrite sends EOF; the server then shuts down its side's writing.
func (c *chanConn) CloseWrite() error    { return c.ch.closeWrite() }
func (c *chanConn) LocalAddr() net.Addr  { return c.local }
func (c *chanConn) RemoteAddr() net.Addr { return c.remote }

func (c *chanConn) SetDeadline(t time.Time) error {
	c.SetReadDeadline(t)
	return c.SetWriteDeadline(t)
}

func (c *chanConn) SetReadDeadline(t time.Time) error {
	c.ch.mu.Lock()
	defer c.ch.mu.Unlock()
	if c.ch.closed {
		return net.ErrClosed
	}
	c.ch.rdl.set(c.ch, t)
	return nil
}

func (c *chanConn) SetWriteDeadline(t time.Time) error {
	c.ch.mu.Lock()
	defer c.ch.mu.Unlock()
	if c.ch.closed {
		return net.ErrClosed
	}
	c.ch.wdl.set(c.ch, t)
	return nil
}

// Listen asks the server to listen on addr and forward the connections it
// accepts to us (a "tcpip-forward" request, RFC 4254 §7.1). Port 0 lets
// the server choose; the listener's Addr tells which it chose. Close
// unblocks it.
func (c *Client) Listen(network, addr string) (net.Listener, error) {
	return c.ListenContext(context.Background(), network, addr)
}

// ListenContext is Listen with a context for the request.
func (c *Client) ListenContext(ctx context.Context, network, addr string) (net.Listener, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return nil, fmt.Errorf("sshlib: listen %s: network not supported", network)
	}
	host, port, err := splitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("sshlib: listen %s: %w", addr, err)
	}
	ok, reply, err := c.mux.sendGlobalRequest(ctx, "tcpip-forward", true,
		wire.NewBuilder(nil).Text(host).Uint32(port).Bytes())
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &RequestError{Request: "tcpip-forward " + addr}
	}
	if port == 0 {
		// RFC 4254 §7.1: the reply carries the port the server chose.
		r := wire.NewReader(reply)
		port = r.Uint32("port that was bound")
		if err := r.Done("port that was bound"); err != nil || port == 0 || port > 65535 {
			return nil, protoErr(msgRequestSuccess, "tcpip-forward reply without a valid port")
		}
	}
	return c.mux.forward.add(host, port)
}

// forwardTable holds the remote forwardings we asked for.
type forwardTable struct {
	m      *mux
	mu     sync.Mutex
	ls     []*forwardListener
	closed bool
}

func newForwardTable(m *mux) *forwardTable { return &forwardTable{m: m} }

// backlog is how many forwarded connections wait for Accept.
const backlog = 32

func (t *forwardTable) add(host string, port uint32) (*forwardListener, error) {
	l := &forwardListener{t: t, host: host, port: port, queue: make(chan *chanConn, backlog), done: make(chan struct{})}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, errConnClosed
	}
	t.ls = append(t.ls, l)
	return l, nil
}

// find matches a forwarded-tcpip channel to a listener by port, and by
// address unless either is a wildcard: servers report the address as it
// was requested, but may normalise "localhost" (RFC 4254 §7.2).
func (t *forwardTable) find(addr string, port uint32) *forwardListener {
	t.mu.Lock()
	defer t.mu.Unlock()
	var byPort *forwardListener
	for _, l := range t.ls {
		if l.port != port {
			continue
		}
		if l.host == addr {
			return l
		}
		byPort = l
	}
	return byPort
}

func (t *forwardTable) remove(l *forwardListener) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, x := range t.ls {
		if x == l {
			t.ls = append(t.ls[:i], t.ls[i+1:]...)
			return
		}
	}
}

func (t *forwardTable) closeAll() {
	t.mu.Lock()
	ls := t.ls
	t.ls = nil
	t.closed = true
	t.mu.Unlock()
	for _, l := range ls {
		l.shut()
	}
}

type forwardedTCPIP struct {
	addr       string
	port       uint32
	origin     string
	originPort uint32
}

// parseForwardedTCPIP parses the data of a forwarded-tcpip channel open
// (RFC 4254 §7.2).
func parseForwardedTCPIP(b []byte) (*forwardedTCPIP, error) {
	r := wire.NewReader(b)
	f := &forwardedTCPIP{
		addr:       r.Text("address that was connected"),
		port:       r.Uint32("port that was connected"),
		origin:     r.Text("originator IP address"),
		originPort: r.Uint32("originator port"),
	}
	if err := r.Done("originator port"); err != nil {
		return nil, err
	}
	if f.port > 65535 || f.originPort > 65535 {
		return nil, fmt.Errorf("%w: port out of range", wire.ErrMalformed)
	}
	return f, nil
}

// forwardListener is a remote forwarding as a net.Listener.
type forwardListener struct {
	t     *forwardTable
	host  string
	port  uint32
	queue chan *chanConn
	once  sync.Once
	done  chan struct{}
}

// enqueue hands a new forwarded channel to Accept without blocking the
// read loop; false means the backlog is full or the listener closed.
func (l *forwardListener) enqueue(ch *channel, f *forwardedTCPIP) bool {
	c := &chanConn{ch: ch, local: tcpAddr(f.addr, f.port), remote: tcpAddr(f.origin, f.originPort)}
	select {
	case <-l.done:
		return false
	default:
	}
	select {
	case l.queue <- c:
		return true
	default:
		return false
	}
}

func (l *forwardListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.queue:
		return c, nil
	case <-l.done:
		// Connections queued before the close are still handed out.
		select {
		case c := <-l.queue:
			return c, nil
		default:
		}
		if err := l.t.m.Err(); err != nil && !errors.Is(err, net.ErrClosed) {
			return nil, err
		}
		return nil, net.ErrClosed
	}
}

func (l *forwardListener) shut() { l.once.Do(func() { close(l.done) }) }

// Close cancels the forwarding (RFC 4254 §7.1 cancel-tcpip-forward). It
// does not wait for the server's answer, so it never blocks on it.
func (l *forwardListener) Close() error {
	l.t.remove(l)
	l.shut()
	for {
		select {
		case c := <-l.queue:
			c.Close()
			continue
		default:
		}
		break
	}
	_, _, err := l.t.m.sendGlobalRequest(context.Background(), "cancel-tcpip-forward", false,
		wire.NewBuilder(nil).Text(l.host).Uint32(l.port).Bytes())
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

func (l *forwardListener) Addr() net.Addr { return tcpAddr(l.host, l.port) }
