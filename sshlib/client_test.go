package sshlib

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Tests against golang.org/x/crypto/ssh's server (xserver_test.go) over
// loopback TCP, through the real transport.

const testPassword = "pw"

// authRecord is what the server saw of a successful authentication.
type authRecord struct {
	mu      sync.Mutex
	sigAlgs []string
}

func (r *authRecord) add(alg string) {
	r.mu.Lock()
	r.sigAlgs = append(r.sigAlgs, alg)
	r.mu.Unlock()
}

func (r *authRecord) last() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.sigAlgs) == 0 {
		return ""
	}
	return r.sigAlgs[len(r.sigAlgs)-1]
}

// serverConfig accepts password testPassword, keyboard-interactive with
// answer "42", and publickey for the keys in authorized (or certificates
// from ca).
func serverConfig(rec *authRecord, ca ssh.PublicKey, authorized ...Signer) *ssh.ServerConfig {
	isAuthorized := func(k ssh.PublicKey) bool {
		for _, s := range authorized {
			if bytes.Equal(s.PublicKey().Marshal(), k.Marshal()) {
				return true
			}
		}
		return false
	}
	checker := &ssh.CertChecker{
		IsUserAuthority: func(auth ssh.PublicKey) bool { return ca != nil && bytes.Equal(auth.Marshal(), ca.Marshal()) },
	}
	return &ssh.ServerConfig{
		PasswordCallback: func(c ssh.ConnMetadata, pw []byte) (*ssh.Permissions, error) {
			if string(pw) == testPassword {
				return nil, nil
			}
			return nil, errors.New("wrong password")
		},
		KeyboardInteractiveCallback: func(c ssh.ConnMetadata, ch ssh.KeyboardInteractiveChallenge) (*ssh.Permissions, error) {
			ans, err := ch("", "answer please", []string{"question: "}, []bool{false})
			if err != nil || len(ans) != 1 || ans[0] != "42" {
				return nil, errors.New("wrong answer")
			}
			return nil, nil
		},
		PublicKeyCallback: func(c ssh.ConnMetadata, k ssh.PublicKey) (*ssh.Permissions, error) {
			if _, isCert := k.(*ssh.Certificate); isCert {
				return checker.Authenticate(c, k)
			}
			if isAuthorized(k) {
				return nil, nil
			}
			return nil, errors.New("unknown key")
		},
		VerifiedPublicKeyCallback: func(c ssh.ConnMetadata, k ssh.PublicKey, p *ssh.Permissions, alg string) (*ssh.Permissions, error) {
			if rec != nil {
				rec.add(alg)
			}
			return p, nil
		},
	}
}

func dialX(t testing.TB, srv *xServer, cfg *ClientConfig) (*Client, error) {
	t.Helper()
	if cfg.HostKeyCallback == nil {
		cfg.HostKeyCallback = FixedHostKey(srv.hostPublicKey())
	}
	if cfg.User == "" {
		cfg.User = "alice"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return Dial(ctx, "tcp", srv.addr, cfg)
}

func mustDialX(t testing.TB, srv *xServer, cfg *ClientConfig) *Client {
	t.Helper()
	c, err := dialX(t, srv, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func newXPasswordServer(t testing.TB) *xServer {
	return newXServer(t, serverConfig(nil, nil))
}

// userCert makes a user certificate for s signed by ca.
func userCert(t testing.TB, ca ssh.Signer, s Signer) PublicKey {
	t.Helper()
	pub, err := ssh.ParsePublicKey(s.PublicKey().Marshal())
	if err != nil {
		t.Fatal(err)
	}
	cert := &ssh.Certificate{Key: pub, CertType: ssh.UserCert, KeyId: "alice-cert",
		ValidPrincipals: []string{"alice"}, ValidBefore: ssh.CertTimeInfinity,
		Permissions: ssh.Permissions{Extensions: map[string]string{"permit-pty": ""}}}
	if err := cert.SignCert(rand.Reader, ca); err != nil {
		t.Fatal(err)
	}
	k, err := ParsePublicKey(cert.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// agentSocket serves keyring on a unix socket and points SSH_AUTH_SOCK at it.
func agentSocket(t *testing.T, keyring agent.Agent) {
	dir, err := os.MkdirTemp("", "agent")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "s")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); agent.ServeAgent(keyring, c); c.Close() }()
		}
	}()
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	t.Setenv("SSH_AUTH_SOCK", sock)
}

