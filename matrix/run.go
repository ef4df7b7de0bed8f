package matrix

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/sshmatrix/sshmatrix/sshlib"
)

// Outcomes of a cell.
const (
	Pass           = "pass"
	Fail           = "fail"
	ExpectedFail   = "expected-fail"
	UnexpectedPass = "unexpected-pass" // expected to fail, but passed: the expectation is stale
	Unsupported    = "unsupported"     // declared in the expectations file; not run
)

// bigTransfer is the transfer of at least 1 MiB each way, odd-sized so it
// ends inside a packet.
const bigTransfer = 1<<20 + 4093

// cellTimeout bounds one cell, handshake to close.
const cellTimeout = 90 * time.Second

// Result is what running one cell gave.
type Result struct {
	Cell       *Cell              `json:"cell"`
	Outcome    string             `json:"result"`
	Error      string             `json:"error,omitempty"`
	Reason     string             `json:"reason,omitempty"` // from the expectations file
	Duration   time.Duration      `json:"duration_ns"`
	Negotiated *sshlib.Negotiated `json:"negotiated,omitempty"`
	// ServerCheck says how the server's own log confirmed the negotiation.
	ServerCheck string `json:"server_check,omitempty"`
	ServerLog   string `json:"server_log,omitempty"`
	Repro       string `json:"repro"`
}

// runCell runs one cell against a running server.
func runCell(ctx context.Context, r *running, c *Cell) (res *Result) {
	start := time.Now()
	res = &Result{Cell: c}
	ctx, cancel := context.WithTimeout(ctx, cellTimeout)
	defer cancel()
	err := exercise(ctx, r, c, res)
	res.Duration = time.Since(start)
	if c.NegClass != "" {
		var ne *sshlib.NegotiationError
		switch {
		case errors.As(err, &ne) && ne.Class == c.NegClass:
			res.Outcome = Pass
			res.Error = err.Error()
		case err == nil:
			res.Outcome, res.Error = Fail, fmt.Sprintf("negative cell: want a %s negotiation error, but the connection succeeded", c.NegClass)
		default:
			res.Outcome, res.Error = Fail, fmt.Sprintf("negative cell: want a %s negotiation error, got: %v", c.NegClass, err)
		}
		return res
	}
	if err != nil {
		res.Outcome, res.Error = Fail, err.Error()
		return res
	}
	res.Outcome = Pass
	return res
}

// clientConfig is sshlib restricted to exactly the cell's algorithms: no
// fallback is ever appended.
func clientConfig(r *running, c *Cell) (*sshlib.ClientConfig, error) {
	cfg := &sshlib.ClientConfig{
		Config: sshlib.Config{
			KeyExchanges:      []string{c.Kex},
			Ciphers:           []string{c.Cipher},
			HostKeyAlgorithms: []string{c.HostKey},
			Compressions:      []string{c.Compression},
			HostAuthorities:   []sshlib.PublicKey{r.hostCA},
			HandshakeTimeout:  30 * time.Second,
		},
		User:            r.creds.User,
		HostKeyCallback: r.hostKeyCallback,
		Timeout:         cellTimeout,
	}
	if c.MAC != "" {
		cfg.MACs = []string{c.MAC}
	}
	switch c.NegClass {
	case sshlib.ClassKex:
		cfg.KeyExchanges = []string{c.NegOffer}
	case sshlib.ClassCipher:
		cfg.Ciphers = []string{c.NegOffer}
	case sshlib.ClassMAC:
		cfg.MACs = []string{c.NegOffer}
	case sshlib.ClassHostKey:
		cfg.HostKeyAlgorithms = []string{c.NegOffer}
	}
	if c.Auth == "password" {
		cfg.Auth = []sshlib.AuthMethod{sshlib.Password(r.creds.Password)}
	} else {
		kt := strings.TrimPrefix(c.Auth, "publickey:")
		signer, err := sshlib.ParsePrivateKey(r.creds.PrivateKeys[kt])
		if err != nil {
			return nil, fmt.Errorf("matrix: test user key %s: %w", kt, err)
		}
		cfg.Auth = []sshlib.AuthMethod{sshlib.PublicKeys(signer)}
	}
	return cfg, nil
}

