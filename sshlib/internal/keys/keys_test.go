package keys

import (
	"bytes"
	"crypto"
	"crypto/dsa" //nolint:staticcheck // legacy algorithm under test
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"io"
	"math/big"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/sshmatrix/sshmatrix/sshlib/internal/wire"
)

// testKeys holds one stdlib private key per plain key type, generated once.
var (
	testKeysOnce sync.Once
	testKeysMap  map[string]crypto.Signer
)

func testKeys(t testing.TB) map[string]crypto.Signer {
	t.Helper()
	testKeysOnce.Do(func() {
		m := map[string]crypto.Signer{}
		_, ed, _ := ed25519.GenerateKey(rand.Reader)
		m[typeEd25519] = ed
		for typ, c := range map[string]elliptic.Curve{typeECDSA256: elliptic.P256(), typeECDSA384: elliptic.P384(), typeECDSA521: elliptic.P521()} {
			k, err := ecdsa.GenerateKey(c, rand.Reader)
			if err != nil {
				panic(err)
			}
			m[typ] = k
		}
		rk, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		m[typeRSA] = rk
		m[typeDSA] = dsaKeyForTest()
		testKeysMap = m
	})
	return testKeysMap
}

// dsaSigner adapts *dsa.PrivateKey (which is no crypto.Signer) to the map.
type dsaSigner struct{ *dsa.PrivateKey }

func (d dsaSigner) Public() crypto.PublicKey { return &d.PublicKey }
func (d dsaSigner) Sign(_ io.Reader, digest []byte, _ crypto.SignerOpts) ([]byte, error) {
	return nil, errors.New("unused")
}

func dsaKeyForTest() crypto.Signer {
	var k dsa.PrivateKey
	if err := dsa.GenerateParameters(&k.Parameters, rand.Reader, dsa.L1024N160); err != nil {
		panic(err)
	}
	if err := dsa.GenerateKey(&k, rand.Reader); err != nil {
		panic(err)
	}
	return dsaSigner{&k}
}

// rawPrivate returns the key in the form x/crypto and NewSigner take.
func rawPrivate(s crypto.Signer) crypto.PrivateKey {
	if d, ok := s.(dsaSigner); ok {
		return d.PrivateKey
	}
	return s
}

func xSigner(t testing.TB, keyType string) ssh.AlgorithmSigner {
	t.Helper()
	s, err := ssh.NewSignerFromKey(rawPrivate(testKeys(t)[keyType]))
	if err != nil {
		t.Fatalf("x/crypto NewSignerFromKey(%s): %v", keyType, err)
	}
	return s.(ssh.AlgorithmSigner)
}

func plainType(keyType string) string {
	if len(keyType) > len(certSuffix) && keyType[len(keyType)-len(certSuffix):] == certSuffix {
		return keyType[:len(keyType)-len(certSuffix)]
	}
	return keyType
}

func TestRegistryTable(t *testing.T) {
	seen := map[string]bool{}
	var plain, certs int
	for _, a := range Algorithms {
		if seen[a.Name] {
			t.Errorf("duplicate row %s", a.Name)
		}
		seen[a.Name] = true
		got, ok := Lookup(a.Name)
		if !ok || got.Name != a.Name {
			t.Errorf("Lookup(%s) = %v, %v", a.Name, got, ok)
		}
		p, ok := plainAlgorithm(a.SigName)
		if !ok {
			t.Errorf("%s: SigName %s is not a plain row", a.Name, a.SigName)
			continue
		}
		if p.KeyType != plainType(a.KeyType) || p.Hash != a.Hash || p.Insecure != a.Insecure {
			t.Errorf("%s disagrees with its plain row %s", a.Name, p.Name)
		}
		if a.Cert {
			certs++
			if a.KeyType != p.KeyType+certSuffix {
				t.Errorf("%s: KeyType %s", a.Name, a.KeyType)
			}
		} else {
			plain++
			if a.SigName != a.Name {
				t.Errorf("%s: plain row with SigName %s", a.Name, a.SigName)
			}
		}
		if a.Spec == "" {
			t.Errorf("%s: no Spec", a.Name)
		}
	}
	if plain != 8 || certs != 8 {
		t.Errorf("%d plain and %d cert rows, want 8 and 8", plain, certs)
	}
	if _, ok := Lookup("ssh-foo"); ok {
		t.Error("Lookup of an unknown name succeeded")
	}
}

