package sshlib

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

func newHostKey(t *testing.T) (ssh.Signer, PublicKey) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ParsePublicKey(s.PublicKey().Marshal())
	if err != nil {
		t.Fatal(err)
	}
	return s, k
}

func TestKnownHostsPolicies(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "known_hosts")
	_, keyA := newHostKey(t)
	_, keyB := newHostKey(t)
	_, keyRevoked := newHostKey(t)
	rsaS, _ := testSigners(t)
	keyRSA := rsaS.PublicKey()
	sa, _ := ssh.ParsePublicKey(keyA.Marshal())
	sr, _ := ssh.ParsePublicKey(keyRevoked.Marshal())
	content := knownhosts.Line([]string{"[known.example]:2222"}, sa) + "\n" +
		// Hashed entry (HashKnownHosts yes).
		knownhosts.Line([]string{knownhosts.HashHostname("hashed.example")}, sa) + "\n" +
		"@revoked * " + string(ssh.MarshalAuthorizedKey(sr))
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	remote := &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 22}
	strict, err := KnownHosts(StrictHostKeyChecking, file)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		host    string
		key     PublicKey
		problem HostKeyProblem // 0: accepted
	}{
		{"known", "known.example:2222", keyA, 0},
		{"hashed", "hashed.example:22", keyA, 0},
		{"mismatch", "known.example:2222", keyB, HostKeyMismatch},
		{"unknown", "other.example:22", keyB, HostKeyUnknown},
		{"port matters", "known.example:22", keyA, HostKeyUnknown},
		{"revoked", "other.example:22", keyRevoked, HostKeyRevoked},
		// ssh(1) compares within a key type: another type is a new key.
		{"other key type", "known.example:2222", keyRSA, HostKeyUnknown},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := strict(tc.host, remote, tc.key)
			if tc.problem == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var he *HostKeyError
			if !errors.As(err, &he) || he.Problem != tc.problem {
				t.Fatalf("got %v, want problem %d", err, tc.problem)
			}
			if !strings.HasPrefix(err.Error(), "sshlib: ") {
				t.Errorf("error %q", err)
			}
			if tc.problem == HostKeyMismatch {
				// Both fingerprints are in the message.
				for _, k := range []PublicKey{tc.key, keyA} {
					if !strings.Contains(err.Error(), FingerprintSHA256(k)) {
						t.Errorf("mismatch error %q lacks %s", err, FingerprintSHA256(k))
					}
				}
			}
		})
	}

	// accept-new appends an unknown host, then holds it to that key.
	acceptNew, _ := KnownHosts(AcceptNewHostKeys, file)
	if err := acceptNew("new.example:22", remote, keyB); err != nil {
		t.Fatal(err)
	}
	if err := strict("new.example:22", remote, keyB); err != nil {
		t.Fatalf("key added by accept-new not found by strict: %v", err)
	}
	var he *HostKeyError
	if err := acceptNew("known.example:2222", remote, keyRSA); err != nil {
		t.Fatalf("accept-new refused a key of a new type: %v", err)
	}
	_, keyC := newHostKey(t)
	if err := acceptNew("new.example:22", remote, keyC); !errors.As(err, &he) || he.Problem != HostKeyMismatch {
		t.Fatalf("accept-new took a changed key: %v", err)
	}
	if err := acceptNew("x.example:22", remote, keyRevoked); !errors.As(err, &he) || he.Problem != HostKeyRevoked {
		t.Fatalf("accept-new took a revoked key: %v", err)
	}
	// ssh-keygen -F style check with x/crypto's own reader of the file.
	check, err := knownhosts.New(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := check("new.example:22", remote, mustSSHKey(t, keyB)); err != nil {
		t.Fatalf("x/crypto cannot read the appended line: %v", err)
	}

	// accept-new creates a missing file.
	fresh := filepath.Join(dir, "sub", "kh")
	cb, _ := KnownHosts(AcceptNewHostKeys, fresh)
	if err := cb("h:22", remote, keyA); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(fresh); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("created file: %v %v", st, err)
	}
	// Strict with a missing file: everything is unknown.
	cb, _ = KnownHosts(StrictHostKeyChecking, filepath.Join(dir, "missing"))
	if err := cb("h:22", remote, keyA); !errors.As(err, &he) || he.Problem != HostKeyUnknown {
		t.Fatalf("got %v", err)
	}
}