func exercise(ctx context.Context, r *running, c *Cell, res *Result) error {
	cfg, err := clientConfig(r, c)
	if err != nil {
		return err
	}
	conn, err := r.dial(ctx, c)
	if err != nil {
		return fmt.Errorf("start the server for this connection: %w", err)
	}
	defer func() {
		conn.Close()
		res.ServerLog = conn.ServerLog()
	}()
	client, err := sshlib.NewClientConn(ctx, conn, serverHostname+":22", cfg)
	if err != nil {
		return err
	}
	defer client.Close()

	// Edge-sized transfers first, then the big ones (with the re-keys).
	if err := upload(ctx, client, c.Edge, false); err != nil {
		return fmt.Errorf("upload %d bytes: %w", c.Edge, err)
	}
	if err := download(ctx, client, c.Edge); err != nil {
		return fmt.Errorf("download %d bytes: %w", c.Edge, err)
	}
	if err := upload(ctx, client, bigTransfer, c.ClientRekey); err != nil {
		return fmt.Errorf("upload %d bytes: %w", bigTransfer, err)
	}
	if err := download(ctx, client, bigTransfer); err != nil {
		return fmt.Errorf("download %d bytes: %w", bigTransfer, err)
	}
	neg := client.Negotiated()
	res.Negotiated = &neg
	if err := checkNegotiated(c, neg); err != nil {
		return err
	}
	if c.ClientRekey && neg.RekeysByClient < 1 {
		return fmt.Errorf("client re-key requested mid-transfer, but sshlib reports %d client-initiated re-keys", neg.RekeysByClient)
	}
	if c.ServerRekey && neg.RekeysByServer < 1 {
		return fmt.Errorf("server RekeyLimit %s crossed by %d bytes each way, but no server-initiated re-key happened", serverRekeyLimit, bigTransfer)
	}
	client.Close()
	conn.Close()
	log := conn.ServerLog()
	check, err := checkServerLog(r, c, log)
	res.ServerCheck = check
	return err
}

// checkNegotiated asserts sshlib's own report against the cell.
func checkNegotiated(c *Cell, n sshlib.Negotiated) error {
	var bad []string
	want := func(what, got, exp string) {
		if got != exp {
			bad = append(bad, fmt.Sprintf("%s %q, want %q", what, got, exp))
		}
	}
	want("kex", n.KeyExchange, c.Kex)
	want("host key", n.HostKey, c.HostKey)
	for dir, d := range map[string]sshlib.DirectionAlgorithms{"c2s": n.ClientToServer, "s2c": n.ServerToClient} {
		want(dir+" cipher", d.Cipher, c.Cipher)
		want(dir+" mac", d.MAC, c.MAC)
		want(dir+" compression", d.Compression, c.Compression)
	}
	if len(bad) > 0 {
		return fmt.Errorf("sshlib negotiated other algorithms: %s", strings.Join(bad, "; "))
	}
	return nil
}

// OpenSSH's debug log of the negotiation (kex.c: "kex: algorithm: %s",
// "kex: host key algorithm: %s", "kex: %s cipher: %s MAC: %s compression: %s").
var (
	reKexAlg = regexp.MustCompile(`kex: algorithm: (\S+)`)
	reKexHK  = regexp.MustCompile(`kex: host key algorithm: (\S+)`)
	reKexDir = regexp.MustCompile(`kex: (client->server|server->client) cipher: (\S+) MAC: (\S+) compression: (\S+)`)
)

