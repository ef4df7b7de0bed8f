package keys

import (
	"bytes"
	"crypto/dsa" //nolint:staticcheck // legacy algorithm under test
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"math/big"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

func ourSigner(t testing.TB, keyType string) Signer {
	t.Helper()
	s, err := NewSigner(rawPrivate(testKeys(t)[keyType]))
	if err != nil {
		t.Fatalf("NewSigner(%s): %v", keyType, err)
	}
	return s
}

// TestSignerVerifiedByXCrypto: for every plain row, our signer offers the
// algorithm, its public key is x/crypto's blob, and its signature verifies
// with x/crypto's PublicKey.Verify and with our Verify.
func TestSignerVerifiedByXCrypto(t *testing.T) {
	data := []byte("session id || userauth request")
	for _, a := range Algorithms {
		if a.Cert {
			continue
		}
		t.Run(a.Name, func(t *testing.T) {
			s := ourSigner(t, a.KeyType)
			if !slices.Contains(s.Algorithms(), a.Name) {
				t.Fatalf("Algorithms %v lack %s", s.Algorithms(), a.Name)
			}
			xpub := xSigner(t, a.KeyType).PublicKey()
			if !bytes.Equal(s.PublicKey().Marshal(), xpub.Marshal()) {
				t.Fatal("public key blob differs from x/crypto's")
			}
			blob, err := s.Sign(rand.Reader, data, a.Name)
			if err != nil {
				t.Fatal(err)
			}
			var sig ssh.Signature
			if err := ssh.Unmarshal(blob, &sig); err != nil {
				t.Fatalf("x/crypto cannot read the blob: %v", err)
			}
			if sig.Format != a.SigName {
				t.Errorf("format %s, want %s", sig.Format, a.SigName)
			}
			if err := xpub.Verify(data, &sig); err != nil {
				t.Errorf("x/crypto Verify: %v", err)
			}
			if err := Verify(a.Name, s.PublicKey(), data, blob); err != nil {
				t.Errorf("our Verify: %v", err)
			}
			if err := xpub.Verify([]byte("other"), &sig); err == nil {
				t.Error("x/crypto verified other data: the test cannot fail")
			}
		})
	}
}

func TestSignerAlgorithmLists(t *testing.T) {
	want := map[string][]string{
		typeEd25519:  {"ssh-ed25519"},
		typeECDSA256: {"ecdsa-sha2-nistp256"},
		typeECDSA384: {"ecdsa-sha2-nistp384"},
		typeECDSA521: {"ecdsa-sha2-nistp521"},
		typeRSA:      {"rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"},
		typeDSA:      {"ssh-dss"},
	}
	for typ, w := range want {
		s := ourSigner(t, typ)
		if !slices.Equal(s.Algorithms(), w) {
			t.Errorf("%s: %v, want %v", typ, s.Algorithms(), w)
		}
		if _, err := s.Sign(rand.Reader, []byte("x"), "ssh-foo"); !errors.Is(err, ErrWrongAlg) {
			t.Errorf("%s: unknown algorithm: %v", typ, err)
		}
	}
	if _, err := ourSigner(t, typeEd25519).Sign(rand.Reader, nil, "rsa-sha2-256"); !errors.Is(err, ErrWrongAlg) {
		t.Errorf("ed25519 signing rsa-sha2-256: %v", err)
	}
	if _, err := NewSigner("not a key"); !errors.Is(err, ErrUnknown) {
		t.Errorf("NewSigner(string): %v", err)
	}
	// A signer's key gets the peer-key checks: RSA below 1024 bits is refused.
	small := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: new(big.Int).Lsh(big.NewInt(1), 511), E: 65537}}
	small.N.Add(small.N, big.NewInt(1))
	var e *Error
	if _, err := NewSigner(small); !errors.Is(err, ErrBadKey) || !errors.As(err, &e) || e.Op != "sign" ||
		err.Error() != "sshlib: sign ssh-rsa: malformed key: modulus is 512 bits, want 1024..16384" {
		t.Errorf("NewSigner(512-bit rsa): %v", err)
	}
	if _, err := NewSigner((*rsa.PrivateKey)(nil)); !errors.Is(err, ErrUnknown) {
		t.Errorf("NewSigner(nil rsa): %v", err)
	}
}

