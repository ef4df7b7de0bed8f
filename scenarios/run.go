package scenarios

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sshmatrix/sshmatrix/containers"
	"github.com/sshmatrix/sshmatrix/containers/dropbear"
	"github.com/sshmatrix/sshmatrix/containers/openssh"
	"github.com/sshmatrix/sshmatrix/sshlib"
)

// Outcomes of a Result.
const (
	Pass        = "pass"
	Fail        = "fail"
	Unsupported = "unsupported" // "all" scenario: this version's sshd -t rejects the configuration
)

// connTimeout bounds one connection, handshake to close.
const connTimeout = 90 * time.Second

// serverLogTail is how many lines of the server's log a Result keeps.
const serverLogTail = 40

// Result is the outcome of one scenario on one server version.
type Result struct {
	Scenario   string        `json:"scenario"`
	Server     string        `json:"server"` // e.g. "openssh-9.2p1", "dropbear-2026.94-sha2-only"
	Family     string        `json:"family"`
	Version    string        `json:"version"`
	Outcome    string        `json:"outcome"` // Pass, Fail, Unsupported
	Expected   string        `json:"expected"`
	Observed   string        `json:"observed"`
	Error      string        `json:"error,omitempty"`
	Iterations int           `json:"iterations"` // connections made
	ServerLog  string        `json:"server_log,omitempty"`
	Duration   time.Duration `json:"duration_ns"`
}

// server is a running container that scenarios share.
type server struct {
	family, version, profile string
	ssh                      *openssh.Container
	db                       *dropbear.Container
	hostKeys                 map[string]bool
	creds                    containers.Credentials
}

// pool holds one container per server build (and Dropbear profile),
// started on first use and shared by every scenario of the process.
var pool = struct {
	sync.Mutex
	m map[string]*poolEntry
}{m: map[string]*poolEntry{}}

type poolEntry struct {
	once sync.Once
	s    *server
	err  error
}

// Close terminates every container Run started.
func Close(ctx context.Context) error {
	pool.Lock()
	defer pool.Unlock()
	var errs []error
	for k, e := range pool.m {
		if e.s != nil {
			if e.s.ssh != nil {
				errs = append(errs, e.s.ssh.Terminate(ctx))
			}
			if e.s.db != nil {
				errs = append(errs, e.s.db.Terminate(ctx))
			}
		}
		delete(pool.m, k)
	}
	return errors.Join(errs...)
}

func getServer(ctx context.Context, family, version, profile string) (*server, error) {
	key := family + "-" + version + "-" + profile
	pool.Lock()
	e := pool.m[key]
	if e == nil {
		e = &poolEntry{}
		pool.m[key] = e
	}
	pool.Unlock()
	e.once.Do(func() { e.s, e.err = startServer(ctx, family, version, profile) })
	return e.s, e.err
}

func startServer(ctx context.Context, family, version, profile string) (*server, error) {
	s := &server{family: family, version: version, profile: profile, creds: containers.TestCredentials()}
	var lines []string
	var err error
	switch family {
	case OpenSSH:
		s.ssh, err = openssh.Run(ctx, version)
		if err != nil {
			s.ssh.Terminate(context.WithoutCancel(ctx))
			return nil, err
		}
		lines, err = s.ssh.HostKeys(ctx)
	case Dropbear:
		var opts []dropbear.Option
		if profile != "" && profile != "default" {
			opts = append(opts, dropbear.WithProfile(profile))
		}
		s.db, err = dropbear.Run(ctx, version, opts...)
		if err != nil {
			s.db.Terminate(context.WithoutCancel(ctx))
			return nil, err
		}
		lines, err = s.db.HostKeys(ctx)
	default:
		return nil, fmt.Errorf("scenarios: unknown family %q", family)
	}
	if err != nil {
		return nil, fmt.Errorf("scenarios: %s %s: host keys: %w", family, version, err)
	}
	s.hostKeys = map[string]bool{}
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) < 3 || strings.HasPrefix(f[0], "@") {
			continue
		}
		if !slices.Contains(sshlib.SupportedNames(sshlib.ClassHostKey), f[1]) {
			continue // e.g. ssh-mldsa44-ed25519 on 10.6p1: sshlib cannot negotiate it anyway
		}
		k, _, _, err := sshlib.ParseAuthorizedKey([]byte(strings.Join(f[1:], " ")))
		if err != nil {
			return nil, fmt.Errorf("scenarios: %s %s: host key line %q: %w", family, version, l, err)
		}
		s.hostKeys[string(k.Marshal())] = true
	}
	return s, nil
}

