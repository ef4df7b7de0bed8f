package keys

import (
	"bytes"
	"crypto"
	"crypto/dsa" //nolint:staticcheck // ssh-dss is legacy, flagged Insecure.
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"

	"github.com/sshmatrix/sshmatrix/sshlib/internal/wire"
)

func signErr(alg string, err error, format string, args ...any) error {
	return &Error{Op: "sign", Alg: alg, Err: fmt.Errorf("%w: "+format, append([]any{err}, args...)...)}
}

// keySigner is the Signer of a plain private key. Every signature is made
// here, over the standard library's primitives, in the formats of RFC 4253
// §6.6, RFC 5656 §3.1.2, RFC 8332 §3 and RFC 8709 §6.
type keySigner struct {
	pub  PublicKey
	algs []string
	priv crypto.PrivateKey
}

// NewSigner wraps a private key for client authentication (RFC 4252 §7).
// It takes ed25519.PrivateKey (or a pointer to one), *ecdsa.PrivateKey on
// P-256/384/521, *rsa.PrivateKey (1024..16384 bits) and *dsa.PrivateKey. An
// RSA signer offers rsa-sha2-512, rsa-sha2-256, then ssh-rsa, in that order
// (RFC 8332 §3; ssh-rsa is SHA-1 and Insecure).
func NewSigner(key crypto.PrivateKey) (Signer, error) {
	var pub crypto.PublicKey
	switch k := key.(type) {
	case *ed25519.PrivateKey:
		if k == nil {
			break
		}
		return NewSigner(*k)
	case ed25519.PrivateKey:
		if len(k) != ed25519.PrivateKeySize {
			return nil, signErr(typeEd25519, ErrBadKey, "private key is %d bytes", len(k))
		}
		pub = k.Public()
	case *ecdsa.PrivateKey:
		if k == nil {
			break
		}
		pub = &k.PublicKey
	case *rsa.PrivateKey:
		if k == nil {
			break
		}
		pub = &k.PublicKey
	case *dsa.PrivateKey:
		if k == nil {
			break
		}
		pub = &k.PublicKey
	}
	if pub == nil {
		return nil, &Error{Op: "sign", Err: fmt.Errorf("%w: private key of type %T", ErrUnknown, key)}
	}
	pk, err := publicKeyFromCrypto(pub)
	if err != nil {
		return nil, err
	}
	var algs []string
	for _, a := range Algorithms {
		if !a.Cert && a.KeyType == pk.Type() {
			algs = append(algs, a.Name)
		}
	}
	return &keySigner{pub: pk, algs: algs, priv: key}, nil
}

// publicKeyFromCrypto converts a standard-library public key by building
// its wire blob and parsing it, so a signer's key passes the same checks as a
// peer's.
func publicKeyFromCrypto(pub crypto.PublicKey) (PublicKey, error) {
	b := wire.NewBuilder(nil)
	switch k := pub.(type) {
	case ed25519.PublicKey:
		b.Text(typeEd25519).String(k)
	case *ecdsa.PublicKey:
		var typ string
		switch k.Curve {
		case elliptic.P256():
			typ = typeECDSA256
		case elliptic.P384():
			typ = typeECDSA384
		case elliptic.P521():
			typ = typeECDSA521
		default:
			return nil, &Error{Op: "sign", Err: fmt.Errorf("%w: ecdsa curve %s", ErrUnknown, k.Curve.Params().Name)}
		}
		point, err := k.Bytes()
		if err != nil {
			return nil, signErr(typ, ErrBadKey, "%v", err)
		}
		b.Text(typ).Text(curveID(typ)).String(point)
	case *rsa.PublicKey:
		b.Text(typeRSA).MPInt(new(big.Int).SetInt64(int64(k.E))).MPInt(k.N)
	case *dsa.PublicKey:
		b.Text(typeDSA).MPInt(k.P).MPInt(k.Q).MPInt(k.G).MPInt(k.Y)
	}
	k, err := ParsePublicKey(b.Bytes())
	if err != nil {
		// Same checks as for a peer's key (e.g. RSA below 1024 bits); report
		// them as a signer failure rather than nesting a parse error.
		var e *Error
		if errors.As(err, &e) {
			return nil, &Error{Op: "sign", Alg: e.Alg, Err: e.Err}
		}
		return nil, &Error{Op: "sign", Err: err}
	}
	return k, nil
}