// TestParseMatchesXCrypto: every plain key type, marshalled by x/crypto,
// parses to a key of the same type whose Marshal is byte-identical, and whose
// fingerprint is x/crypto's.
func TestParseMatchesXCrypto(t *testing.T) {
	for typ, priv := range testKeys(t) {
		xpub, err := ssh.NewPublicKey(priv.Public())
		if err != nil {
			t.Fatal(err)
		}
		blob := xpub.Marshal()
		k, err := ParsePublicKey(blob)
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		if k.Type() != typ || !bytes.Equal(k.Marshal(), blob) {
			t.Errorf("%s: type %s, re-marshal equal %v", typ, k.Type(), bytes.Equal(k.Marshal(), blob))
		}
		if got, want := FingerprintSHA256(k), ssh.FingerprintSHA256(xpub); got != want {
			t.Errorf("%s: fingerprint %s, x/crypto %s", typ, got, want)
		}
		// Trailing bytes and every truncation are refused with ErrBadKey.
		if _, err := ParsePublicKey(append(append([]byte(nil), blob...), 0)); !errors.Is(err, ErrBadKey) {
			t.Errorf("%s: trailing byte: %v", typ, err)
		}
		for n := 0; n < len(blob); n++ {
			if _, err := ParsePublicKey(blob[:n]); err == nil {
				t.Fatalf("%s: truncated to %d bytes parsed", typ, n)
			}
		}
	}
}

// TestVerifyXCryptoSignatures: for every plain row, a signature made by
// x/crypto with that algorithm verifies; a changed message, a flipped byte or
// a different algorithm's signature does not.
func TestVerifyXCryptoSignatures(t *testing.T) {
	data := []byte("exchange hash H")
	for _, a := range Algorithms {
		if a.Cert {
			continue
		}
		t.Run(a.Name, func(t *testing.T) {
			xs := xSigner(t, a.KeyType)
			k, err := ParsePublicKey(xs.PublicKey().Marshal())
			if err != nil {
				t.Fatal(err)
			}
			sig, err := xs.SignWithAlgorithm(rand.Reader, data, a.SigName)
			if err != nil {
				t.Fatal(err)
			}
			blob := ssh.Marshal(sig)
			if err := Verify(a.Name, k, data, blob); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if err := Verify(a.Name, k, []byte("other"), blob); !errors.Is(err, ErrBadSignature) {
				t.Errorf("other data: %v", err)
			}
			bad := append([]byte(nil), blob...)
			bad[len(bad)-1] ^= 1
			if err := Verify(a.Name, k, data, bad); !errors.Is(err, ErrBadSignature) {
				t.Errorf("flipped byte: %v", err)
			}
			if err := Verify(a.Name, k, data, append(append([]byte(nil), blob...), 0)); !errors.Is(err, ErrBadSignature) {
				t.Errorf("trailing byte: %v", err)
			}
			// A signature whose inner name is another algorithm for the same
			// key is ErrWrongAlg, even if it is a valid signature.
			for _, b := range Algorithms {
				if b.Cert || b.KeyType != a.KeyType || b.Name == a.Name {
					continue
				}
				other, err := xs.SignWithAlgorithm(rand.Reader, data, b.SigName)
				if err != nil {
					t.Fatal(err)
				}
				if err := Verify(a.Name, k, data, ssh.Marshal(other)); !errors.Is(err, ErrWrongAlg) {
					t.Errorf("%s signature under %s: %v", b.Name, a.Name, err)
				}
			}
			// A key of another type cannot verify for this algorithm.
			for typ, priv := range testKeys(t) {
				if typ == a.KeyType {
					continue
				}
				xp, _ := ssh.NewPublicKey(priv.Public())
				ok, _ := ParsePublicKey(xp.Marshal())
				if err := Verify(a.Name, ok, data, blob); !errors.Is(err, ErrWrongAlg) {
					t.Errorf("key %s: %v", typ, err)
				}
			}
		})
	}
	if err := Verify("ssh-foo", nil, data, nil); !errors.Is(err, ErrUnknown) {
		t.Errorf("unknown algorithm: %v", err)
	}
}