// hostKeyCallback trusts exactly the server's own host keys.
func (s *server) hostKeyCallback(_ string, _ net.Addr, key sshlib.PublicKey) error {
	if !s.hostKeys[string(key.Marshal())] {
		return fmt.Errorf("scenarios: %s %s presented a host key that is not one of its own: %s", s.family, s.version, sshlib.FingerprintSHA256(key))
	}
	return nil
}

// check asks the server whether it accepts the scenario's configuration
// (sshd -t); nil for Dropbear, whose restriction is its build.
func (s *server) check(ctx context.Context, sc *Scenario) error {
	if s.ssh == nil || len(sc.Server.SSHDConfig) == 0 {
		return nil
	}
	return s.ssh.Check(ctx, openssh.WithConfig(sc.Server.SSHDConfig...))
}

func (s *server) dial(ctx context.Context, sc *Scenario) (*containers.Conn, error) {
	if s.ssh != nil {
		return s.ssh.Dial(ctx, openssh.WithConfig(sc.Server.SSHDConfig...))
	}
	var keys []dropbear.HostKey
	for _, k := range sc.Server.HostKeys {
		keys = append(keys, dropbear.HostKey(k))
	}
	if len(keys) == 0 {
		return s.db.Dial(ctx)
	}
	return s.db.Dial(ctx, dropbear.WithHostKeys(keys...))
}

// Versions resolves the scenario's server versions; with "all" it is every
// version of the family (Dropbear: that has the profile). Which OpenSSH
// versions accept the configuration is decided by Run, by asking sshd.
func (s *Scenario) Versions() []string {
	if s.Server.Versions[0] != AllVersions {
		return s.Server.Versions
	}
	var out []string
	for _, v := range containers.Versions(s.Server.Family) {
		if s.Server.Family == Dropbear && !slices.Contains(profilesOf(v), s.Server.profile()) {
			continue
		}
		out = append(out, v)
	}
	return out
}

// ServerID names a build as the matrix does: family-version[-profile].
func (s *Scenario) ServerID(version string) string {
	id := s.Server.Family + "-" + version
	if p := s.Server.profile(); s.Server.Family == Dropbear && p != "default" {
		id += "-" + p
	}
	return id
}

// Run runs the scenario on each of its server versions, one after
// another, and returns one Result per version. The error is for what stops
// the whole scenario (no Docker engine); a server that cannot start is a
// failed Result.
func Run(ctx context.Context, s *Scenario) ([]*Result, error) {
	var out []*Result
	for _, v := range s.Versions() {
		r, err := RunVersion(ctx, s, v)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

// RunAll loads dir and runs every scenario, several at a time; Close
// terminates the containers afterwards.
func RunAll(ctx context.Context, dir string) ([]*Result, error) {
	all, err := LoadDir(dir)
	if err != nil {
		return nil, err
	}
	defer Close(context.WithoutCancel(ctx))
	type job struct {
		s *Scenario
		v string
	}
	var jobs []job
	for _, s := range all {
		for _, v := range s.Versions() {
			jobs = append(jobs, job{s, v})
		}
	}
	results := make([]*Result, len(jobs))
	errs := make([]error, len(jobs))
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i], errs[i] = RunVersion(ctx, j.s, j.v)
		}()
	}
	wg.Wait()
	var out []*Result
	for _, r := range results {
		if r != nil {
			out = append(out, r)
		}
	}
	return out, errors.Join(errs...)
}

