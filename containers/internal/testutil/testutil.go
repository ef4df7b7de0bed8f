// Package testutil has what the container tests share: logging in to a server
// with golang.org/x/crypto/ssh (the independent client) and comparing the
// server's KEXINIT with a table.
package testutil

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sshmatrix/sshmatrix/containers"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Signer parses the test user's private key of the given type.
func Signer(t testing.TB, kind string) ssh.Signer {
	t.Helper()
	s, err := ssh.ParsePrivateKey(containers.TestCredentials().PrivateKeys[kind])
	if err != nil {
		t.Fatalf("parse %s test key: %v", kind, err)
	}
	return s
}

// HostKeyCallback verifies the server against known_hosts lines (as the
// flavours' HostKeys accessors return them). Lines of key types x/crypto/ssh
// cannot parse (ssh-mldsa44-ed25519) are left out.
func HostKeyCallback(t testing.TB, all []string) ssh.HostKeyCallback {
	t.Helper()
	var lines []string
	for _, l := range all {
		if _, _, _, _, _, err := ssh.ParseKnownHosts([]byte(l)); err != nil {
			t.Logf("known_hosts line x/crypto/ssh cannot use: %v", err)
			continue
		}
		lines = append(lines, l)
	}
	f := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(f, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cb, err := knownhosts.New(f)
	if err != nil {
		t.Fatalf("known_hosts: %v", err)
	}
	return cb
}

// Config is a client config for the test user with the given auth method.
func Config(auth ssh.AuthMethod, hk ssh.HostKeyCallback) *ssh.ClientConfig {
	if hk == nil {
		hk = ssh.InsecureIgnoreHostKey()
	}
	return &ssh.ClientConfig{
		User:            containers.TestCredentials().User,
		Auth:            []ssh.AuthMethod{auth},
		HostKeyCallback: hk,
		Timeout:         20 * time.Second,
	}
}

// Login connects to addr, runs a command that needs sha256sum, and checks its output.
func Login(addr string, cfg *ssh.ClientConfig) error {
	c, err := ssh.Dial("tcp", addr, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	return RunCheck(c)
}

// LoginConn is Login over an existing connection (e.g. a containers.Conn).
func LoginConn(conn net.Conn, cfg *ssh.ClientConfig) error {
	cc, chans, reqs, err := ssh.NewClientConn(conn, "sshmatrix-server", cfg)
	if err != nil {
		return err
	}
	c := ssh.NewClient(cc, chans, reqs)
	defer c.Close()
	return RunCheck(c)
}

// RunCheck runs `printf abc | sha256sum` and checks the digest.
func RunCheck(c *ssh.Client) error {
	s, err := c.NewSession()
	if err != nil {
		return err
	}
	defer s.Close()
	out, err := s.CombinedOutput("printf abc | sha256sum")
	if err != nil {
		return fmt.Errorf("run: %v (%q)", err, out)
	}
	const want = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	if !strings.HasPrefix(string(out), want) {
		return fmt.Errorf("sha256sum printed %q, want %s", out, want)
	}
	return nil
}

// Expect is what a server's KEXINIT must hold. Ordered fields are compared
// exactly (the server's preference order); HostKey as a set, because which
// host-key algorithms are offered depends on the keys loaded, not on order.
type Expect struct {
	Kex, Ciphers, MACs, Compression []string
	HostKey                         []string
	// CompressionServerClient, when set, is the server->client list where it
	// differs from the client->server one (Dropbear 2025.89+).
	CompressionServerClient []string
}

// CheckAlgorithms compares a with e and reports every difference.
func CheckAlgorithms(t testing.TB, a *containers.Algorithms, e Expect) {
	t.Helper()
	eq := func(what string, got, want []string) {
		if want != nil && !slices.Equal(got, want) {
			t.Errorf("%s:\n got  %s\n want %s", what, strings.Join(got, ","), strings.Join(want, ","))
		}
	}
	eq("kex", a.Kex, e.Kex)
	eq("ciphers c->s", a.CiphersClientServer, e.Ciphers)
	eq("ciphers s->c", a.CiphersServerClient, e.Ciphers)
	eq("macs c->s", a.MACsClientServer, e.MACs)
	eq("macs s->c", a.MACsServerClient, e.MACs)
	eq("compression c->s", a.CompressionClientServer, e.Compression)
	if e.CompressionServerClient != nil {
		eq("compression s->c", a.CompressionServerClient, e.CompressionServerClient)
	} else {
		eq("compression s->c", a.CompressionServerClient, e.Compression)
	}
	if e.HostKey != nil {
		got, want := slices.Clone(a.HostKey), slices.Clone(e.HostKey)
		slices.Sort(got)
		slices.Sort(want)
		eq("host key algorithms (as a set)", got, want)
	}
}
