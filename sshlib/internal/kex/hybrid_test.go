package kex

import (
	"crypto/ecdh"
	"crypto/rand"
	"testing"
)

// TestHybridLeadingZeroK steers the hybrid K (a hash output) to start with a
// zero byte: as a string it keeps all its bytes (erlang/otp #11208 encoded
// it as a trimmed mpint and failed 1 in 256 connections).
func TestHybridLeadingZeroK(t *testing.T) {
	n := 0
	for i := range Methods {
		m := &Methods[i]
		if !m.StringSecret {
			continue
		}
		n++
		t.Run(m.Name, func(t *testing.T) {
			srv := newSrv(t, m.Name, srvOpts{zeroK: true})
			res, err := runExchange(t, m, srv, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkResult(t, m, srv, res)
			size := m.Hash.Size()
			if len(res.K) != 4+size || res.K[3] != byte(size) || res.K[4] != 0 {
				t.Errorf("K = %x: want a %d-byte string starting with 0", res.K, size)
			}
		})
	}
	if n == 0 {
		t.Fatal("no StringSecret rows")
	}
}

// TestHybridBadReply sends replies of the wrong length and with bad
// classical public values.
func TestHybridBadReply(t *testing.T) {
	rnd := func(n int) []byte { b := make([]byte, n); rand.Read(b); return b }
	p256 := func() []byte { k, _ := ecdh.P256().GenerateKey(nil); return k.PublicKey().Bytes() }
	offCurve := p256()
	offCurve[64] ^= 1
	x := func(b ...[]byte) []byte {
		var out []byte
		for _, p := range b {
			out = append(out, p...)
		}
		return out
	}
	cases := map[string][][]byte{
		"mlkem768x25519-sha256": {
			{}, rnd(1088), rnd(1088 + 31), rnd(1088 + 33),
			x(rnd(1088), make([]byte, 32)), // all-zero X25519 result
		},
		"mlkem768nistp256-sha256": {
			{}, rnd(1088 + 64), rnd(1088 + 66),
			x(rnd(1088), offCurve),
			x(rnd(1088), make([]byte, 65)),
			x(rnd(1087), p256()), x(rnd(1089), p256()),
		},
		"sntrup761x25519-sha512": {
			{}, rnd(1039), rnd(1039 + 31), rnd(1039 + 33), rnd(1088 + 32),
			x(rnd(1039), make([]byte, 32)),
		},
	}
	cases["sntrup761x25519-sha512@openssh.com"] = cases["sntrup761x25519-sha512"]
	for name, replies := range cases {
		m, ok := Lookup(name)
		if !ok {
			t.Fatalf("no row %s", name)
		}
		for _, r := range replies {
			_, err := runExchange(t, m, newSrv(t, name, srvOpts{pub: r}), nil)
			if err == nil {
				t.Fatalf("%s: S_REPLY of %d bytes accepted", name, len(r))
			}
			checkKexError(t, m, err, ErrPeerValue)
		}
	}
}
