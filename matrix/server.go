// Package matrix is the interop matrix: for every server build and
// algorithm combination, sshlib connects to a real server, logs in, moves
// data both ways with checksums computed on the other side, and the
// negotiated algorithms are asserted twice, from sshlib and from the
// server's own log. See README.md ("The matrix") for running it.
package matrix

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"

	"github.com/sshmatrix/sshmatrix/containers"
	"github.com/sshmatrix/sshmatrix/containers/dropbear"
	"github.com/sshmatrix/sshmatrix/containers/openssh"
	"github.com/sshmatrix/sshmatrix/containers/tinyssh"
	"github.com/sshmatrix/sshmatrix/sshlib"
)

// Server is one server build the matrix runs against, as data.
type Server struct {
	ID      string // stable id: "openssh-9.2p1", "dropbear-2026.94-legacy", "tinyssh-20261001"
	Flavour string // "openssh", "dropbear", "tinyssh"
	Version string
	Profile string // Dropbear compile-time profile; "" for the default build
}

// Servers lists every build the images provide, in a fixed order.
func Servers() []Server {
	var out []Server
	for _, b := range containers.Builds {
		out = append(out, Server{ID: b.Flavour + "-" + b.Version, Flavour: b.Flavour, Version: b.Version})
		if b.Flavour == "dropbear" {
			for _, p := range dropbear.Profiles[b.Version] {
				if p != "default" {
					out = append(out, Server{ID: b.Flavour + "-" + b.Version + "-" + p, Flavour: b.Flavour, Version: b.Version, Profile: p})
				}
			}
		}
	}
	return out
}

// SelectServers picks servers by a comma-separated list of ids or id
// prefixes ("openssh", "dropbear-2026.94", "tinyssh-20190101"); "" or "all"
// is every server. A term that matches nothing is an error, not an empty run.
func SelectServers(spec string) ([]Server, error) {
	all := Servers()
	if spec == "" || spec == "all" {
		return all, nil
	}
	var out []Server
	for _, term := range strings.Split(spec, ",") {
		term = strings.TrimSpace(term)
		n := 0
		for _, s := range all {
			if s.ID == term || strings.HasPrefix(s.ID, term+"-") || (term == s.Flavour) {
				if !slices.ContainsFunc(out, func(o Server) bool { return o.ID == s.ID }) {
					out = append(out, s)
				}
				n++
			}
		}
		if n == 0 {
			var ids []string
			for _, s := range all {
				ids = append(ids, s.ID)
			}
			return nil, fmt.Errorf("matrix: no server matches %q (servers: %s)", term, strings.Join(ids, ", "))
		}
	}
	return out, nil
}

// Offer is what a running server offers, class by class (one direction:
// the servers here offer the same lists both ways).
type Offer map[string][]string

// running is a started server that its cells share.
type running struct {
	Server
	offer     Offer
	restricts bool // the server is restricted per connection (OpenSSH)
	password  bool // password authentication exists
	userKeys  []string
	logsKex   bool // the server's log names the negotiated algorithms
	// oneSession: the server allows one session channel per connection
	// (TinySSH), so each transfer gets its own connection.
	oneSession bool
	compC2S    []string // client-to-server compression offer, when it differs from server-to-client
	creds      containers.Credentials
	hostCA     sshlib.PublicKey
	hostKeys   map[string]bool // blobs of the server's host keys
	dial       func(ctx context.Context, c *Cell) (*containers.Conn, error)
	stop       func(ctx context.Context) error
}

