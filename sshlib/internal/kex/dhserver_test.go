package kex

import (
	"crypto"
	"crypto/rand"
	"encoding/binary"
	"math/big"
	"sync"
	"testing"
)

// tPi returns floor(pi * 2^prec) by Machin's formula,
// pi = 16 arctan(1/5) - 4 arctan(1/239).
func tPi(prec uint) *big.Int {
	atanInv := func(x int64) *big.Int {
		xx := big.NewInt(x * x)
		term := new(big.Int).Div(new(big.Int).Lsh(big.NewInt(1), prec), big.NewInt(x))
		s := new(big.Int).Set(term)
		for n := int64(1); term.Sign() != 0; n++ {
			term.Div(term, xx)
			t := new(big.Int).Div(term, big.NewInt(2*n+1))
			if n%2 == 1 {
				s.Sub(s, t)
			} else {
				s.Add(s, t)
			}
		}
		return s
	}
	pi := new(big.Int).Mul(big.NewInt(16), atanInv(5))
	return pi.Sub(pi, new(big.Int).Mul(big.NewInt(4), atanInv(239)))
}

// tModp derives the MODP prime of RFC 2409 §6 / RFC 3526:
// p = 2^n - 2^(n-64) - 1 + 2^64 * (floor(2^(n-130) * pi) + k).
var tModp = sync.OnceValue(func() map[int]*big.Int {
	const guard = 64
	prec := uint(8192 + guard)
	pi := tPi(prec)
	ks := map[int]int64{1024: 129093, 2048: 124476, 3072: 1690314, 4096: 240904, 8192: 4743158}
	out := map[int]*big.Int{}
	for n, k := range ks {
		f := new(big.Int).Rsh(pi, prec-uint(n-130))
		f.Add(f, big.NewInt(k))
		p := new(big.Int).Lsh(big.NewInt(1), uint(n))
		p.Sub(p, new(big.Int).Lsh(big.NewInt(1), uint(n-64)))
		p.Sub(p, big.NewInt(1))
		out[n] = p.Add(p, new(big.Int).Lsh(f, 64))
	}
	return out
})

// dhServer is the server side of RFC 4253 §8 (fixed groups) or, with gex
// set, of RFC 4419 §3.
type dhServer struct {
	hash crypto.Hash
	p    *big.Int // fixed group, or the group a GEX server offers
	g    *big.Int
	gex  bool
	o    srvOpts
	// for GEX: what the client asked for, and overrides for negative tests
	req []byte // min || n || max as received
	// rawGroup, when set, is sent as the body of KEX_DH_GEX_GROUP.
	rawGroup []byte
	bits     [3]uint32
	k, h     []byte
}

func newDHServer(h crypto.Hash, bits int, o srvOpts) *dhServer {
	return &dhServer{hash: h, p: tModp()[bits], g: big.NewInt(2), o: o}
}

// newGexServer offers the 2048-bit MODP group: the smallest the client accepts
// by default, which keeps the client's safe-prime check cheap in tests.
func newGexServer(h crypto.Hash, o srvOpts) *dhServer {
	return &dhServer{hash: h, p: tModp()[2048], g: big.NewInt(2), gex: true, o: o}
}

func (s *dhServer) handle(t testing.TB, msg []byte) [][]byte {
	if len(msg) == 0 {
		t.Fatal("test server: empty packet")
	}
	switch {
	case s.gex && msg[0] == 34: // KEX_DH_GEX_REQUEST
		if len(msg) != 13 {
			t.Fatalf("test server: GEX_REQUEST of %d bytes", len(msg))
		}
		s.req = msg[1:13]
		for i := range s.bits {
			s.bits[i] = binary.BigEndian.Uint32(s.req[4*i:])
		}
		if s.rawGroup != nil {
			return [][]byte{append([]byte{31}, s.rawGroup...)}
		}
		p := []byte{31}
		p = append(p, tMPInt(s.p)...)
		return [][]byte{append(p, tMPInt(s.g)...)}
	case s.gex && msg[0] == 32, !s.gex && msg[0] == 30: // GEX_INIT, KEXDH_INIT
		eb, rest := tReadString(t, msg[1:])
		if len(rest) != 0 {
			t.Fatal("test server: trailing bytes after e")
		}
		e := new(big.Int).SetBytes(eb)
		if len(eb) > 0 && eb[0]&0x80 != 0 || e.Cmp(big.NewInt(1)) <= 0 || e.Cmp(s.p) >= 0 {
			t.Fatalf("test server: client e out of range")
		}
		var f, k *big.Int
		for {
			y, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 384))
			f = new(big.Int).Exp(s.g, y, s.p)
			k = new(big.Int).Exp(e, y, s.p)
			// zeroSecret: K's fixed-length (|p| bytes) form starts with a zero byte.
			if !s.o.zeroSecret || k.BitLen() <= (s.p.BitLen()+7)/8*8-8 {
				break
			}
		}
		fw := tMPInt(f)
		if s.o.pub != nil {
			fw = s.o.pub // an encoded mpint
		}
		s.k = tMPInt(k)
		parts := tPrefix()
		if s.gex {
			parts = append(parts, s.req, tMPInt(s.p), tMPInt(s.g))
		}
		parts = append(parts, tMPInt(e), fw, s.k)
		s.h = tHash(s.hash, parts...)
		p := []byte{31}
		if s.gex {
			p[0] = 33
		}
		p = append(p, tString(testHostKey)...)
		p = append(p, fw...)
		return [][]byte{append(p, tString(testSig)...)}
	}
	t.Fatalf("test server: unexpected message %d", msg[0])
	return nil
}

func (s *dhServer) want() ([]byte, []byte) { return s.k, s.h }