// TestRSAShortSignature: a signature with its leading zero bytes stripped is
// accepted, as OpenSSH does; one longer than the modulus is not.
func TestRSAShortSignature(t *testing.T) {
	priv := testKeys(t)[typeRSA].(*rsa.PrivateKey)
	k, _ := ParsePublicKey(mustX(t, priv.Public()).Marshal())
	for i := 0; ; i++ {
		data := []byte{byte(i), byte(i >> 8)}
		h := crypto.SHA256.New()
		h.Write(data)
		s, err := rsa.SignPKCS1v15(rand.Reader, priv, crypto.SHA256, h.Sum(nil))
		if err != nil {
			t.Fatal(err)
		}
		if s[0] != 0 {
			if i > 4096 {
				t.Fatal("no signature with a leading zero byte in 4096 tries")
			}
			continue
		}
		short := wire.NewBuilder(nil).Text("rsa-sha2-256").String(s[1:]).Bytes()
		if err := Verify("rsa-sha2-256", k, data, short); err != nil {
			t.Fatalf("short signature: %v", err)
		}
		long := wire.NewBuilder(nil).Text("rsa-sha2-256").String(append([]byte{0}, s...)).Bytes()
		if err := Verify("rsa-sha2-256", k, data, long); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("long signature: %v", err)
		}
		return
	}
}