// startServer starts one build and learns what it offers.
func startServer(ctx context.Context, s Server) (*running, error) {
	creds := containers.TestCredentials()
	ca, _, _, err := sshlib.ParseAuthorizedKey([]byte(creds.HostCA))
	if err != nil {
		return nil, fmt.Errorf("matrix: parse test host CA: %w", err)
	}
	r := &running{Server: s, creds: creds, hostCA: ca, password: true, userKeys: []string{"ed25519", "ecdsa", "rsa"}}
	switch s.Flavour {
	case "openssh":
		return r, startOpenSSH(ctx, r)
	case "dropbear":
		var opts []dropbear.Option
		if s.Profile != "" {
			opts = append(opts, dropbear.WithProfile(s.Profile))
		}
		c, err := dropbear.Run(ctx, s.Version, opts...)
		r.stop = func(ctx context.Context) error { return c.Terminate(ctx) }
		if err != nil {
			return r, err
		}
		r.dial = func(ctx context.Context, _ *Cell) (*containers.Conn, error) { return c.Dial(ctx) }
		if err := r.learnHostKeys(c.HostKeys(ctx)); err != nil {
			return r, err
		}
		return r, r.learnOfferPerConnection(ctx)
	case "tinyssh":
		c, err := tinyssh.Run(ctx, s.Version)
		r.stop = func(ctx context.Context) error { return c.Terminate(ctx) }
		if err != nil {
			return r, err
		}
		r.password = false
		r.oneSession = true // tinysshd: "only one 'session' channel allowed"
		r.userKeys = []string{"ed25519"}
		r.dial = func(ctx context.Context, _ *Cell) (*containers.Conn, error) { return c.Dial(ctx) }
		if err := r.learnHostKeys(c.HostKeys(ctx)); err != nil {
			return r, err
		}
		return r, r.learnOfferPerConnection(ctx)
	}
	return nil, fmt.Errorf("matrix: unknown flavour %q", s.Flavour)
}

func (r *running) learnOffer(ctx context.Context, s *containers.Server) error {
	a, err := s.Algorithms(ctx)
	if err != nil {
		return fmt.Errorf("matrix: %s: read the server's KEXINIT: %w", r.ID, err)
	}
	r.setOffer(a)
	return nil
}

// learnOfferPerConnection reads the KEXINIT of the per-connection server
// the cells talk to. For Dropbear it differs from the long-running
// listener's (the listener offers zlib, `dropbear -i` only none), and the
// cells' server is the ground truth.
func (r *running) learnOfferPerConnection(ctx context.Context) error {
	conn, err := r.dial(ctx, nil)
	if err != nil {
		return fmt.Errorf("matrix: %s: dial: %w", r.ID, err)
	}
	a, err := conn.Offer()
	if err != nil {
		return fmt.Errorf("matrix: %s: read the per-connection server's KEXINIT: %w", r.ID, err)
	}
	r.setOffer(a)
	return nil
}

func (r *running) setOffer(a *containers.Algorithms) {
	r.compC2S = a.CompressionClientServer
	r.offer = Offer{
		sshlib.ClassKex: a.Kex, sshlib.ClassHostKey: a.HostKey, sshlib.ClassCipher: a.CiphersServerClient,
		sshlib.ClassMAC: a.MACsServerClient, sshlib.ClassCompression: a.CompressionServerClient,
	}
}

// startOpenSSH starts sshd with every algorithm this version accepts enabled,
// so the KEXINIT it sends (the ground truth the matrix intersects with
// sshlib) lists legacy names too. Which names a version accepts is asked of
// sshd -t, not assumed: an unknown name makes sshd refuse the whole list.
func startOpenSSH(ctx context.Context, r *running) error {
	c, err := openssh.Run(ctx, r.Version)
	r.stop = func(ctx context.Context) error { return c.Terminate(ctx) }
	if err != nil {
		return err
	}
	r.restricts, r.logsKex = true, true
	accepted := map[string][]string{}
	for _, cl := range []struct {
		class string
		opt   func(...string) openssh.Option
	}{
		{sshlib.ClassKex, openssh.WithKexAlgorithms},
		{sshlib.ClassCipher, openssh.WithCiphers},
		{sshlib.ClassMAC, openssh.WithMACs},
		{sshlib.ClassHostKey, openssh.WithHostKeyAlgorithms},
	} {
		names := sshlib.SupportedNames(cl.class)
		for len(names) > 0 {
			err := c.Check(ctx, cl.opt(names...))
			var ce *openssh.ConfigError
			if errors.As(err, &ce) && len(ce.Unknown) > 0 {
				names = slices.DeleteFunc(names, func(n string) bool { return slices.Contains(ce.Unknown, n) })
				continue
			}
			if err != nil {
				return fmt.Errorf("matrix: %s: probing %s names: %w", r.ID, cl.class, err)
			}
			break
		}
		accepted[cl.class] = names
	}
	// Restart the listener with everything accepted enabled and read its KEXINIT.
	c.Terminate(ctx)
	c, err = openssh.Run(ctx, r.Version,
		openssh.WithKexAlgorithms(accepted[sshlib.ClassKex]...), openssh.WithCiphers(accepted[sshlib.ClassCipher]...),
		openssh.WithMACs(accepted[sshlib.ClassMAC]...), openssh.WithHostKeyAlgorithms(accepted[sshlib.ClassHostKey]...),
		openssh.WithPubkeyAcceptedAlgorithms(accepted[sshlib.ClassHostKey]...),
	)
	r.stop = func(ctx context.Context) error { return c.Terminate(ctx) }
	if err != nil {
		return err
	}
	r.dial = func(ctx context.Context, cell *Cell) (*containers.Conn, error) {
		return c.Dial(ctx, opensshOptions(cell)...)
	}
	if err := r.learnHostKeys(c.HostKeys(ctx)); err != nil {
		return err
	}
	return r.learnOffer(ctx, c.Server)
}