func (s *keySigner) PublicKey() PublicKey { return s.pub }
func (s *keySigner) Algorithms() []string { return slices.Clone(s.algs) }

// Sign returns the signature blob: string algorithm name, string signature.
func (s *keySigner) Sign(rnd io.Reader, data []byte, algorithm string) ([]byte, error) {
	if !slices.Contains(s.algs, algorithm) {
		return nil, signErr(printable(algorithm), ErrWrongAlg, "a %s key signs with %v", s.pub.Type(), s.algs)
	}
	alg, _ := Lookup(algorithm)
	if rnd == nil {
		rnd = rand.Reader
	}
	var digest []byte
	if alg.Hash != 0 {
		h := alg.Hash.New()
		h.Write(data)
		digest = h.Sum(nil)
	}
	var body []byte
	switch k := s.priv.(type) {
	case ed25519.PrivateKey:
		// RFC 8709 §6: Ed25519 signs the message itself, no pre-hash.
		body = ed25519.Sign(k, data)
	case *ed25519.PrivateKey:
		body = ed25519.Sign(*k, data)
	case *ecdsa.PrivateKey:
		r, ss, err := ecdsa.Sign(rnd, k, digest)
		if err != nil {
			return nil, signErr(algorithm, ErrBadKey, "%v", err)
		}
		// RFC 5656 §3.1.2: mpint r, mpint s.
		body = wire.NewBuilder(nil).MPInt(r).MPInt(ss).Bytes()
	case *rsa.PrivateKey:
		// RFC 8332 §3 / RFC 4253 §6.6: RSASSA-PKCS1-v1_5, as long as the modulus.
		sig, err := rsa.SignPKCS1v15(rnd, k, alg.Hash, digest)
		if err != nil {
			return nil, signErr(algorithm, ErrBadKey, "%v", err)
		}
		body = sig
	case *dsa.PrivateKey:
		r, ss, err := dsa.Sign(rnd, k, digest)
		if err != nil {
			return nil, signErr(algorithm, ErrBadKey, "%v", err)
		}
		// RFC 4253 §6.6: r and s as 160-bit unsigned integers, network order.
		if r.BitLen() > 160 || ss.BitLen() > 160 {
			return nil, signErr(algorithm, ErrBadKey, "dsa q larger than 160 bits")
		}
		body = make([]byte, 40)
		r.FillBytes(body[:20])
		ss.FillBytes(body[20:])
	default:
		return nil, signErr(algorithm, ErrUnknown, "key %T", s.priv)
	}
	return wire.NewBuilder(nil).Text(alg.SigName).String(body).Bytes(), nil
}

// certSigner presents a certificate and signs with the certified key.
type certSigner struct {
	cert *Certificate
	s    Signer
	algs []string
}

// NewCertSigner pairs a certificate with the signer of its key. Its
// Algorithms are the certificate forms of s's algorithms (e.g.
// rsa-sha2-512-cert-v01@openssh.com for rsa-sha2-512); Sign takes those names
// and signs with the underlying algorithm, whose name is what goes inside
// the signature blob (PROTOCOL.certkeys).
func NewCertSigner(cert *Certificate, s Signer) (Signer, error) {
	if cert == nil || s == nil || cert.Key == nil {
		return nil, &Error{Op: "sign", Err: fmt.Errorf("%w: no certificate or signer", ErrBadKey)}
	}
	if !bytes.Equal(cert.Key.Marshal(), s.PublicKey().Marshal()) {
		return nil, signErr(cert.Type(), ErrBadKey, "certificate is for another key than the signer's")
	}
	cs := &certSigner{cert: cert, s: s}
	for _, name := range s.Algorithms() {
		for _, a := range Algorithms {
			if a.Cert && a.SigName == name && a.KeyType == cert.Type() {
				cs.algs = append(cs.algs, a.Name)
			}
		}
	}
	return cs, nil
}

func (c *certSigner) PublicKey() PublicKey { return c.cert }
func (c *certSigner) Algorithms() []string { return slices.Clone(c.algs) }

func (c *certSigner) Sign(rnd io.Reader, data []byte, algorithm string) ([]byte, error) {
	if !slices.Contains(c.algs, algorithm) {
		return nil, signErr(printable(algorithm), ErrWrongAlg, "a %s signs with %v", c.cert.Type(), c.algs)
	}
	a, _ := Lookup(algorithm)
	return c.s.Sign(rnd, data, a.SigName)
}