func TestXAuthMethods(t *testing.T) {
	rsaS, edS := testSigners(t)
	caKey, _ := newHostKeyTB(t)
	otherCA, _ := newHostKeyTB(t)
	kbd := func(answer string) AuthMethod {
		return KeyboardInteractive(func(name, instr string, qs []string, echos []bool) ([]string, error) {
			if len(qs) != 1 || qs[0] != "question: " || echos[0] {
				return nil, fmt.Errorf("unexpected prompts %q %v", qs, echos)
			}
			return []string{answer}, nil
		})
	}
	// A passphrase-protected OpenSSH key file.
	block, err := ssh.MarshalPrivateKeyWithPassphrase(testEd, "", []byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	encrypted := pem.EncodeToMemory(block)
	if _, err := ParsePrivateKey(encrypted); !errors.Is(err, ErrPassphraseNeeded) {
		t.Fatalf("encrypted key without passphrase: %v", err)
	}
	fromFile, err := ParsePrivateKeyWithPassphrase(encrypted, []byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	_, strangerPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := NewSigner(strangerPriv)
	if err != nil {
		t.Fatal(err)
	}

	edCert, err := NewCertSigner(userCert(t, caKey, edS), edS)
	if err != nil {
		t.Fatal(err)
	}
	rsaCert, err := NewCertSigner(userCert(t, caKey, rsaS), rsaS)
	if err != nil {
		t.Fatal(err)
	}
	badCert, err := NewCertSigner(userCert(t, otherCA, edS), edS)
	if err != nil {
		t.Fatal(err)
	}

	krEd := agent.NewKeyring()
	if err := krEd.Add(agent.AddedKey{PrivateKey: testEd}); err != nil {
		t.Fatal(err)
	}
	xRSA, err := ssh.NewSignerFromKey(testRSA)
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name       string
		auth       []AuthMethod
		serverAlgs []string // ServerConfig.PublicKeyAuthAlgorithms
		clientAlgs []string // ClientConfig.PublicKeyAlgorithms
		agentKeys  []any
		ok         bool
		wantAlg    string // signature algorithm the server verified
	}{
		{name: "password", auth: []AuthMethod{Password(testPassword)}, ok: true},
		{name: "password wrong", auth: []AuthMethod{Password("nope")}},
		{name: "keyboard-interactive", auth: []AuthMethod{kbd("42")}, ok: true},
		{name: "keyboard-interactive wrong", auth: []AuthMethod{kbd("41")}},
		{name: "ed25519", auth: []AuthMethod{PublicKeys(edS)}, ok: true, wantAlg: "ssh-ed25519"},
		{name: "key from encrypted file", auth: []AuthMethod{PublicKeys(fromFile)}, ok: true, wantAlg: "ssh-ed25519"},
		{name: "unknown key", auth: []AuthMethod{PublicKeys(stranger)}},
		{name: "unknown then known key", auth: []AuthMethod{PublicKeys(stranger, edS)}, ok: true, wantAlg: "ssh-ed25519"},
		{name: "rsa default", auth: []AuthMethod{PublicKeys(rsaS)}, ok: true, wantAlg: "rsa-sha2-512"},
		{name: "rsa server takes sha2-256", auth: []AuthMethod{PublicKeys(rsaS)}, serverAlgs: []string{"rsa-sha2-256"}, ok: true, wantAlg: "rsa-sha2-256"},
		{name: "rsa server takes only ssh-rsa", auth: []AuthMethod{PublicKeys(rsaS)}, serverAlgs: []string{"ssh-rsa"}},
		{name: "rsa ssh-rsa allowed by caller", auth: []AuthMethod{PublicKeys(rsaS)}, serverAlgs: []string{"ssh-rsa"},
			clientAlgs: []string{"rsa-sha2-512", "ssh-rsa"}, ok: true, wantAlg: "ssh-rsa"},
		{name: "ed25519 certificate", auth: []AuthMethod{PublicKeys(edCert)}, ok: true, wantAlg: "ssh-ed25519"},
		{name: "rsa certificate", auth: []AuthMethod{PublicKeys(rsaCert)}, ok: true, wantAlg: "rsa-sha2-512"},
		{name: "certificate from unknown CA", auth: []AuthMethod{PublicKeys(badCert)}},
		{name: "agent rsa", auth: []AuthMethod{Agent()}, agentKeys: []any{testRSA}, ok: true, wantAlg: "rsa-sha2-512"},
		{name: "agent rsa sha2-256", auth: []AuthMethod{Agent()}, agentKeys: []any{testRSA}, serverAlgs: []string{"rsa-sha2-256"}, ok: true, wantAlg: "rsa-sha2-256"},
		{name: "agent ed25519", auth: []AuthMethod{Agent()}, agentKeys: []any{testEd}, ok: true, wantAlg: "ssh-ed25519"},
		{name: "agent unknown key", auth: []AuthMethod{Agent()}, agentKeys: []any{strangerPriv}},
		{name: "no agent", auth: []AuthMethod{Agent()}},
		{name: "agent client", auth: []AuthMethod{AgentClient(krEd.(agent.ExtendedAgent))}, ok: true, wantAlg: "ssh-ed25519"},
		{name: "x/crypto signer rsa", auth: []AuthMethod{PublicKeys(SignerFromSSH(xRSA))}, serverAlgs: []string{"rsa-sha2-256"}, ok: true, wantAlg: "rsa-sha2-256"},
		{name: "several methods, last works", auth: []AuthMethod{PublicKeys(stranger), Password("nope"), kbd("42")}, ok: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := &authRecord{}
			scfg := serverConfig(rec, caKey.PublicKey(), edS, rsaS)
			scfg.PublicKeyAuthAlgorithms = tc.serverAlgs
			srv := newXServer(t, scfg)
			t.Setenv("SSH_AUTH_SOCK", "")
			if tc.agentKeys != nil {
				kr := agent.NewKeyring()
				for _, k := range tc.agentKeys {
					if err := kr.Add(agent.AddedKey{PrivateKey: k}); err != nil {
						t.Fatal(err)
					}
				}
				agentSocket(t, kr)
			}
			c, err := dialX(t, srv, &ClientConfig{Auth: tc.auth, PublicKeyAlgorithms: tc.clientAlgs})
			if !tc.ok {
				var ae *AuthError
				if !errors.As(err, &ae) {
					if c != nil {
						c.Close()
					}
					t.Fatalf("got %v, want *AuthError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if tc.wantAlg != "" && rec.last() != tc.wantAlg {
				t.Errorf("server verified %q, want %q", rec.last(), tc.wantAlg)
			}
			out, err := mustSession(t, c).Output(context.Background(), "echo ok")
			if err != nil || string(out) != "ok\n" {
				t.Fatalf("after auth: %q %v", out, err)
			}
		})
	}
}

func mustSession(t testing.TB, c *Client) *Session {
	t.Helper()
	s, err := c.NewSession(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestXPartialSuccess: password, then publickey (RFC 4252 §5.1), with the
// banner passed to the callback.
func TestXPartialSuccess(t *testing.T) {
	_, edS := testSigners(t)
	full := serverConfig(nil, nil, edS)
	scfg := &ssh.ServerConfig{
		PasswordCallback: func(c ssh.ConnMetadata, pw []byte) (*ssh.Permissions, error) {
			if string(pw) != testPassword {
				return nil, errors.New("wrong password")
			}
			return nil, &ssh.PartialSuccessError{Next: ssh.ServerAuthCallbacks{PublicKeyCallback: full.PublicKeyCallback}}
		},
		BannerCallback: func(ssh.ConnMetadata) string { return "Authorized use only\n" },
	}
	srv := newXServer(t, scfg)
	var banner string
	c := mustDialX(t, srv, &ClientConfig{
		Auth:           []AuthMethod{PublicKeys(edS), Password(testPassword)},
		BannerCallback: func(m string) error { banner = m; return nil },
	})
	if banner != "Authorized use only\n" {
		t.Errorf("banner %q", banner)
	}
	if out, err := mustSession(t, c).Output(context.Background(), "echo in"); err != nil || string(out) != "in\n" {
		t.Fatalf("%q %v", out, err)
	}
	// Only one of the two: not enough.
	_, err := dialX(t, srv, &ClientConfig{Auth: []AuthMethod{Password(testPassword)}})
	var ae *AuthError
	if !errors.As(err, &ae) || !ae.Partial {
		t.Fatalf("got %v, want a partial *AuthError", err)
	}
}

func TestXHostKeyPolicies(t *testing.T) {
	srv := newXPasswordServer(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "known_hosts")
	auth := []AuthMethod{Password(testPassword)}
	cb := func(p HostKeyPolicy) HostKeyCallback {
		c, err := KnownHosts(p, file)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	var he *HostKeyError
	// Strict: unknown host is refused.
	if _, err := dialX(t, srv, &ClientConfig{Auth: auth, HostKeyCallback: cb(StrictHostKeyChecking)}); !errors.As(err, &he) || he.Problem != HostKeyUnknown {
		t.Fatalf("strict, unknown host: %v", err)
	}
	// accept-new: learns it.
	c, err := dialX(t, srv, &ClientConfig{Auth: auth, HostKeyCallback: cb(AcceptNewHostKeys)})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	// Strict now knows it.
	c, err = dialX(t, srv, &ClientConfig{Auth: auth, HostKeyCallback: cb(StrictHostKeyChecking)})
	if err != nil {
		t.Fatalf("strict after accept-new: %v", err)
	}
	c.Close()
	// Another server on the same address would be a mismatch: rewrite the
	// file with another key for this host.
	_, other := newHostKey(t)
	line := knownhosts.Line([]string{knownhosts.Normalize(srv.addr)}, mustSSHKey(t, other))
	os.WriteFile(file, []byte(line+"\n"), 0o600)
	for _, p := range []HostKeyPolicy{StrictHostKeyChecking, AcceptNewHostKeys} {
		_, err = dialX(t, srv, &ClientConfig{Auth: auth, HostKeyCallback: cb(p)})
		if !errors.As(err, &he) || he.Problem != HostKeyMismatch {
			t.Fatalf("policy %d, changed key: %v", p, err)
		}
		for _, k := range []PublicKey{other, srv.hostPublicKey()} {
			if !strings.Contains(err.Error(), FingerprintSHA256(k)) {
				t.Errorf("mismatch error %q lacks %s", err, FingerprintSHA256(k))
			}
		}
	}
	// No callback: strict checking of ~/.ssh/known_hosts.
	t.Setenv("HOME", dir)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := Dial(ctx, "tcp", srv.addr, &ClientConfig{Auth: auth, User: "alice"}); !errors.As(err, &he) || he.Problem != HostKeyUnknown {
		t.Fatal("nil HostKeyCallback accepted an unknown host")
	}
}

func TestXSessions(t *testing.T) {
	srv := newXPasswordServer(t)
	c := mustDialX(t, srv, &ClientConfig{Auth: []AuthMethod{Password(testPassword)}})
	ctx := context.Background()

	if out, err := mustSession(t, c).Output(ctx, "echo hello world"); err != nil || string(out) != "hello world\n" {
		t.Fatalf("Output: %q %v", out, err)
	}
	if out, err := mustSession(t, c).CombinedOutput(ctx, "stderr oops"); err != nil || string(out) != "oops\n" {
		t.Fatalf("CombinedOutput: %q %v", out, err)
	}
	var ee *ExitError
	if err := mustSession(t, c).Run(ctx, "exit 7"); !errors.As(err, &ee) || ee.Status != 7 {
		t.Fatalf("exit 7: %v", err)
	}
	if err := mustSession(t, c).Run(ctx, "kill"); !errors.As(err, &ee) || ee.Signal != "KILL" {
		t.Fatalf("kill: %v", err)
	}
	s := mustSession(t, c)
	if err := s.Setenv(ctx, "LANG", "C.UTF-8"); err != nil {
		t.Fatal(err)
	}
	if err := s.RequestPty(ctx, "xterm", 24, 80, TerminalModes{ECHO: 0}); err != nil {
		t.Fatal(err)
	}
	if out, err := s.Output(ctx, "env LANG"); err != nil || string(out) != "C.UTF-8\n" {
		t.Fatalf("env: %q %v", out, err)
	}
	// Signal reaches the command.
	s = mustSession(t, c)
	r, _ := s.StdoutPipe()
	if err := s.Start(ctx, "wait"); err != nil {
		t.Fatal(err)
	}
	if err := s.Signal(SIGUSR1); err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(r); string(b) != "USR1\n" {
		t.Fatalf("signal: %q", b)
	}
	if err := s.Wait(); err != nil {
		t.Fatal(err)
	}
	// Stdin pipe; EOF on Close.
	s = mustSession(t, c)
	w, _ := s.StdinPipe()
	var out bytes.Buffer
	s.Stdout = &out
	if err := s.Start(ctx, "sha256"); err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "abc")
	w.Close()
	if err := s.Wait(); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(out.String()); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Fatalf("sha256(abc) = %s", got)
	}
	// A shell reads stdin (the test server's shell is cat).
	s = mustSession(t, c)
	s.Stdin = strings.NewReader("typed\n")
	out.Reset()
	s.Stdout = &out
	if err := s.Shell(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Wait(); err != nil || out.String() != "typed\n" {
		t.Fatalf("shell: %q %v", out.String(), err)
	}
	// Refused subsystem.
	if err := mustSession(t, c).RequestSubsystem(ctx, "nope"); err == nil {
		t.Fatal("unknown subsystem accepted")
	}
	// Start's context kills the command.
	s = mustSession(t, c)
	cctx, cancel := context.WithCancel(ctx)
	if err := s.Start(cctx, "cat"); err != nil {
		t.Fatal(err)
	}
	cancel()
	done := make(chan error, 1)
	go func() { done <- s.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Wait not ended by the Start context")
	}
	// Keepalive and a client-initiated rekey.
	if err := c.SendKeepAlive(ctx); err != nil {
		t.Fatal(err)
	}
	before := c.Negotiated().KeyExchanges
	if err := c.Rekey(); err != nil {
		t.Fatal(err)
	}
	if n := c.Negotiated().KeyExchanges; n != before+1 {
		t.Fatalf("key exchanges %d after rekey, want %d", n, before+1)
	}
	if out, err := mustSession(t, c).Output(ctx, "echo after rekey"); err != nil || string(out) != "after rekey\n" {
		t.Fatalf("after rekey: %q %v", out, err)
	}
}

// TestXBigTransferBothWays pushes 64 MiB up and 64 MiB down through one
// channel at the same time ("cat" echoes it), checked by SHA-256. A
// flow-control bug shows as a deadlock (the timeout) or corruption.
func TestXBigTransferBothWays(t *testing.T) {
	const size = 64 << 20
	srv := newXPasswordServer(t)
	c := mustDialX(t, srv, &ClientConfig{Auth: []AuthMethod{Password(testPassword)}})
	s := mustSession(t, c)
	w, _ := s.StdinPipe()
	r, _ := s.StdoutPipe()
	if err := s.Start(context.Background(), "cat"); err != nil {
		t.Fatal(err)
	}
	sent := sha256.New()
	upErr := make(chan error, 1)
	go func() {
		// Random data in 1 MiB blocks, hashed as it goes.
		buf := make([]byte, 1<<20)
		for i := 0; i < size/len(buf); i++ {
			rand.Read(buf)
			sent.Write(buf)
			if _, err := w.Write(buf); err != nil {
				upErr <- err
				return
			}
		}
		upErr <- w.Close()
	}()
	got := sha256.New()
	downDone := make(chan int64, 1)
	go func() {
		n, _ := io.Copy(got, r)
		downDone <- n
	}()
	select {
	case n := <-downDone:
		if err := <-upErr; err != nil {
			t.Fatal(err)
		}
		if n != size {
			t.Fatalf("received %d bytes, want %d", n, size)
		}
	case <-time.After(5 * time.Minute):
		t.Fatal("transfer stalled")
	}
	if !bytes.Equal(sent.Sum(nil), got.Sum(nil)) {
		t.Fatal("SHA-256 of the data received differs from that sent")
	}
	if err := s.Wait(); err != nil {
		t.Fatal(err)
	}
}

func TestXConcurrentChannels(t *testing.T) {
	const n = 100
	srv := newXPasswordServer(t)
	c := mustDialX(t, srv, &ClientConfig{Auth: []AuthMethod{Password(testPassword)}})
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := c.NewSession(context.Background())
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			// Each channel also moves some data both ways.
			s.Stdin = bytes.NewReader(bytes.Repeat([]byte{byte(i)}, 100000))
			out, err := s.Output(context.Background(), "sha256")
			sum := sha256.Sum256(bytes.Repeat([]byte{byte(i)}, 100000))
			if err != nil || strings.TrimSpace(string(out)) != hex.EncodeToString(sum[:]) {
				errs <- fmt.Errorf("channel %d: %q %v", i, out, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestXForwarding(t *testing.T) {
	srv := newXPasswordServer(t)
	c := mustDialX(t, srv, &ClientConfig{Auth: []AuthMethod{Password(testPassword)}})

	// Local forwarding to an echo server on loopback.
	echo, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	go func() {
		for {
			conn, err := echo.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(conn, conn); conn.Close() }()
		}
	}()
	conn, err := c.DialContext(context.Background(), "tcp", echo.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	msg := bytes.Repeat([]byte("forward "), 50000)
	go func() { conn.Write(msg); conn.(interface{ CloseWrite() error }).CloseWrite() }()
	back, err := io.ReadAll(conn)
	if err != nil || !bytes.Equal(back, msg) {
		t.Fatalf("local forward: %d bytes, %v", len(back), err)
	}
	conn.Close()
	// A refused destination is an *OpenChannelError.
	var oe *OpenChannelError
	if _, err := c.DialContext(context.Background(), "tcp", "127.0.0.1:1"); !errors.As(err, &oe) || oe.Reason != ConnectionFailed {
		t.Fatalf("dial to a closed port: %v", err)
	}

	// Remote forwarding: the server listens, we accept.
	l, err := c.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			in, err := l.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(in, in); in.Close() }()
		}
	}()
	out, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	go func() { out.Write(msg); out.(*net.TCPConn).CloseWrite() }()
	back, err = io.ReadAll(out)
	if err != nil || !bytes.Equal(back, msg) {
		t.Fatalf("remote forward: %d bytes, %v", len(back), err)
	}
	out.Close()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestXSFTP(t *testing.T) {
	srv := newXPasswordServer(t)
	c := mustDialX(t, srv, &ClientConfig{Auth: []AuthMethod{Password(testPassword)}})
	sc, err := NewSFTPClient(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	data := make([]byte, 3<<20+17)
	rand.Read(data)
	f, err := sc.Create("/upload.bin")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	f, err = sc.Open("/upload.bin")
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	if _, err := f.WriteTo(h); err != nil {
		t.Fatal(err)
	}
	f.Close()
	want := sha256.Sum256(data)
	if !bytes.Equal(h.Sum(nil), want[:]) {
		t.Fatal("downloaded file's SHA-256 differs")
	}
	st, err := sc.Stat("/upload.bin")
	if err != nil || st.Size() != int64(len(data)) {
		t.Fatalf("stat: %v %v", st, err)
	}
}

// TestXNoGoroutinesAfterClose uses every kind of channel, then closes the
// client: all goroutines it started must be gone.
func TestXNoGoroutinesAfterClose(t *testing.T) {
	srv := newXPasswordServer(t)
	before := runtime.NumGoroutine()
	c, err := dialX(t, srv, &ClientConfig{Auth: []AuthMethod{Password(testPassword)}, KeepAliveInterval: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := mustSessionNoCleanup(t, c).Output(ctx, "echo x"); err != nil {
		t.Fatal(err)
	}
	blocked := mustSessionNoCleanup(t, c)
	r, _ := blocked.StdoutPipe()
	blocked.Start(ctx, "cat")
	readErr := make(chan error, 1)
	go func() { _, err := r.Read(make([]byte, 1)); readErr <- err }()
	l, err := c.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	acceptErr := make(chan error, 1)
	go func() { _, err := l.Accept(); acceptErr <- err }()
	sc, err := NewSFTPClient(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sc.Getwd(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	for _, ch := range []chan error{readErr, acceptErr} {
		select {
		case err := <-ch:
			if err == nil {
				t.Error("blocked call returned nil after Close")
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Close did not unblock a call")
		}
	}
	sc.Close()
	checkGoroutines(t, before)
}

func mustSessionNoCleanup(t testing.TB, c *Client) *Session {
	t.Helper()
	s, err := c.NewSession(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestXDialContext: a server that never speaks is abandoned when the
// context ends.
func TestXDialContext(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			defer c.Close()
			io.Copy(io.Discard, c)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = Dial(ctx, "tcp", ln.Addr().String(), &ClientConfig{User: "u", HostKeyCallback: InsecureIgnoreHostKey()})
	if err == nil {
		t.Fatal("Dial succeeded against a silent server")
	}
	if time.Since(start) > 10*time.Second {
		t.Fatalf("Dial took %v", time.Since(start))
	}
}
