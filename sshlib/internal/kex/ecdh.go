package kex

import (
	"crypto"
	"crypto/ecdh"
	"crypto/subtle"
	"fmt"

	"github.com/sshmatrix/sshmatrix/sshlib/internal/wire"
)

// ecdhAgreement is elliptic-curve Diffie-Hellman over crypto/ecdh: X25519
// (RFC 8731) or a NIST curve (RFC 5656 §4). Both encode K as an mpint.
type ecdhAgreement struct {
	priv *ecdh.PrivateKey
}

func newECDH(curve ecdh.Curve, p *Params) (*ecdhAgreement, error) {
	priv, err := curve.GenerateKey(randReader(p))
	if err != nil {
		return nil, err
	}
	return &ecdhAgreement{priv: priv}, nil
}

// public is Q_C: the 32-byte X25519 u-coordinate (RFC 8731 §3) or the
// uncompressed SEC1 point (RFC 5656 §4).
func (a *ecdhAgreement) public() []byte { return a.priv.PublicKey().Bytes() }

func (a *ecdhAgreement) shared(peer []byte) ([]byte, error) {
	z, err := a.secret(peer)
	if err != nil {
		return nil, err
	}
	// K is the secret's unsigned value as an mpint: leading zero bytes are
	// stripped (RFC 8731 §3.1; RFC 5656 §4 uses the x-coordinate the same way).
	return wire.AppendMPIntBytes(nil, z), nil
}

// secret checks the peer's public value and returns the raw shared secret:
// the 32-byte X25519 output, or the fixed-length x-coordinate for NIST curves.
func (a *ecdhAgreement) secret(peer []byte) ([]byte, error) {
	curve := a.priv.Curve()
	// crypto/ecdh checks the length, the encoding and, for NIST curves, that
	// the point is on the curve and not the point at infinity (RFC 5656 §4:
	// the client MUST verify Q_S is a valid point, SEC1 §3.2.2).
	pub, err := curve.NewPublicKey(peer)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPeerValue, err)
	}
	z, err := a.priv.ECDH(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPeerValue, err)
	}
	// RFC 8731 §3: an all-zero X25519 output MUST be rejected. crypto/ecdh
	// already refuses it; checking again costs nothing and does not depend
	// on that.
	if subtle.ConstantTimeCompare(z, make([]byte, len(z))) == 1 {
		return nil, fmt.Errorf("%w: all-zero shared secret", ErrPeerValue)
	}
	return z, nil
}

// ecdhStart builds the Start function of an ECDH method (RFC 5656 §4, RFC 8731 §3).
func ecdhStart(name string, h crypto.Hash, curve ecdh.Curve) func(p *Params) (Client, error) {
	return func(p *Params) (Client, error) {
		a, err := newECDH(curve, p)
		if err != nil {
			return nil, fail(name, "key generation", err)
		}
		return &oneRound{method: name, hash: h, step: "KEX_ECDH_REPLY", a: a}, nil
	}
}