// TestCertSigner: a certificate signer offers the cert forms of the key's
// algorithms, and its signatures verify with x/crypto (through the
// certificate) and with our Verify under the cert algorithm.
func TestCertSigner(t *testing.T) {
	data := []byte("userauth request")
	for _, a := range Algorithms {
		if !a.Cert {
			continue
		}
		t.Run(a.Name, func(t *testing.T) {
			pt := plainType(a.KeyType)
			xc := xCert(t, pt, typeEd25519, "ssh-ed25519", func(c *ssh.Certificate) { c.CertType = ssh.UserCert })
			cert := ourCert(t, xc)
			cs, err := NewCertSigner(cert, ourSigner(t, pt))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(cs.Algorithms(), a.Name) || cs.PublicKey() != PublicKey(cert) {
				t.Fatalf("Algorithms %v, PublicKey %T", cs.Algorithms(), cs.PublicKey())
			}
			for _, n := range cs.Algorithms() {
				if r, _ := Lookup(n); r == nil || !r.Cert || r.KeyType != cert.Type() {
					t.Errorf("offered %s", n)
				}
			}
			blob, err := cs.Sign(rand.Reader, data, a.Name)
			if err != nil {
				t.Fatal(err)
			}
			var sig ssh.Signature
			if err := ssh.Unmarshal(blob, &sig); err != nil {
				t.Fatal(err)
			}
			if sig.Format != a.SigName {
				t.Errorf("inner name %s, want %s", sig.Format, a.SigName)
			}
			if err := xc.Verify(data, &sig); err != nil {
				t.Errorf("x/crypto Verify: %v", err)
			}
			if err := Verify(a.Name, cert, data, blob); err != nil {
				t.Errorf("our Verify: %v", err)
			}
			if _, err := cs.Sign(rand.Reader, data, a.SigName); !errors.Is(err, ErrWrongAlg) {
				t.Errorf("plain name on a cert signer: %v", err)
			}
		})
	}
	// A certificate for another key is refused.
	cert := ourCert(t, xCert(t, typeEd25519, typeEd25519, "ssh-ed25519", nil))
	if _, err := NewCertSigner(cert, ourSigner(t, typeECDSA256)); !errors.Is(err, ErrBadKey) {
		t.Errorf("mismatched certificate: %v", err)
	}
}

// TestParsePrivateKeyFormats writes each key in each file format the
// standard library or x/crypto can produce, plain and encrypted, and checks
// that the parsed signer has the same public key and signs.
func TestParsePrivateKeyFormats(t *testing.T) {
	pass := []byte("correct horse")
	type file struct {
		name      string
		keyType   string
		pem       []byte
		encrypted bool
	}
	var files []file
	add := func(name, typ string, b *pem.Block, enc bool) {
		files = append(files, file{name, typ, pem.EncodeToMemory(b), enc})
	}
	for typ, k := range testKeys(t) {
		raw := rawPrivate(k)
		if typ != typeDSA {
			b, err := ssh.MarshalPrivateKey(raw, "c")
			if err != nil {
				t.Fatal(err)
			}
			add("openssh "+typ, typ, b, false)
			b, err = ssh.MarshalPrivateKeyWithPassphrase(raw, "c", pass)
			if err != nil {
				t.Fatal(err)
			}
			add("openssh encrypted "+typ, typ, b, true)
			der, err := x509.MarshalPKCS8PrivateKey(raw)
			if err != nil {
				t.Fatal(err)
			}
			add("pkcs8 "+typ, typ, &pem.Block{Type: "PRIVATE KEY", Bytes: der}, false)
		}
		switch kk := raw.(type) {
		case *rsa.PrivateKey:
			der := x509.MarshalPKCS1PrivateKey(kk)
			add("pkcs1", typ, &pem.Block{Type: "RSA PRIVATE KEY", Bytes: der}, false)
			//nolint:staticcheck // legacy PEM encryption is what old key files use
			eb, err := x509.EncryptPEMBlock(rand.Reader, "RSA PRIVATE KEY", der, pass, x509.PEMCipherAES128)
			if err != nil {
				t.Fatal(err)
			}
			add("pkcs1 encrypted", typ, eb, true)
		case *ecdsa.PrivateKey:
			der, err := x509.MarshalECPrivateKey(kk)
			if err != nil {
				t.Fatal(err)
			}
			add("sec1 "+typ, typ, &pem.Block{Type: "EC PRIVATE KEY", Bytes: der}, false)
		case *dsa.PrivateKey:
			// OpenSSL's DSA format: SEQUENCE { version, p, q, g, y, x }.
			der, err := asn1.Marshal(struct {
				V             int
				P, Q, G, Y, X *big.Int
			}{0, kk.P, kk.Q, kk.G, kk.Y, kk.X})
			if err != nil {
				t.Fatal(err)
			}
			add("openssl dsa", typ, &pem.Block{Type: "DSA PRIVATE KEY", Bytes: der}, false)
		}
	}
	for _, f := range files {
		var s Signer
		var err error
		if f.encrypted {
			if _, err := ParsePrivateKey(f.pem); !errors.Is(err, ErrPassphraseNeeded) {
				t.Errorf("%s without passphrase: %v", f.name, err)
			}
			if _, err := ParsePrivateKeyWithPassphrase(f.pem, []byte("wrong")); !errors.Is(err, ErrBadPassphrase) {
				t.Errorf("%s with a wrong passphrase: %v", f.name, err)
			}
			s, err = ParsePrivateKeyWithPassphrase(f.pem, pass)
		} else {
			s, err = ParsePrivateKey(f.pem)
		}
		if err != nil {
			t.Errorf("%s: %v", f.name, err)
			continue
		}
		want := xSigner(t, f.keyType).PublicKey().Marshal()
		if !bytes.Equal(s.PublicKey().Marshal(), want) {
			t.Errorf("%s: public key differs", f.name)
		}
		alg := s.Algorithms()[0]
		sig, err := s.Sign(nil, []byte("d"), alg)
		if err != nil || Verify(alg, s.PublicKey(), []byte("d"), sig) != nil {
			t.Errorf("%s: sign/verify with %s: %v", f.name, alg, err)
		}
	}
	if len(files) < 16 {
		t.Errorf("only %d files built", len(files))
	}
	if _, err := ParsePrivateKey([]byte("-----BEGIN NONSENSE-----\nAAAA\n-----END NONSENSE-----\n")); !errors.Is(err, ErrBadKey) {
		t.Errorf("nonsense PEM: %v", err)
	}
}