// opensshOptions restricts sshd to exactly the cell's algorithms for its one
// connection. For a negative cell the server keeps its restriction to the
// positive algorithm of the failing class, so sshlib's offer lacks it.
func opensshOptions(c *Cell) []openssh.Option {
	opts := []openssh.Option{
		// debug1 has the "kex: ..." lines the cell asserts; DEBUG3 would
		// stream every packet's log line through docker for nothing.
		openssh.WithLogLevel("DEBUG1"),
		openssh.WithKexAlgorithms(c.Kex), openssh.WithCiphers(c.Cipher),
		openssh.WithHostKeyAlgorithms(c.HostKey),
		// User keys: allow every signature algorithm the version knows, so
		// the cell's auth is not what fails.
	}
	if c.MAC != "" {
		opts = append(opts, openssh.WithMACs(c.MAC))
	}
	if c.ServerRekey {
		opts = append(opts, openssh.WithRekeyLimit(serverRekeyLimit))
	}
	if c.Compression != "" && c.Compression != "none" {
		opts = append(opts, openssh.WithConfig("Compression yes"))
	}
	return opts
}

// serverHostname is the name sshlib connects as: a principal of the test
// host certificates (dockerfiles/openssh/setup.sh).
const serverHostname = "sshmatrix-server"

func (r *running) learnHostKeys(lines []string, err error) error {
	if err != nil {
		return fmt.Errorf("matrix: %s: host keys: %w", r.ID, err)
	}
	return r.loadHostKeys(lines)
}

// loadHostKeys reads the server's host public keys, so a cell trusts
// exactly them (and certificates from the test CA, which the transport
// checks with HostAuthorities) rather than any key.
func (r *running) loadHostKeys(lines []string) error {
	r.hostKeys = map[string]bool{}
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) < 3 || strings.HasPrefix(f[0], "@") {
			continue
		}
		if !slices.Contains(sshlib.SupportedNames(sshlib.ClassHostKey), f[1]) && f[1] != "ssh-rsa" {
			// A key type sshlib does not implement (OpenSSH 10.6's
			// ssh-mldsa44-ed25519) can never be negotiated, so it needs no
			// trust entry.
			continue
		}
		k, _, _, err := sshlib.ParseAuthorizedKey([]byte(strings.Join(f[1:], " ")))
		if err != nil {
			return fmt.Errorf("matrix: %s: host key line %q: %w", r.ID, l, err)
		}
		r.hostKeys[string(k.Marshal())] = true
	}
	if len(r.hostKeys) == 0 {
		return fmt.Errorf("matrix: %s: no host keys found", r.ID)
	}
	return nil
}

func (r *running) hostKeyCallback(_ string, _ net.Addr, key sshlib.PublicKey) error {
	if strings.HasSuffix(key.Type(), "-cert-v01@openssh.com") {
		return nil // signed by the test CA: checked by the transport (Config.HostAuthorities)
	}
	if !r.hostKeys[string(key.Marshal())] {
		return fmt.Errorf("matrix: %s presented a host key that is not one of its own: %s", r.ID, sshlib.FingerprintSHA256(key))
	}
	return nil
}