func mustSSHKey(t *testing.T, k PublicKey) ssh.PublicKey {
	t.Helper()
	s, err := ssh.ParsePublicKey(k.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestKnownHostsCertAuthority: a host certificate signed by a CA named in
// an @cert-authority line is accepted for matching hosts only.
func TestKnownHostsCertAuthority(t *testing.T) {
	caSigner, _ := newHostKey(t)
	hostSigner, _ := newHostKey(t)
	cert := &ssh.Certificate{
		Key: hostSigner.PublicKey(), CertType: ssh.HostCert, KeyId: "host",
		ValidPrincipals: []string{"ca.example"},
		ValidAfter:      uint64(time.Now().Add(-time.Hour).Unix()), ValidBefore: uint64(time.Now().Add(time.Hour).Unix()),
	}
	if err := cert.SignCert(rand.Reader, caSigner); err != nil {
		t.Fatal(err)
	}
	certKey, err := ParsePublicKey(cert.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "kh")
	line := "@cert-authority *.example " + string(ssh.MarshalAuthorizedKey(caSigner.PublicKey()))
	if err := os.WriteFile(file, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	cb, _ := KnownHosts(StrictHostKeyChecking, file)
	remote := &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 22}
	if err := cb("ca.example:22", remote, certKey); err != nil {
		t.Fatalf("certificate from a trusted CA rejected: %v", err)
	}
	if err := cb("other.example:22", remote, certKey); err == nil {
		t.Fatal("certificate accepted for a host it does not name")
	}
	if err := cb("ca.test:22", remote, certKey); err == nil {
		t.Fatal("certificate accepted for a host the CA line does not cover")
	}
}

func TestFixedAndInsecureHostKey(t *testing.T) {
	_, a := newHostKey(t)
	_, b := newHostKey(t)
	if err := FixedHostKey(a)("h:22", nil, a); err != nil {
		t.Fatal(err)
	}
	err := FixedHostKey(a)("h:22", nil, b)
	if err == nil || !strings.Contains(err.Error(), FingerprintSHA256(a)) || !strings.Contains(err.Error(), FingerprintSHA256(b)) {
		t.Fatalf("got %v", err)
	}
	if err := InsecureIgnoreHostKey()("h:22", nil, b); err != nil {
		t.Fatal(err)
	}
}

func TestKnownHostKeyAlgorithms(t *testing.T) {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := ssh.NewPublicKey(&rk.PublicKey)
	f := filepath.Join(t.TempDir(), "known_hosts")
	os.WriteFile(f, []byte(knownhosts.Line([]string{knownhosts.Normalize("example.com:2222")}, pub)+"\n"), 0o600)
	got, err := KnownHostKeyAlgorithms("example.com:2222", f)
	if err != nil {
		t.Fatal(err)
	}
	def := DefaultAlgorithms(ClassHostKey)
	if len(got) != len(def) || got[0] != "rsa-sha2-512" || got[1] != "rsa-sha2-256" {
		t.Fatalf("host known by RSA: %v (defaults %v)", got, def)
	}
	// Unknown host, and no file at all: the defaults (nil).
	for _, tc := range [][]string{{"other.example:22", f}, {"example.com:2222", filepath.Join(t.TempDir(), "none")}} {
		if got, err := KnownHostKeyAlgorithms(tc[0], tc[1]); err != nil || got != nil {
			t.Fatalf("%v: %v %v, want nil", tc, got, err)
		}
	}
}
