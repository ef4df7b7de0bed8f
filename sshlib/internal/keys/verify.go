package keys

import (
	"crypto/dsa" //nolint:staticcheck // ssh-dss is legacy, flagged Insecure.
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	_ "crypto/sha1" // registers crypto.SHA1 for ssh-rsa and ssh-dss
	_ "crypto/sha256"
	_ "crypto/sha512"
	"fmt"
	"math/big"

	"github.com/sshmatrix/sshmatrix/sshlib/internal/wire"
)

func verifyErr(alg string, sentinel error, format string, args ...any) error {
	return &Error{Op: "verify", Alg: alg, Err: fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)}
}

// Verify checks a signature blob (RFC 4253 §6.6: string algorithm name,
// string signature) over data, made with the negotiated algorithm by key.
// The key's format must be the row's KeyType, and the name inside the blob
// must be the row's SigName: a server that negotiated rsa-sha2-256 and signs
// with ssh-rsa is refused (RFC 8332 §3). For a certificate algorithm the
// certified key verifies; checking the certificate itself is
// CheckHostCertificate's job.
func Verify(algorithm string, key PublicKey, data, sig []byte) error {
	alg, ok := Lookup(algorithm)
	if !ok {
		return &Error{Op: "verify", Alg: printable(algorithm), Err: ErrUnknown}
	}
	if key == nil {
		return verifyErr(algorithm, ErrBadKey, "no key")
	}
	if key.Type() != alg.KeyType {
		return verifyErr(algorithm, ErrWrongAlg, "key type %s cannot make %s signatures", key.Type(), algorithm)
	}
	if c, ok := key.(*Certificate); ok {
		key = c.Key
	}
	r := wire.NewReader(sig)
	name := r.Text("signature format")
	body := r.String("signature blob")
	if err := r.Done("signature"); err != nil {
		return verifyErr(algorithm, ErrBadSignature, "%v", err)
	}
	if name != alg.SigName {
		return verifyErr(algorithm, ErrWrongAlg, "signature is %s, want %s", printable(name), alg.SigName)
	}
	plain, _ := plainAlgorithm(alg.SigName)
	if err := verifyRaw(plain, key, data, body); err != nil {
		return &Error{Op: "verify", Alg: algorithm, Err: err}
	}
	return nil
}

// verifyRaw checks the inner signature bytes for a plain algorithm row.
func verifyRaw(alg *Algorithm, key PublicKey, data, body []byte) error {
	switch k := key.(type) {
	case *ed25519Key:
		// RFC 8709 §6: the signature is exactly 64 bytes.
		if len(body) != ed25519.SignatureSize {
			return fmt.Errorf("%w: ed25519 signature is %d bytes", ErrBadSignature, len(body))
		}
		if !ed25519.Verify(k.pub, data, body) {
			return ErrBadSignature
		}
		return nil
	case *ecdsaKey:
		// RFC 5656 §3.1.2: the blob is mpint r, mpint s.
		sr := wire.NewReader(body)
		rr := sr.MPInt("ecdsa r")
		ss := sr.MPInt("ecdsa s")
		if err := sr.Done("ecdsa signature"); err != nil {
			return fmt.Errorf("%w: %w", ErrBadSignature, err)
		}
		if rr.Sign() <= 0 || ss.Sign() <= 0 {
			return fmt.Errorf("%w: r or s not positive", ErrBadSignature)
		}
		h := alg.Hash.New()
		h.Write(data)
		if !ecdsa.Verify(k.pub, h.Sum(nil), rr, ss) {
			return ErrBadSignature
		}
		return nil
	case *rsaKey:
		// RFC 8332 §3 says the blob is as long as the modulus. OpenSSH
		// accepts a shorter one (some signers strip leading zeros) by
		// left-padding; we do the same, and refuse a longer one.
		size := k.pub.Size()
		if len(body) > size || len(body) == 0 {
			return fmt.Errorf("%w: rsa signature is %d bytes, modulus %d", ErrBadSignature, len(body), size)
		}
		if len(body) < size {
			padded := make([]byte, size)
			copy(padded[size-len(body):], body)
			body = padded
		}
		h := alg.Hash.New()
		h.Write(data)
		if err := rsa.VerifyPKCS1v15(k.pub, alg.Hash, h.Sum(nil), body); err != nil {
			return ErrBadSignature
		}
		return nil
	case *dsaKey:
		// RFC 4253 §6.6: r and s as two 160-bit integers, 40 bytes in all.
		if len(body) != 40 {
			return fmt.Errorf("%w: dss signature is %d bytes, want 40", ErrBadSignature, len(body))
		}
		rr := new(big.Int).SetBytes(body[:20])
		ss := new(big.Int).SetBytes(body[20:])
		h := alg.Hash.New()
		h.Write(data)
		if !dsa.Verify(k.pub, h.Sum(nil), rr, ss) {
			return ErrBadSignature
		}
		return nil
	}
	return fmt.Errorf("%w: key %T", ErrUnknown, key)
}
