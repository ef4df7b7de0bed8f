package kex

import (
	"crypto"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/sshmatrix/sshmatrix/sshlib/internal/wire"
)

// dhGroup is a finite-field group: prime p and generator g.
type dhGroup struct {
	p, g *big.Int
}

func mustGroup(hex string) *dhGroup {
	p, ok := new(big.Int).SetString(hex, 16)
	if !ok {
		panic("kex: bad group constant")
	}
	return &dhGroup{p: p, g: big.NewInt(2)}
}

var (
	group1  = mustGroup(oakleyGroup2Hex)
	group14 = mustGroup(modp2048Hex)
	group16 = mustGroup(modp4096Hex)
	group18 = mustGroup(modp8192Hex)
)

// exponentBits is the size of the private exponent x. RFC 4253 §8 asks for
// 1 < x < q; a full-size x is not needed for security, only twice the
// strength wanted (NIST SP 800-56A: 2×security bits). 512 bits serve the
// 256-bit symmetric ciphers and keep the client's modular exponentiation
// cheap even in the 8192-bit group.
const exponentBits = 512

var one = big.NewInt(1)

// newExponent draws x with 2 <= x < 2^bits, bits = min(exponentBits, |p|-2),
// and returns x and e = g^x mod p.
func (grp *dhGroup) newExponent(rand io.Reader) (x, e *big.Int, err error) {
	bits := min(exponentBits, grp.p.BitLen()-2)
	buf := make([]byte, (bits+7)/8)
	// A reader that keeps returning x < 2 is broken; give up after a few draws.
	for range 16 {
		if _, err := io.ReadFull(rand, buf); err != nil {
			return nil, nil, err
		}
		if extra := len(buf)*8 - bits; extra > 0 {
			buf[0] &= 0xff >> extra
		}
		x = new(big.Int).SetBytes(buf)
		if x.Cmp(one) > 0 {
			return x, new(big.Int).Exp(grp.g, x, grp.p), nil
		}
	}
	return nil, nil, errors.New("random source returned no usable exponent")
}

// checkPublic enforces RFC 4253 §8: values not in [1, p-1] MUST NOT be
// accepted. We also refuse 1 and p-1, whose powers are 1 or ±1 (the subgroup
// of order 2) and would make K guessable.
func (grp *dhGroup) checkPublic(f *big.Int) error {
	pm1 := new(big.Int).Sub(grp.p, one)
	if f.Cmp(one) <= 0 || f.Cmp(pm1) >= 0 {
		return fmt.Errorf("%w: f outside (1, p-1)", ErrPeerValue)
	}
	return nil
}

// dhReply parses the server's reply, whose layout is the same for
// KEXDH_REPLY (RFC 4253 §8) and KEX_DH_GEX_REPLY (RFC 4419 §3):
//
//	string K_S, mpint f, string signature
func dhReply(r *wire.Reader) (hostKey []byte, f *big.Int, sig []byte, err error) {
	hostKey = r.String("K_S")
	f = r.MPInt("f")
	sig = r.String("signature")
	if err := r.Done("signature"); err != nil {
		return nil, nil, nil, err
	}
	return hostKey, f, sig, nil
}

// dhClient is diffie-hellman-group* (RFC 4253 §8, RFC 8268).
type dhClient struct {
	method string
	hash   crypto.Hash
	grp    *dhGroup
	x, e   *big.Int
}

func dhStart(name string, h crypto.Hash, grp *dhGroup) func(p *Params) (Client, error) {
	return func(p *Params) (Client, error) {
		x, e, err := grp.newExponent(randReader(p))
		if err != nil {
			return nil, fail(name, "key generation", err)
		}
		return &dhClient{method: name, hash: h, grp: grp, x: x, e: e}, nil
	}
}

// First is SSH_MSG_KEXDH_INIT: byte 30, mpint e.
func (d *dhClient) First() []byte {
	return wire.NewBuilder(nil).Byte(msgKexDHInit).MPInt(d.e).Bytes()
}

// Finish reads SSH_MSG_KEXDH_REPLY and computes
// H = hash(V_C || V_S || I_C || I_S || K_S || e || f || K) (RFC 4253 §8).
func (d *dhClient) Finish(c Conn, m *Magics) (*Result, error) {
	const step = "KEXDH_REPLY"
	if m == nil {
		return nil, fail(d.method, step, errNoMagics)
	}
	r, err := expect(c, msgKexDHReply)
	if err != nil {
		return nil, fail(d.method, step, err)
	}
	hostKey, f, sig, err := dhReply(r)
	if err != nil {
		return nil, fail(d.method, step, err)
	}
	if err := d.grp.checkPublic(f); err != nil {
		return nil, fail(d.method, step, err)
	}
	k := wire.AppendMPInt(nil, new(big.Int).Exp(f, d.x, d.grp.p))
	b := hashPrefix(m, hostKey).MPInt(d.e).MPInt(f).Raw(k)
	return &Result{H: sum(d.hash, b.Bytes()), K: k, HostKey: hostKey, Signature: sig, Hash: d.hash}, nil
}
