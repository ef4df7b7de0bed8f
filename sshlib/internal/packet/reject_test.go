package packet

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
)

// TestTamper flips one bit in every byte of a sealed packet: length, body
// and tag. Body and tag changes must fail authentication. A changed length
// is either rejected as a length (it is checked before the MAC can be) or,
// when it is still plausible, fails authentication over the bytes it
// covers; trailing bytes are supplied so a longer length does not end in EOF.
func TestTamper(t *testing.T) {
	trailer := make([]byte, 70000)
	rand.Read(trailer)
	for _, p := range allPairs() {
		t.Run(p.name(), func(t *testing.T) {
			s, _ := newPair(t, p, nil)
			wire := mustSeal(t, s, 42, seqBytes(100, 0))
			for i := range wire {
				for _, bit := range []byte{0x01, 0x80} {
					bad := append(append([]byte(nil), wire...), trailer...)
					bad[i] ^= bit
					_, o := newPair(t, p, nil)
					_, err := o.Open(42, bytes.NewReader(bad))
					switch {
					case errors.Is(err, ErrMAC):
					case i < 4 && errors.Is(err, ErrLength):
					case p.c.BlockSize > 0 && i < p.c.BlockSize && p.lenEncrypted() && errors.Is(err, ErrLength):
						// CBC: a changed first block garbles the whole decrypted block.
					default:
						t.Fatalf("byte %d ^ %#x: Open = %v, want ErrMAC", i, bit, err)
					}
				}
			}
		})
	}
}

// TestWrongSeq opens a packet under the wrong sequence number. GCM does not
// use the sequence number (RFC 5647 §7.1: its nonce is an invocation
// counter), so for it the test skips a packet instead.
func TestWrongSeq(t *testing.T) {
	for _, p := range allPairs() {
		t.Run(p.name(), func(t *testing.T) {
			s, o := newPair(t, p, nil)
			first := mustSeal(t, s, 9, seqBytes(50, 0))
			second := mustSeal(t, s, 10, seqBytes(50, 1))
			var err error
			if strings.Contains(p.c.Name, "-gcm") {
				_, err = o.Open(10, bytes.NewReader(second))
			} else {
				_, err = o.Open(10, bytes.NewReader(first))
			}
			if !errors.Is(err, ErrMAC) && !(p.c.Name == "chacha20-poly1305@openssh.com" && errors.Is(err, ErrLength)) {
				t.Fatalf("Open = %v, want ErrMAC", err)
			}
		})
	}
}

// encryptedLength returns the first bytes of a packet whose length field
// decrypts to pl under p's keys, built with the primitives directly.
func encryptedLength(t *testing.T, p pair, pl uint32) []byte {
	k := keysFor(p)
	first := make([]byte, max(8, p.c.BlockSize))
	binary.BigEndian.PutUint32(first, pl)
	first[4] = 4
	switch {
	case p.lenInClear() && p.c.Name != "chacha20-poly1305@openssh.com":
		return first[:4]
	case p.c.Name == "chacha20-poly1305@openssh.com":
		// The length is a XOR with K_1's keystream: learn it from a real packet.
		s, _ := newPair(t, p, nil)
		w := mustSeal(t, s, 0, nil)
		real := binary.BigEndian.Uint32(rederive(t, p, k, 0, [][]byte{nil}, 0, func(b []byte) {
			binary.BigEndian.PutUint32(b, 0)
		})[:4]) // keystream of the length under seq 0
		binary.BigEndian.PutUint32(w, pl^real)
		return w[:4]
	case strings.HasSuffix(p.c.Name, "-ctr"):
		b, _ := aes.NewCipher(k.Key)
		cipher.NewCTR(b, k.IV).XORKeyStream(first, first)
	case p.c.Name == "3des-cbc":
		b, _ := des.NewTripleDESCipher(k.Key)
		cipher.NewCBCEncrypter(b, k.IV).CryptBlocks(first, first)
	case strings.HasSuffix(p.c.Name, "-cbc"):
		b, _ := aes.NewCipher(k.Key)
		cipher.NewCBCEncrypter(b, k.IV).CryptBlocks(first, first)
	default:
		t.Fatalf("no recipe for %s", p.name())
	}
	return first
}

