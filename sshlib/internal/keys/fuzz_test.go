package keys

import (
	"bytes"
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// FuzzParsePublicKey: any blob either fails with a parse *Error, or parses to
// a key whose Marshal is exactly the input (one encoding per key); a parsed
// certificate goes through CheckHostCertificate without panicking.
func FuzzParsePublicKey(f *testing.F) {
	for _, a := range Algorithms {
		pt := plainType(a.KeyType)
		if a.Cert {
			f.Add(xCert(f, pt, typeEd25519, "ssh-ed25519", nil).Marshal())
		} else {
			f.Add(xSigner(f, pt).PublicKey().Marshal())
		}
	}
	f.Fuzz(func(t *testing.T, blob []byte) {
		k, err := ParsePublicKey(blob)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Op != "parse" {
				t.Fatalf("error %v is not a parse *Error", err)
			}
			return
		}
		if !bytes.Equal(k.Marshal(), blob) {
			t.Fatalf("%s: Marshal differs from the parsed blob", k.Type())
		}
		_ = FingerprintSHA256(k)
		if c, ok := k.(*Certificate); ok {
			err := CheckHostCertificate(c, "host.example.com", []PublicKey{c.SignatureKey}, time.Unix(1_800_000_000, 0))
			if err != nil && !errors.Is(err, ErrCert) {
				t.Fatalf("CheckHostCertificate: %v does not wrap ErrCert", err)
			}
		}
	})
}

// FuzzVerify: any (algorithm, key, message, signature) either verifies or
// fails with a verify *Error; it never panics. The keys are fixed valid keys
// (one per row, certificates for cert rows), so the fuzzer spends its time
// on signature blobs; seeds are valid signatures for every row.
func FuzzVerify(f *testing.F) {
	data := []byte("exchange hash H")
	keys := make([]PublicKey, len(Algorithms))
	for i, a := range Algorithms {
		pt := plainType(a.KeyType)
		sig, err := xSigner(f, pt).SignWithAlgorithm(rand.Reader, data, a.SigName)
		if err != nil {
			f.Fatal(err)
		}
		blob := xSigner(f, pt).PublicKey().Marshal()
		if a.Cert {
			blob = xCert(f, pt, typeEd25519, "ssh-ed25519", nil).Marshal()
		}
		if keys[i], err = ParsePublicKey(blob); err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(i), uint8(i), data, ssh.Marshal(sig))
	}
	f.Fuzz(func(t *testing.T, algIndex, keyIndex uint8, msg, sig []byte) {
		a := Algorithms[int(algIndex)%len(Algorithms)]
		k := keys[int(keyIndex)%len(keys)]
		if err := Verify(a.Name, k, msg, sig); err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Op != "verify" {
				t.Fatalf("error %v is not a verify *Error", err)
			}
		}
	})
}
