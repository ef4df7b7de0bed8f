package keys

import (
	"bytes"
	"crypto/rand"
	"errors"
	"reflect"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

var certNow = time.Unix(1_800_000_000, 0)

// xCert makes a certificate for the key of keyType, signed by x/crypto with
// the CA key of caType using algorithm caAlg; edit adjusts it before signing.
func xCert(t testing.TB, keyType, caType, caAlg string, edit func(*ssh.Certificate)) *ssh.Certificate {
	t.Helper()
	c := &ssh.Certificate{
		Key:             xSigner(t, keyType).PublicKey(),
		Serial:          42,
		CertType:        ssh.HostCert,
		KeyId:           "host key",
		ValidPrincipals: []string{"other.example.com", "host.example.com"},
		ValidAfter:      uint64(certNow.Unix() - 3600),
		ValidBefore:     uint64(certNow.Unix() + 3600),
		Permissions:     ssh.Permissions{Extensions: map[string]string{"x-ext@example.com": "v"}},
	}
	if edit != nil {
		edit(c)
	}
	ca, err := ssh.NewSignerWithAlgorithms(xSigner(t, caType), []string{caAlg})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SignCert(rand.Reader, ca); err != nil {
		t.Fatal(err)
	}
	return c
}

func ourCert(t testing.TB, xc *ssh.Certificate) *Certificate {
	t.Helper()
	k, err := ParsePublicKey(xc.Marshal())
	if err != nil {
		t.Fatalf("ParsePublicKey(%s): %v", xc.Type(), err)
	}
	c, ok := k.(*Certificate)
	if !ok {
		t.Fatalf("%s parsed to %T", xc.Type(), k)
	}
	return c
}

func caKey(t testing.TB, caType string) PublicKey {
	t.Helper()
	k, err := ParsePublicKey(xSigner(t, caType).PublicKey().Marshal())
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestCertificateParseAndVerify: for every certificate row, a certificate
// made by x/crypto parses to the same fields and blob, a signature by the
// certified key verifies under the cert algorithm, and the certificate passes
// CheckHostCertificate.
func TestCertificateParseAndVerify(t *testing.T) {
	data := []byte("exchange hash H")
	for _, a := range Algorithms {
		if !a.Cert {
			continue
		}
		t.Run(a.Name, func(t *testing.T) {
			pt := plainType(a.KeyType)
			xc := xCert(t, pt, typeEd25519, "ssh-ed25519", func(c *ssh.Certificate) {
				c.Permissions.CriticalOptions = nil
			})
			c := ourCert(t, xc)
			if c.Type() != a.KeyType || !bytes.Equal(c.Marshal(), xc.Marshal()) {
				t.Fatalf("type %s, blob equal %v", c.Type(), bytes.Equal(c.Marshal(), xc.Marshal()))
			}
			if !bytes.Equal(c.Key.Marshal(), xc.Key.Marshal()) || !bytes.Equal(c.SignatureKey.Marshal(), xc.SignatureKey.Marshal()) {
				t.Error("Key or SignatureKey differ from x/crypto's")
			}
			if !bytes.Equal(c.Signature, ssh.Marshal(xc.Signature)) || !bytes.Equal(c.Nonce, xc.Nonce) {
				t.Error("Signature or Nonce differ")
			}
			if c.Serial != xc.Serial || c.CertType != xc.CertType || c.KeyID != xc.KeyId ||
				!reflect.DeepEqual(c.ValidPrincipals, xc.ValidPrincipals) ||
				c.ValidAfter != xc.ValidAfter || c.ValidBefore != xc.ValidBefore {
				t.Errorf("fields differ: %+v", c)
			}
			if len(c.Extensions) != 1 || c.Extensions[0].Name != "x-ext@example.com" ||
				!bytes.Equal(c.Extensions[0].Data, ssh.Marshal(struct{ S string }{"v"})) {
				t.Errorf("extensions %+v", c.Extensions)
			}
			if got, want := FingerprintSHA256(c), ssh.FingerprintSHA256(xc); got != want {
				t.Errorf("fingerprint %s, x/crypto %s", got, want)
			}
			sig, err := xSigner(t, pt).SignWithAlgorithm(rand.Reader, data, a.SigName)
			if err != nil {
				t.Fatal(err)
			}
			if err := Verify(a.Name, c, data, ssh.Marshal(sig)); err != nil {
				t.Errorf("Verify with the certified key: %v", err)
			}
			if err := Verify(a.Name, c, []byte("x"), ssh.Marshal(sig)); !errors.Is(err, ErrBadSignature) {
				t.Errorf("Verify of other data: %v", err)
			}
			// The plain algorithm does not accept the certificate, nor the
			// cert algorithm the plain key.
			if err := Verify(a.SigName, c, data, ssh.Marshal(sig)); !errors.Is(err, ErrWrongAlg) {
				t.Errorf("plain algorithm with a cert: %v", err)
			}
			if err := Verify(a.Name, c.Key, data, ssh.Marshal(sig)); !errors.Is(err, ErrWrongAlg) {
				t.Errorf("cert algorithm with the plain key: %v", err)
			}
			if err := CheckHostCertificate(c, "host.example.com", []PublicKey{caKey(t, typeEd25519)}, certNow); err != nil {
				t.Errorf("CheckHostCertificate: %v", err)
			}
			blob := xc.Marshal()
			if _, err := ParsePublicKey(append(append([]byte(nil), blob...), 0)); !errors.Is(err, ErrBadKey) {
				t.Errorf("trailing byte: %v", err)
			}
			for n := 0; n < len(blob); n++ {
				if _, err := ParsePublicKey(blob[:n]); err == nil {
					t.Fatalf("truncated to %d bytes parsed", n)
				}
			}
		})
	}
}

// TestCertificateAuthorityAlgorithms: every plain row as the CA's signature
// algorithm. OpenSSH's default CASignatureAlgorithms leaves out ssh-rsa and
// ssh-dss, and so do we (the Insecure rows).
func TestCertificateAuthorityAlgorithms(t *testing.T) {
	for _, a := range Algorithms {
		if a.Cert {
			continue
		}
		t.Run(a.Name, func(t *testing.T) {
			c := ourCert(t, xCert(t, typeEd25519, a.KeyType, a.SigName, nil))
			err := CheckHostCertificate(c, "host.example.com", []PublicKey{caKey(t, a.KeyType)}, certNow)
			if a.Insecure {
				if !errors.Is(err, ErrCertSigAlgorithm) {
					t.Errorf("CA signature %s: %v, want ErrCertSigAlgorithm", a.Name, err)
				}
				return
			}
			if err != nil {
				t.Errorf("CA signature %s: %v", a.Name, err)
			}
		})
	}
}

func TestCheckHostCertificateRejects(t *testing.T) {
	cas := []PublicKey{caKey(t, typeECDSA256), caKey(t, typeEd25519)}
	mk := func(edit func(*ssh.Certificate)) *Certificate {
		return ourCert(t, xCert(t, typeRSA, typeEd25519, "ssh-ed25519", edit))
	}
	good := xCert(t, typeRSA, typeEd25519, "ssh-ed25519", nil)
	tampered := good.Marshal()
	// Flip a byte of the key id ("host key"), which the CA signed.
	i := bytes.Index(tampered, []byte("host key"))
	tampered[i] ^= 0x20
	tc, err := ParsePublicKey(tampered)
	if err != nil {
		t.Fatal(err)
	}
	otherCA := ourCert(t, xCert(t, typeRSA, typeECDSA384, "ecdsa-sha2-nistp384", nil))

	cases := []struct {
		name string
		cert *Certificate
		host string
		cas  []PublicKey
		now  time.Time
		want error
	}{
		{"good", ourCert(t, good), "host.example.com", cas, certNow, nil},
		{"wildcard principal", mk(func(c *ssh.Certificate) { c.ValidPrincipals = []string{"*.example.com"} }), "host.example.com", cas, certNow, nil},
		{"wildcard mismatch", mk(func(c *ssh.Certificate) { c.ValidPrincipals = []string{"*.example.org"} }), "host.example.com", cas, certNow, ErrCertPrincipal},
		{"wrong principal", ourCert(t, good), "evil.example.com", cas, certNow, ErrCertPrincipal},
		{"no principals", mk(func(c *ssh.Certificate) { c.ValidPrincipals = nil }), "host.example.com", cas, certNow, ErrCertNoPrincipals},
		{"expired", ourCert(t, good), "host.example.com", cas, certNow.Add(3600 * time.Second), ErrCertExpired},
		{"last valid second", ourCert(t, good), "host.example.com", cas, certNow.Add(3599 * time.Second), nil},
		{"not yet valid", ourCert(t, good), "host.example.com", cas, certNow.Add(-3601 * time.Second), ErrCertNotYetValid},
		{"before the epoch", ourCert(t, good), "host.example.com", cas, time.Unix(-5, 0), ErrCertNotYetValid},
		{"forever", mk(func(c *ssh.Certificate) { c.ValidAfter, c.ValidBefore = 0, ssh.CertTimeInfinity }), "host.example.com", cas, time.Unix(1<<62, 0), nil},
		{"wrong CA", otherCA, "host.example.com", cas, certNow, ErrCertUnknownAuthority},
		{"no CAs", ourCert(t, good), "host.example.com", nil, certNow, ErrCertUnknownAuthority},
		{"user certificate", mk(func(c *ssh.Certificate) { c.CertType = ssh.UserCert }), "host.example.com", cas, certNow, ErrCertNotHost},
		{"tampered", tc.(*Certificate), "host.example.com", cas, certNow, ErrCertSignature},
		{"critical option", mk(func(c *ssh.Certificate) {
			c.CriticalOptions = map[string]string{"force-command": "/bin/true"}
		}), "host.example.com", cas, certNow, ErrCertCriticalOption},
		{"nil", nil, "host.example.com", cas, certNow, ErrCert},
	}
	for _, c := range cases {
		err := CheckHostCertificate(c.cert, c.host, c.cas, c.now)
		if c.want == nil {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		var e *Error
		if !errors.Is(err, c.want) || !errors.Is(err, ErrCert) || !errors.As(err, &e) || e.Op != "certificate" {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

// TestCertificateSignedByCertificate: a CA key that is itself a certificate
// is refused at parse time. x/crypto refuses to make one, so the blob is
// spliced: the signature-key field of a good certificate is replaced.
func TestCertificateSignedByCertificate(t *testing.T) {
	good := xCert(t, typeEd25519, typeEd25519, "ssh-ed25519", nil)
	inner := xCert(t, typeEd25519, typeEd25519, "ssh-ed25519", nil)
	blob := good.Marshal()
	ca := ssh.Marshal(struct{ B []byte }{good.SignatureKey.Marshal()})
	sig := ssh.Marshal(struct{ B []byte }{ssh.Marshal(good.Signature)})
	i := bytes.Index(blob, ca)
	if i < 0 || !bytes.HasSuffix(blob, sig) {
		t.Fatal("layout not as expected")
	}
	spliced := append(append(append([]byte(nil), blob[:i]...), ssh.Marshal(struct{ B []byte }{inner.Marshal()})...), sig...)
	if _, err := ParsePublicKey(spliced); !errors.Is(err, ErrBadKey) {
		t.Errorf("certificate as CA: %v", err)
	}
}