// checkServerLog asserts the negotiation a second time, from the server's
// own log of this one connection.
func checkServerLog(r *running, c *Cell, log string) (string, error) {
	if !r.logsKex {
		return fmt.Sprintf("%s does not log negotiated algorithms; asserted from sshlib and the server's offer only", r.Flavour), nil
	}
	first := func(re *regexp.Regexp) []string {
		m := re.FindStringSubmatch(log)
		if m == nil {
			return nil
		}
		return m
	}
	var bad []string
	if m := first(reKexAlg); m == nil || m[1] != c.Kex {
		bad = append(bad, fmt.Sprintf("kex algorithm %v, want %s", m, c.Kex))
	}
	if m := first(reKexHK); m == nil || m[1] != c.HostKey {
		bad = append(bad, fmt.Sprintf("host key algorithm %v, want %s", m, c.HostKey))
	}
	dirs := reKexDir.FindAllStringSubmatch(log, -1)
	if len(dirs) < 2 {
		bad = append(bad, fmt.Sprintf("%d direction lines, want 2", len(dirs)))
	}
	wantMAC := c.MAC
	if wantMAC == "" {
		wantMAC = "<implicit>"
	}
	for _, d := range dirs[:min(2, len(dirs))] {
		if d[2] != c.Cipher || d[3] != wantMAC || d[4] != c.Compression {
			bad = append(bad, fmt.Sprintf("%s: cipher %s MAC %s compression %s, want %s %s %s", d[1], d[2], d[3], d[4], c.Cipher, wantMAC, c.Compression))
		}
	}
	if len(bad) > 0 {
		return "server log disagrees", fmt.Errorf("the server's log disagrees: %s", strings.Join(bad, "; "))
	}
	return "server log confirms kex, host key, cipher, MAC and compression both ways", nil
}

// upload sends n random bytes to `sha256sum` on the server and compares
// the server's digest with ours. With rekey, a client-initiated key
// re-exchange runs halfway.
func upload(ctx context.Context, client *sshlib.Client, n int, rekey bool) error {
	s, err := client.NewSession(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	stdin, err := s.StdinPipe()
	if err != nil {
		return err
	}
	var out bytes.Buffer
	stdout, err := s.StdoutPipe()
	if err != nil {
		return err
	}
	if err := s.Start(ctx, "sha256sum"); err != nil {
		return err
	}
	copied := make(chan error, 1)
	go func() {
		_, err := io.Copy(&out, stdout)
		copied <- err
	}()
	data := make([]byte, n)
	rand.Read(data)
	if _, err := stdin.Write(data[:n/2]); err != nil {
		return err
	}
	if rekey {
		if err := client.Rekey(); err != nil {
			return fmt.Errorf("client re-key: %w", err)
		}
	}
	if _, err := stdin.Write(data[n/2:]); err != nil {
		return err
	}
	if err := stdin.Close(); err != nil {
		return err
	}
	if err := <-copied; err != nil {
		return err
	}
	if err := s.Wait(); err != nil {
		return fmt.Errorf("sha256sum: %w", err)
	}
	sum := sha256.Sum256(data)
	if got := strings.Fields(out.String()); len(got) == 0 || got[0] != hex.EncodeToString(sum[:]) {
		return fmt.Errorf("server computed sha256 %q for %d bytes, we sent %x", out.String(), n, sum)
	}
	return nil
}

// download has the server make n random bytes, print their sha256 to
// stderr and the bytes to stdout; we compare our digest with the server's.
func download(ctx context.Context, client *sshlib.Client, n int) error {
	s, err := client.NewSession(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	var errb bytes.Buffer
	stdout, err := s.StdoutPipe()
	if err != nil {
		return err
	}
	stderr, err := s.StderrPipe()
	if err != nil {
		return err
	}
	cmd := fmt.Sprintf("f=/tmp/sshmatrix.$$; head -c %d /dev/urandom >$f && sha256sum <$f >&2 && cat $f; rc=$?; rm -f $f; exit $rc", n)
	if err := s.Start(ctx, cmd); err != nil {
		return err
	}
	errDone := make(chan error, 1)
	go func() {
		_, err := io.Copy(&errb, stderr)
		errDone <- err
	}()
	h := sha256.New()
	got, err := io.Copy(h, stdout)
	if err != nil {
		return err
	}
	if err := <-errDone; err != nil {
		return err
	}
	if err := s.Wait(); err != nil {
		return fmt.Errorf("server command: %w (stderr %q)", err, errb.String())
	}
	if got != int64(n) {
		return fmt.Errorf("received %d bytes, want %d", got, n)
	}
	if f := strings.Fields(errb.String()); len(f) == 0 || f[0] != hex.EncodeToString(h.Sum(nil)) {
		return fmt.Errorf("server's sha256 %q differs from ours %x", errb.String(), h.Sum(nil))
	}
	return nil
}