// TestGarbageLength feeds a packet_length of 0x7ffffff0 (and other bad
// lengths) followed by an endless source: the opener must reject it after
// the first block, without reading on and without allocating for it.
func TestGarbageLength(t *testing.T) {
	lengths := []uint32{0x7ffffff0, 0xffffffff, MaxPacketLen + 16, 0, 3, 17}
	for _, p := range onePerCipher("hmac-sha2-256") {
		for _, mac := range []string{"hmac-sha2-256", "hmac-sha2-256-etm@openssh.com"} {
			if p.m != nil {
				p.m, _ = LookupMAC(mac)
			} else if mac != "hmac-sha2-256" {
				continue
			}
			t.Run(p.name(), func(t *testing.T) {
				for _, pl := range lengths {
					head := encryptedLength(t, p, pl)
					_, o := newPair(t, p, nil)
					cr := &countReader{src: io.MultiReader(bytes.NewReader(head), rand.Reader)}
					_, err := o.Open(0, cr)
					if !errors.Is(err, ErrLength) {
						t.Fatalf("length %#x: Open = %v, want ErrLength", pl, err)
					}
					if cr.n > len(head) {
						t.Fatalf("length %#x: read %d bytes, want at most %d", pl, cr.n, len(head))
					}
					allocs := testing.AllocsPerRun(20, func() {
						o.Open(0, bytes.NewReader(head))
					})
					if allocs > 2 { // the *Error and nothing sized by the peer
						t.Fatalf("length %#x: %v allocations per rejected packet", pl, allocs)
					}
				}
			})
		}
	}
	o := NewPlainOpener()
	for _, pl := range lengths {
		head := binary.BigEndian.AppendUint32(nil, pl)
		head = append(head, 4, 0, 0, 0)
		if _, err := o.Open(0, bytes.NewReader(head)); !errors.Is(err, ErrLength) {
			t.Fatalf("plain, length %#x: %v", pl, err)
		}
	}
}

// TestTruncated cuts a packet short at every length: at 0 bytes that is a
// clean io.EOF, anywhere else io.ErrUnexpectedEOF.
func TestTruncated(t *testing.T) {
	for _, p := range onePerCipher("hmac-sha2-512-etm@openssh.com") {
		t.Run(p.name(), func(t *testing.T) {
			s, o := newPair(t, p, nil)
			wire := mustSeal(t, s, 1, seqBytes(70, 0))
			for n := range len(wire) {
				_, err := o.Open(1, bytes.NewReader(wire[:n]))
				var pe *Error
				want := io.ErrUnexpectedEOF
				if n == 0 {
					want = io.EOF
				}
				if !errors.As(err, &pe) || !errors.Is(err, want) {
					t.Fatalf("cut at %d of %d: Open = %v, want *Error wrapping %v", n, len(wire), err, want)
				}
			}
		})
	}
}

// TestKeyLengths checks that the row's KeyLen/IVLen/MAC KeyLen are exactly
// what the constructors accept, and that any other length is ErrKeySize.
func TestKeyLengths(t *testing.T) {
	for _, p := range allPairs() {
		t.Run(p.name(), func(t *testing.T) {
			good := keysFor(p)
			if _, err := NewSealer(p.c.Name, p.macName(), good, rand.Reader); err != nil {
				t.Fatalf("NewSealer with declared lengths: %v", err)
			}
			if _, err := NewOpener(p.c.Name, p.macName(), good); err != nil {
				t.Fatalf("NewOpener with declared lengths: %v", err)
			}
			// The row constructors themselves accept exactly these lengths.
			if _, err := p.c.newSealer(good, p.m, rand.Reader); err != nil {
				t.Fatalf("row newSealer: %v", err)
			}
			bad := []Keys{
				{Key: good.Key[:len(good.Key)-1], IV: good.IV, MACKey: good.MACKey},
				{Key: append(good.Key, 0), IV: good.IV, MACKey: good.MACKey},
				{Key: good.Key, IV: append(good.IV, 0), MACKey: good.MACKey},
			}
			if len(good.IV) > 0 {
				bad = append(bad, Keys{Key: good.Key, IV: good.IV[1:], MACKey: good.MACKey})
			}
			if p.m != nil {
				bad = append(bad, Keys{Key: good.Key, IV: good.IV, MACKey: good.MACKey[1:]},
					Keys{Key: good.Key, IV: good.IV, MACKey: append(good.MACKey, 0)})
			}
			for i, k := range bad {
				if _, err := NewSealer(p.c.Name, p.macName(), k, rand.Reader); !errors.Is(err, ErrKeySize) {
					t.Errorf("bad keys %d: NewSealer = %v, want ErrKeySize", i, err)
				}
				if _, err := NewOpener(p.c.Name, p.macName(), k); !errors.Is(err, ErrKeySize) {
					t.Errorf("bad keys %d: NewOpener = %v, want ErrKeySize", i, err)
				}
			}
		})
	}
	if _, err := NewSealer("aes128-ctr", "hmac-sha3", Keys{Key: make([]byte, 16), IV: make([]byte, 16)}, rand.Reader); !errors.Is(err, ErrUnknown) {
		t.Errorf("unknown MAC: %v", err)
	}
	if _, err := NewOpener("rc4", "hmac-sha1", Keys{}); !errors.Is(err, ErrUnknown) {
		t.Errorf("unknown cipher: %v", err)
	}
}

