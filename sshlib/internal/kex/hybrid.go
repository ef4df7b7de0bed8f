package kex

import (
	"crypto"
	"crypto/ecdh"
	"crypto/mlkem"
	"fmt"

	"github.com/sshmatrix/sshmatrix/sshlib/internal/sntrup761"
)

// kem is the client half of a key encapsulation mechanism: it publishes an
// encapsulation key and decapsulates the server's ciphertext.
type kem interface {
	public() []byte
	ciphertextSize() int
	decapsulate(ct []byte) ([]byte, error)
}

// hybridAgreement combines a KEM with X25519 or P-256 ECDH
// (draft-ietf-sshm-mlkem-hybrid-kex §2; the sntrup761 draft §2):
//
//	C_INIT  = KEM public key || client ECDH public value
//	S_REPLY = KEM ciphertext || server ECDH public value
//	K       = HASH(K_PQ || K_CL), encoded as a string, not an mpint
//
// K_CL is the raw ECDH output: the 32-byte X25519 result or the 32-byte
// P-256 x-coordinate, always at full length (a leading zero byte stays).
type hybridAgreement struct {
	hash  crypto.Hash
	kem   kem
	ec    *ecdhAgreement
	ecLen int // length of an ECDH public value of this curve
	init  []byte
}

func newHybrid(h crypto.Hash, k kem, curve ecdh.Curve, p *Params) (*hybridAgreement, error) {
	ec, err := newECDH(curve, p)
	if err != nil {
		return nil, err
	}
	pub := ec.public()
	init := append(append([]byte(nil), k.public()...), pub...)
	return &hybridAgreement{hash: h, kem: k, ec: ec, ecLen: len(pub), init: init}, nil
}

func (a *hybridAgreement) public() []byte { return a.init }

func (a *hybridAgreement) shared(reply []byte) ([]byte, error) {
	ctLen := a.kem.ciphertextSize()
	if len(reply) != ctLen+a.ecLen {
		return nil, fmt.Errorf("%w: reply of %d bytes, want %d (ciphertext %d + public value %d)",
			ErrPeerValue, len(reply), ctLen+a.ecLen, ctLen, a.ecLen)
	}
	kpq, err := a.kem.decapsulate(reply[:ctLen])
	if err != nil {
		return nil, fmt.Errorf("%w: KEM ciphertext: %v", ErrPeerValue, err)
	}
	kcl, err := a.ec.secret(reply[ctLen:])
	if err != nil {
		return nil, err
	}
	d := a.hash.New()
	d.Write(kpq)
	d.Write(kcl)
	// K is a string here, not an mpint: the hybrid drafts hash the two
	// secrets and send the digest as-is, leading zero bytes included.
	return encodeHybridSecret(d.Sum(nil)), nil
}

// mlkem768 is ML-KEM-768 (FIPS 203) over crypto/mlkem.
type mlkem768 struct{ dk *mlkem.DecapsulationKey768 }

func (k mlkem768) public() []byte      { return k.dk.EncapsulationKey().Bytes() }
func (k mlkem768) ciphertextSize() int { return mlkem.CiphertextSize768 }
func (k mlkem768) decapsulate(ct []byte) ([]byte, error) {
	return k.dk.Decapsulate(ct)
}

// mlkemStart builds the Start function of an ML-KEM-768 hybrid
// (draft-ietf-sshm-mlkem-hybrid-kex: mlkem768x25519-sha256 and
// mlkem768nistp256-sha256). Its messages take the KEX_ECDH_INIT/REPLY
// numbers 30 and 31, there called KEX_HYBRID_INIT/REPLY.
func mlkemStart(name string, h crypto.Hash, curve ecdh.Curve) func(p *Params) (Client, error) {
	return func(p *Params) (Client, error) {
		// crypto/mlkem always draws from the system's secure source; Params.Rand
		// only feeds the ECDH half.
		dk, err := mlkem.GenerateKey768()
		if err != nil {
			return nil, fail(name, "key generation", err)
		}
		a, err := newHybrid(h, mlkem768{dk}, curve, p)
		if err != nil {
			return nil, fail(name, "key generation", err)
		}
		return &oneRound{method: name, hash: h, step: "KEX_HYBRID_REPLY", a: a}, nil
	}
}

// sntrupKEM is Streamlined NTRU Prime 761 over sshlib/internal/sntrup761.
type sntrupKEM struct{ pk, sk []byte }

func (k sntrupKEM) public() []byte      { return k.pk }
func (k sntrupKEM) ciphertextSize() int { return sntrup761.CiphertextSize }
func (k sntrupKEM) decapsulate(ct []byte) ([]byte, error) {
	return sntrup761.Decapsulate(k.sk, ct)
}

// sntrupStart builds the Start function of sntrup761x25519-sha512 (RFC 9941,
// formerly draft-ietf-sshm-ntruprime-ssh; OpenSSH's
// sntrup761x25519-sha512@openssh.com is the same method): C_INIT = pk ||
// X25519 public, S_REPLY = ct || X25519 public, K = string(SHA-512(ss ||
// X25519 output)), in the KEX_ECDH_INIT/REPLY messages.
func sntrupStart(name string) func(p *Params) (Client, error) {
	return func(p *Params) (Client, error) {
		pk, sk, err := sntrup761.GenerateKey(randReader(p))
		if err != nil {
			return nil, fail(name, "key generation", err)
		}
		a, err := newHybrid(crypto.SHA512, sntrupKEM{pk: pk, sk: sk}, ecdh.X25519(), p)
		if err != nil {
			return nil, fail(name, "key generation", err)
		}
		return &oneRound{method: name, hash: crypto.SHA512, step: "KEX_ECDH_REPLY", a: a}, nil
	}
}