func mustX(t testing.TB, pub crypto.PublicKey) ssh.PublicKey {
	t.Helper()
	p, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestParseRejectsMalformed builds bad blobs by hand; each must fail with
// ErrBadKey (or ErrUnknown for an unknown name), never panic.
func TestParseRejectsMalformed(t *testing.T) {
	b := func() *wire.Builder { return wire.NewBuilder(nil) }
	ecPriv := testKeys(t)[typeECDSA256].(*ecdsa.PrivateKey)
	point, _ := ecPriv.PublicKey.Bytes()
	offCurve := append([]byte(nil), point...)
	offCurve[len(offCurve)-1] ^= 1
	rsaPub := testKeys(t)[typeRSA].(*rsa.PrivateKey).PublicKey
	small, _ := new(big.Int).SetString("c4f5e1d0b1a5b6c4f5e1d0b1a5b6c4f5e1d0b1a5b6c4f5e1d0b1a5b6c4f5e1d0b1a5b6c4f5e1d0b1a5b6c4f5e1d0b1a5b6c4f5e1d0b1a5b6c4f5e1d0b1a5b6c5", 16)
	huge := new(big.Int).Lsh(big.NewInt(1), maxRSABits)
	huge.Add(huge, big.NewInt(1))
	dk := testKeys(t)[typeDSA].(dsaSigner).PrivateKey
	dsaBlob := func(p, q, g, y *big.Int) []byte {
		return b().Text(typeDSA).MPInt(p).MPInt(q).MPInt(g).MPInt(y).Bytes()
	}
	cases := []struct {
		name string
		blob []byte
		want error
	}{
		{"empty", nil, ErrBadKey},
		{"unknown type", b().Text("ssh-foo").String([]byte{1}).Bytes(), ErrUnknown},
		{"ed25519 31 bytes", b().Text(typeEd25519).String(make([]byte, 31)).Bytes(), ErrBadKey},
		{"ed25519 33 bytes", b().Text(typeEd25519).String(make([]byte, 33)).Bytes(), ErrBadKey},
		{"ecdsa curve mismatch", b().Text(typeECDSA256).Text("nistp384").String(point).Bytes(), ErrBadKey},
		{"ecdsa off curve", b().Text(typeECDSA256).Text("nistp256").String(offCurve).Bytes(), ErrBadKey},
		{"ecdsa compressed", b().Text(typeECDSA256).Text("nistp256").String(append([]byte{2}, point[1:33]...)).Bytes(), ErrBadKey},
		{"ecdsa wrong curve length", b().Text(typeECDSA384).Text("nistp384").String(point).Bytes(), ErrBadKey},
		{"rsa 512 bits", b().Text(typeRSA).MPInt(big.NewInt(65537)).MPInt(small).Bytes(), ErrBadKey},
		{"rsa too large", b().Text(typeRSA).MPInt(big.NewInt(65537)).MPInt(huge).Bytes(), ErrBadKey},
		{"rsa even e", b().Text(typeRSA).MPInt(big.NewInt(65536)).MPInt(rsaPub.N).Bytes(), ErrBadKey},
		{"rsa e=1", b().Text(typeRSA).MPInt(big.NewInt(1)).MPInt(rsaPub.N).Bytes(), ErrBadKey},
		{"rsa negative n", b().Text(typeRSA).MPInt(big.NewInt(65537)).MPInt(new(big.Int).Neg(rsaPub.N)).Bytes(), ErrBadKey},
		{"rsa non-minimal mpint", b().Text(typeRSA).String([]byte{0, 1, 0, 1}).MPInt(rsaPub.N).Bytes(), ErrBadKey},
		{"dsa q wrong size", dsaBlob(dk.P, dk.P, dk.G, dk.Y), ErrBadKey},
		{"dsa g=1", dsaBlob(dk.P, dk.Q, big.NewInt(1), dk.Y), ErrBadKey},
		{"dsa y=p", dsaBlob(dk.P, dk.Q, dk.G, dk.P), ErrBadKey},
		{"dsa g not of order q", dsaBlob(dk.P, dk.Q, big.NewInt(2), dk.Y), ErrBadKey},
		{"dsa q not dividing p-1", dsaBlob(dk.P, new(big.Int).Add(dk.Q, big.NewInt(2)), dk.G, dk.Y), ErrBadKey},
		{"cert unknown plain type", b().Text("ssh-foo" + certSuffix).Bytes(), ErrUnknown},
	}
	for _, c := range cases {
		k, err := ParsePublicKey(c.blob)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, %v; want %v", c.name, k, err, c.want)
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Op != "parse" || e.Error()[:8] != "sshlib: " {
			t.Errorf("%s: error %q is not a parse *Error", c.name, err)
		}
	}
	// A valid DSA blob for contrast, so the cases above fail for their reason.
	if _, err := ParsePublicKey(dsaBlob(dk.P, dk.Q, dk.G, dk.Y)); err != nil {
		t.Errorf("valid dsa: %v", err)
	}
}

func TestMatchPattern(t *testing.T) {
	for _, c := range []struct {
		s, p string
		want bool
	}{
		{"host.example.com", "host.example.com", true},
		{"host.example.com", "*.example.com", true},
		{"example.com", "*.example.com", false},
		{"a.b.example.com", "*.example.com", true},
		{"host1", "host?", true},
		{"host12", "host?", false},
		{"anything", "*", true},
		{"", "*", true},
		{"", "", true},
		{"x", "", false},
		{"abc", "a*b*c", true},
		{"abcb", "a*b", true},
		{"abcd", "a*b", false},
		{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaab", "*a*a*a*a*a*a*a*a*c", false},
	} {
		if got := matchPattern(c.s, c.p); got != c.want {
			t.Errorf("matchPattern(%q, %q) = %v", c.s, c.p, got)
		}
	}
}
