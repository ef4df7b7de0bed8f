package sshlib

import (
	"crypto"

	"github.com/sshmatrix/sshmatrix/sshlib/internal/packet"
)

// deriveKey computes one key of RFC 4253 §7.2:
//
//	K1 = HASH(K || H || X || session_id)
//	Kn = HASH(K || H || K1 || ... || K(n-1))
//	key = K1 || K2 || ...  truncated to n bytes
//
// K is the shared secret exactly as encoded in the exchange hash (an mpint
// for DH/ECDH/X25519, a string for the hybrid post-quantum methods), and
// HASH is the negotiated key exchange's hash, never the MAC's (the bug this
// project exists to catch, see ../shared/reference/past-bugs.md).
func deriveKey(h crypto.Hash, K, H []byte, letter byte, sessionID []byte, n int) []byte {
	if n == 0 {
		return nil
	}
	out := make([]byte, 0, n+h.Size())
	d := h.New()
	d.Write(K)
	d.Write(H)
	d.Write([]byte{letter})
	d.Write(sessionID)
	out = d.Sum(out)
	for len(out) < n {
		d.Reset()
		d.Write(K)
		d.Write(H)
		d.Write(faultExtensionInput(out, h.Size()))
		out = d.Sum(out)
	}
	return out[:n]
}

// sessionKeys are both directions' keys of one key exchange.
type sessionKeys struct {
	c2s, s2c packet.Keys
}

// deriveSessionKeys derives the six keys for the negotiated algorithms
// (RFC 4253 §7.2 letters A..F).
func deriveSessionKeys(h crypto.Hash, K, H, sessionID []byte, algs *algorithms) (*sessionKeys, error) {
	sizes := func(d DirectionAlgorithms) (iv, key, mac int, err error) {
		c, ok := packet.LookupCipher(d.Cipher)
		if !ok {
			return 0, 0, 0, &UnknownAlgorithmError{Class: ClassCipher, Name: d.Cipher}
		}
		iv, key = c.IVLen, c.KeyLen
		if d.MAC != "" {
			m, ok := packet.LookupMAC(d.MAC)
			if !ok {
				return 0, 0, 0, &UnknownAlgorithmError{Class: ClassMAC, Name: d.MAC}
			}
			mac = m.KeyLen
		}
		return iv, key, mac, nil
	}
	ivC, keyC, macC, err := sizes(algs.c2s)
	if err != nil {
		return nil, err
	}
	ivS, keyS, macS, err := sizes(algs.s2c)
	if err != nil {
		return nil, err
	}
	h = faultKDFHash(h, algs.c2s.MAC)
	return &sessionKeys{
		c2s: packet.Keys{
			IV:     deriveKey(h, K, H, 'A', sessionID, ivC),
			Key:    deriveKey(h, K, H, 'C', sessionID, keyC),
			MACKey: deriveKey(h, K, H, 'E', sessionID, macC),
		},
		s2c: packet.Keys{
			IV:     deriveKey(h, K, H, 'B', sessionID, ivS),
			Key:    deriveKey(h, K, H, 'D', sessionID, keyS),
			MACKey: deriveKey(h, K, H, 'F', sessionID, macS),
		},
	}, nil
}