// RunVersion runs the scenario on one server version.
func RunVersion(ctx context.Context, s *Scenario, version string) (*Result, error) {
	start := time.Now()
	res := &Result{Scenario: s.ID, Server: s.ServerID(version), Family: s.Server.Family, Version: version}
	defer func() { res.Duration = time.Since(start) }()
	exp := s.expectationFor(version)
	res.Expected = exp.String()
	srv, err := getServer(ctx, s.Server.Family, version, s.Server.profile())
	if err != nil {
		var ee *containers.EngineError
		if errors.As(err, &ee) {
			return nil, err
		}
		res.Outcome, res.Error = Fail, fmt.Sprintf("start the server: %v", err)
		return res, nil
	}
	if err := srv.check(ctx, s); err != nil {
		var ce *openssh.ConfigError
		if errors.As(err, &ce) && s.Server.Versions[0] == AllVersions {
			res.Outcome, res.Observed, res.Error = Unsupported, "sshd -t rejects the configuration", err.Error()
			return res, nil
		}
		res.Outcome, res.Error = Fail, err.Error()
		return res, nil
	}
	n := max(s.Iterations, 1)
	for i := range n {
		res.Iterations = i + 1
		obs, log, err := connect(ctx, srv, s, exp, i == 0)
		res.Observed = obs
		if err != nil {
			res.Outcome, res.Error, res.ServerLog = Fail, err.Error(), tail(log, serverLogTail)
			if n > 1 {
				res.Error = fmt.Sprintf("connection %d of %d: %s", i+1, n, res.Error)
			}
			return res, nil
		}
		if i == 0 {
			res.ServerLog = tail(log, serverLogTail)
		}
	}
	res.Outcome = Pass
	return res, nil
}

// ClientConfig is sshlib's configuration for the scenario on srv.
func (s *Scenario) clientConfig(srv *server) *sshlib.ClientConfig {
	return &sshlib.ClientConfig{
		Config: sshlib.Config{
			KeyExchanges:      s.Client.KeyExchanges,
			HostKeyAlgorithms: s.Client.HostKeyAlgorithms,
			Ciphers:           s.Client.Ciphers,
			MACs:              s.Client.MACs,
			DisableStrictKex:  s.Client.DisableStrictKex,
			HandshakeTimeout:  30 * time.Second,
		},
		User:            srv.creds.User,
		Auth:            []sshlib.AuthMethod{sshlib.Password(srv.creds.Password)},
		HostKeyCallback: srv.hostKeyCallback,
		Timeout:         connTimeout,
	}
}

// connect makes one connection and compares it with exp. It returns what
// was observed and the server's log of this connection. full runs a
// command (and the re-key) even when iterating.
func connect(ctx context.Context, srv *server, s *Scenario, exp *Expectation, full bool) (observed, log string, err error) {
	ctx, cancel := context.WithTimeout(ctx, connTimeout)
	defer cancel()
	conn, err := srv.dial(ctx, s)
	if err != nil {
		return "", "", fmt.Errorf("start the server for this connection: %w", err)
	}
	var nc net.Conn = conn
	if p := s.PreBanner; p != nil {
		nc = withPreBanner(conn, p)
	}
	defer func() {
		conn.Close()
		log = conn.ServerLog()
	}()
	client, cerr := sshlib.NewClientConn(ctx, nc, "sshmatrix-server:22", s.clientConfig(srv))
	if cerr != nil {
		observed = describeError(cerr)
		return observed, "", compareFailure(exp, cerr)
	}
	defer client.Close()
	neg := client.Negotiated()
	observed = describeNegotiated(neg)
	if exp.Failure != nil {
		return observed, "", fmt.Errorf("want %s, but the connection succeeded: %s", exp, observed)
	}
	if err := compareNegotiated(exp.Negotiated, neg); err != nil {
		return observed, "", err
	}
	if full || s.Rekey {
		if err := runEcho(ctx, client, "before re-key"); err != nil {
			return observed, "", err
		}
	}
	if s.Rekey {
		if err := client.Rekey(); err != nil {
			return observed, "", fmt.Errorf("client re-key: %w", err)
		}
		if err := runEcho(ctx, client, "after re-key"); err != nil {
			return observed, "", err
		}
		after := client.Negotiated()
		if after.KeyExchanges < 2 || after.RekeysByClient < 1 {
			return observed, "", fmt.Errorf("after Rekey sshlib reports %d key exchanges, %d by the client; want 2 and 1", after.KeyExchanges, after.RekeysByClient)
		}
		if err := compareNegotiated(exp.Negotiated, after); err != nil {
			return observed, "", fmt.Errorf("after the re-key: %w", err)
		}
		observed += fmt.Sprintf("; re-keyed (%d key exchanges)", after.KeyExchanges)
	}
	return observed, "", nil
}