func TestAuthorizedKeyLines(t *testing.T) {
	for typ := range testKeys(t) {
		k := ourSigner(t, typ).PublicKey()
		line := MarshalAuthorizedKey(k)
		if xl := ssh.MarshalAuthorizedKey(xSigner(t, typ).PublicKey()); !bytes.Equal(line, xl) {
			t.Errorf("%s: %q, x/crypto %q", typ, line, xl)
		}
		for _, c := range []struct{ in, prefix, comment string }{
			{string(line), "", ""},
			{strings.TrimSpace(string(line)) + " user@host extra\r\n", "", "user@host extra"},
			{`command="echo a b",no-pty ` + strings.TrimSpace(string(line)) + " c", `command="echo a b",no-pty`, "c"},
			{"@cert-authority *.example.com,10.0.0.1 " + string(line), "@cert-authority *.example.com,10.0.0.1", ""},
		} {
			got, prefix, comment, err := ParseAuthorizedKey([]byte(c.in))
			if err != nil {
				t.Errorf("%s %q: %v", typ, c.in, err)
				continue
			}
			if !bytes.Equal(got.Marshal(), k.Marshal()) || prefix != c.prefix || comment != c.comment {
				t.Errorf("%s %q: prefix %q comment %q", typ, c.in, prefix, comment)
			}
			// x/crypto reads authorized_keys lines (not known_hosts
			// markers); where it reads one, it finds the same key.
			if xk, _, _, _, err := ssh.ParseAuthorizedKey([]byte(c.in)); err == nil && !bytes.Equal(xk.Marshal(), k.Marshal()) {
				t.Errorf("%s %q: x/crypto reads another key", typ, c.in)
			}
		}
	}
	// A certificate line round-trips too.
	xc := xCert(t, typeEd25519, typeEd25519, "ssh-ed25519", nil)
	got, _, _, err := ParseAuthorizedKey(ssh.MarshalAuthorizedKey(xc))
	if err != nil || !bytes.Equal(got.Marshal(), xc.Marshal()) {
		t.Errorf("certificate line: %v", err)
	}
	ed := strings.Fields(string(MarshalAuthorizedKey(ourSigner(t, typeEd25519).PublicKey())))[1]
	for _, bad := range []string{"", "# comment", "ssh-ed25519", "ssh-ed25519 !!!", "ssh-rsa " + ed} {
		if _, _, _, err := ParseAuthorizedKey([]byte(bad)); !errors.Is(err, ErrBadKey) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
