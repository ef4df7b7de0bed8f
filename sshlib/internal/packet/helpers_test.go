package packet

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"testing"
)

// pair is one cipher × MAC combination; AEAD ciphers appear once, with no MAC.
type pair struct {
	c *Cipher
	m *MAC // nil for AEAD
}

func (p pair) name() string {
	if p.m == nil {
		return p.c.Name
	}
	return p.c.Name + "+" + p.m.Name
}

func (p pair) macName() string {
	if p.m == nil {
		return ""
	}
	return p.m.Name
}

func (p pair) tagLen() int {
	switch {
	case p.m != nil:
		return p.m.TagLen
	case p.c.Name == "chacha20-poly1305@openssh.com":
		return 16
	default:
		return 16 // GCM
	}
}

// lenInClear: the 4-byte length is sent unencrypted and outside the alignment.
func (p pair) lenInClear() bool { return p.c.AEAD || p.m.ETM }

// lenEncrypted: tampering the length field changes the decrypted length.
func (p pair) lenEncrypted() bool {
	return p.c.Name == "chacha20-poly1305@openssh.com" || (!p.c.AEAD && !p.m.ETM)
}

// allPairs iterates the registries: every cipher with every MAC.
func allPairs() []pair {
	var ps []pair
	for i := range Ciphers {
		c := &Ciphers[i]
		if c.AEAD {
			ps = append(ps, pair{c: c})
			continue
		}
		for j := range MACs {
			ps = append(ps, pair{c: c, m: &MACs[j]})
		}
	}
	return ps
}

// onePerCipher pairs each non-AEAD cipher with a single MAC.
func onePerCipher(mac string) []pair {
	m, _ := LookupMAC(mac)
	var ps []pair
	for i := range Ciphers {
		c := &Ciphers[i]
		if c.AEAD {
			ps = append(ps, pair{c: c})
		} else {
			ps = append(ps, pair{c: c, m: m})
		}
	}
	return ps
}

func seqBytes(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i*7)
	}
	return b
}

func keysFor(p pair) Keys {
	k := Keys{Key: seqBytes(p.c.KeyLen, 1), IV: seqBytes(p.c.IVLen, 101)}
	if p.m != nil {
		k.MACKey = seqBytes(p.m.KeyLen, 201)
	}
	return k
}

func newPair(t testing.TB, p pair, rnd io.Reader) (Sealer, Opener) {
	t.Helper()
	if rnd == nil {
		rnd = rand.Reader
	}
	k := keysFor(p)
	s, err := NewSealer(p.c.Name, p.macName(), k, rnd)
	if err != nil {
		t.Fatalf("%s: NewSealer: %v", p.name(), err)
	}
	o, err := NewOpener(p.c.Name, p.macName(), k)
	if err != nil {
		t.Fatalf("%s: NewOpener: %v", p.name(), err)
	}
	return s, o
}

// zeroReader gives deterministic "random" padding for known-answer tests.
type fixedReader struct{ b byte }

func (f fixedReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = f.b
	}
	return len(p), nil
}

// countReader counts the bytes taken from an endless source.
type countReader struct {
	src io.Reader
	n   int
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.src.Read(p)
	c.n += n
	return n, err
}

func mustSeal(t testing.TB, s Sealer, seq uint32, payload []byte) []byte {
	t.Helper()
	w, err := s.Seal(nil, seq, payload)
	if err != nil {
		t.Fatalf("Seal(seq %d, %d bytes): %v", seq, len(payload), err)
	}
	return w
}

func hexDiff(a, b []byte) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return fmt.Sprintf("first difference at byte %d (len %d vs %d)", i, len(a), len(b))
		}
	}
	if !bytes.Equal(a, b) {
		return fmt.Sprintf("lengths differ: %d vs %d", len(a), len(b))
	}
	return "equal"
}