// runEcho runs a command, so data moves both ways under the current keys.
func runEcho(ctx context.Context, c *sshlib.Client, when string) error {
	sess, err := c.NewSession(ctx)
	if err != nil {
		return fmt.Errorf("session %s: %w", when, err)
	}
	defer sess.Close()
	out, err := sess.Output(ctx, "echo sshmatrix-scenario")
	if err != nil {
		return fmt.Errorf("command %s: %w", when, err)
	}
	if strings.TrimSpace(string(out)) != "sshmatrix-scenario" {
		return fmt.Errorf("command %s printed %q, want %q", when, out, "sshmatrix-scenario")
	}
	return nil
}

func compareFailure(exp *Expectation, err error) error {
	f := exp.Failure
	if f == nil {
		return fmt.Errorf("want %s, got: %w", exp, err)
	}
	var ne *sshlib.NegotiationError
	if !errors.As(err, &ne) {
		return fmt.Errorf("want %s, got another error: %w", exp, err)
	}
	if ne.Class != f.Class {
		return fmt.Errorf("want no common %s algorithm, got no common %s algorithm: %w", f.Class, ne.Class, err)
	}
	if len(ne.Ours) == 0 || len(ne.Theirs) == 0 {
		return fmt.Errorf("the negotiation error must name both lists: %w", err)
	}
	for _, n := range f.TheirsInclude {
		if !slices.Contains(ne.Theirs, n) {
			return fmt.Errorf("the server's list in the error lacks %s: %w", n, err)
		}
	}
	return nil
}

func compareNegotiated(want *Negotiated, n sshlib.Negotiated) error {
	var bad []string
	eq := func(what, got, exp string) {
		if got != exp {
			bad = append(bad, fmt.Sprintf("%s %q, want %q", what, got, exp))
		}
	}
	eq("kex", n.KeyExchange, want.Kex)
	eq("host key", n.HostKey, want.HostKey)
	for dir, d := range map[string]sshlib.DirectionAlgorithms{"client-to-server": n.ClientToServer, "server-to-client": n.ServerToClient} {
		eq(dir+" cipher", d.Cipher, want.Cipher)
		eq(dir+" mac", d.MAC, want.MAC)
	}
	if want.StrictKex != nil && n.StrictKex != *want.StrictKex {
		bad = append(bad, fmt.Sprintf("strict kex %v, want %v", n.StrictKex, *want.StrictKex))
	}
	slices.Sort(bad)
	if len(bad) > 0 {
		return fmt.Errorf("negotiated other algorithms: %s", strings.Join(bad, "; "))
	}
	return nil
}

func describeNegotiated(n sshlib.Negotiated) string {
	strict := n.StrictKex
	return (&Negotiated{Kex: n.KeyExchange, HostKey: n.HostKey, Cipher: n.ClientToServer.Cipher, MAC: n.ClientToServer.MAC, StrictKex: &strict}).String()
}

func describeError(err error) string {
	var ne *sshlib.NegotiationError
	if errors.As(err, &ne) {
		return fmt.Sprintf("no common %s algorithm (*sshlib.NegotiationError)", ne.Class)
	}
	return "error: " + err.Error()
}

func tail(log string, n int) string {
	lines := strings.Split(strings.TrimRight(log, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// preBannerConn delivers text lines before the server's bytes, like a
// server (or a TCP wrapper in front of it) that prints a notice before its
// SSH-2.0 line (RFC 4253 §4.2).
type preBannerConn struct {
	net.Conn
	r io.Reader
}

func (c *preBannerConn) Read(p []byte) (int, error) { return c.r.Read(p) }

func withPreBanner(c net.Conn, p *PreBanner) net.Conn {
	var b bytes.Buffer
	for i := range p.Lines {
		line := fmt.Sprintf("sshmatrix pre-banner line %d of %d: ", i+1, p.Lines)
		for len(line) < p.Width {
			line += "x"
		}
		b.WriteString(line[:p.Width])
		b.WriteString("\r\n")
	}
	return &preBannerConn{Conn: c, r: io.MultiReader(&b, c)}
}