// TestRegistry pins the exact set of rows and their security flags.
func TestRegistry(t *testing.T) {
	wantCiphers := map[string]bool{ // name -> Insecure
		"aes128-ctr": false, "aes192-ctr": false, "aes256-ctr": false,
		"aes128-gcm@openssh.com": false, "aes256-gcm@openssh.com": false,
		"chacha20-poly1305@openssh.com": false,
		// Legacy: CBC (RFC 4253 §6.3) and 3DES.
		"aes128-cbc": true,
		"aes192-cbc": true,
		"aes256-cbc": true,
		"3des-cbc":   true,
	}
	wantMACs := map[string]bool{}
	for n, ins := range map[string]bool{
		"hmac-sha2-256": false, "hmac-sha2-512": false,
		"hmac-sha1": true, "hmac-sha1-96": true, "hmac-md5": true, "hmac-md5-96": true,
	} {
		wantMACs[n] = ins
		wantMACs[n+"-etm@openssh.com"] = ins
	}
	for _, n := range expectedUMACs {
		wantMACs[n] = false
	}
	if len(Ciphers) != len(wantCiphers) {
		t.Errorf("%d ciphers, want %d", len(Ciphers), len(wantCiphers))
	}
	for _, c := range Ciphers {
		ins, ok := wantCiphers[c.Name]
		if !ok || ins != c.Insecure || c.Spec == "" || c.newSealer == nil || c.newOpener == nil {
			t.Errorf("cipher row %q: unexpected, Insecure=%v, or incomplete", c.Name, c.Insecure)
		}
		if got, _ := LookupCipher(c.Name); got == nil || got.Name != c.Name {
			t.Errorf("LookupCipher(%q) failed", c.Name)
		}
	}
	if len(MACs) != len(wantMACs) {
		t.Errorf("%d MACs, want %d", len(MACs), len(wantMACs))
	}
	for _, m := range MACs {
		ins, ok := wantMACs[m.Name]
		if !ok || ins != m.Insecure || m.Spec == "" || m.newTagger == nil ||
			m.ETM != strings.HasSuffix(m.Name, "-etm@openssh.com") {
			t.Errorf("MAC row %q: unexpected, Insecure=%v, or incomplete", m.Name, m.Insecure)
		}
		if tg, err := m.newTagger(make([]byte, m.KeyLen)); err != nil || tg.size() != m.TagLen {
			t.Errorf("MAC %q: tagger size %d, row TagLen %d", m.Name, tg.size(), m.TagLen)
		}
		if got, _ := LookupMAC(m.Name); got == nil || got.Name != m.Name {
			t.Errorf("LookupMAC(%q) failed", m.Name)
		}
	}
}

// TestNoAllocs: in steady state Seal and Open do not allocate.
func TestNoAllocs(t *testing.T) {
	payload := seqBytes(1024, 0)
	for _, p := range allPairs() {
		t.Run(p.name(), func(t *testing.T) {
			s, o := newPair(t, p, nil)
			buf := make([]byte, 0, 4096)
			var seq uint32
			var wire []byte
			r := bytes.NewReader(nil)
			roundTrip := func() {
				wire, _ = s.Seal(buf[:0], seq, payload)
				r.Reset(wire)
				if _, err := o.Open(seq, r); err != nil {
					t.Fatal(err)
				}
				seq++
			}
			roundTrip() // warm up the opener's buffer
			if a := testing.AllocsPerRun(50, roundTrip); a != 0 {
				t.Fatalf("%v allocations per Seal+Open", a)
			}
		})
	}
}
