package packet

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash"
	"strings"
	"testing"

	"github.com/sshmatrix/sshmatrix/sshlib/internal/umac"
	"golang.org/x/crypto/chacha20"
	"golang.org/x/crypto/poly1305"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestChachaDraftVector is the worked example of
// draft-ietf-sshm-chacha20-poly1305-04, Appendix A (the IETF write-up of
// OpenSSH's PROTOCOL.chacha20poly1305): 64 bytes of key material, sequence
// number 7, one packet in the clear and the bytes sent.
func TestChachaDraftVector(t *testing.T) {
	key := unhex(t, "8bbff6855fc102338c373e73aac0c914f076a905b2444a32eecaffeae22becc5"+
		"e9b7a7a5825a8249346ec1c28301cf394543fc7569887d76e168f37562ac0740")
	clear := unhex(t, "00000048065e00000000000000384c6f72656d20697073756d20646f6c6f7220"+
		"73697420616d65742c20636f6e73656374657475722061646970697369636"+
		"96e6720656c69744e43e804dc6c")
	sent := unhex(t, "2c3ecce4a5bc05895bf07a7ba956b6c68829ac7c83b780b7000ecde745afc705"+
		"bbc378ce03a280236b87b53bed5839662302b164b6286a48cd1e097138e3cb90"+
		"9b8b2b829dd18d2a35ff82d995349e855bf02c298ef775f2d1a7e8b8")
	const seq = 7
	pad := int(clear[4])
	payload := clear[5 : len(clear)-pad]
	padding := clear[len(clear)-pad:]

	s, err := NewSealer("chacha20-poly1305@openssh.com", "", Keys{Key: key}, bytes.NewReader(padding))
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Seal(nil, seq, payload)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, sent) {
		t.Fatalf("Seal: %s\n got % x\nwant % x", hexDiff(got, sent), got, sent)
	}
	o, err := NewOpener("chacha20-poly1305@openssh.com", "", Keys{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	p, err := o.Open(seq, bytes.NewReader(sent))
	if err != nil || !bytes.Equal(p, payload) {
		t.Fatalf("Open = %x, %v; want %x", p, err, payload)
	}
	if _, err := o.Open(seq+1, bytes.NewReader(sent)); err == nil {
		t.Fatal("Open under seq 8 succeeded")
	}
}

// rederive builds the expected wire bytes of a sequence of packets straight
// from stdlib/x/crypto primitives, written from the specifications
// independently of the package's framing code. mutate, if not nil, edits
// each cleartext packet (length through padding) before protection.
func rederive(t *testing.T, p pair, k Keys, seq0 uint32, payloads [][]byte, padByte byte, mutate func([]byte)) []byte {
	t.Helper()
	name := p.c.Name
	var enc func(b []byte) // in place, stateful across packets
	var aead cipher.AEAD
	nonce := make([]byte, 12)
	align := 16
	switch {
	case strings.HasSuffix(name, "-ctr"):
		b, _ := aes.NewCipher(k.Key)
		s := cipher.NewCTR(b, k.IV)
		enc = func(x []byte) { s.XORKeyStream(x, x) }
	case name == "3des-cbc":
		b, _ := des.NewTripleDESCipher(k.Key)
		m := cipher.NewCBCEncrypter(b, k.IV)
		enc = func(x []byte) { m.CryptBlocks(x, x) }
		align = 8
	case strings.HasSuffix(name, "-cbc"):
		b, _ := aes.NewCipher(k.Key)
		m := cipher.NewCBCEncrypter(b, k.IV)
		enc = func(x []byte) { m.CryptBlocks(x, x) }
	case strings.HasSuffix(name, "-gcm@openssh.com"):
		b, _ := aes.NewCipher(k.Key)
		aead, _ = cipher.NewGCM(b)
		copy(nonce, k.IV)
	case name == "chacha20-poly1305@openssh.com":
		align = 8
	default:
		t.Fatalf("rederive: no recipe for %s", name)
	}
	// tagOf computes the MAC of RFC 4253 §6.4 over seq || data.
	var tagOf func(seq uint32, data []byte) []byte
	etm := false
	if p.m != nil {
		mn := p.m.Name
		etm = strings.HasSuffix(mn, "-etm@openssh.com")
		base := strings.TrimSuffix(mn, "-etm@openssh.com")
		switch base {
		case "umac-64@openssh.com", "umac-128@openssh.com", "umac-64", "umac-128":
			// UMAC with the sequence number as 8-byte big-endian nonce.
			n := 8
			if strings.HasPrefix(base, "umac-128") {
				n = 16
			}
			u, err := umac.New(k.MACKey, n)
			if err != nil {
				t.Fatal(err)
			}
			tagOf = func(seq uint32, data []byte) []byte {
				return u.AppendTag(nil, binary.BigEndian.AppendUint64(nil, uint64(seq)), data)
			}
		default:
			h := map[string]func() hash.Hash{"hmac-sha2-256": sha256.New, "hmac-sha2-512": sha512.New,
				"hmac-sha1": sha1.New, "hmac-md5": md5.New}[strings.TrimSuffix(base, "-96")]
			if h == nil {
				t.Fatalf("rederive: no recipe for %s", mn)
			}
			tagOf = func(seq uint32, data []byte) []byte {
				m := hmac.New(h, k.MACKey)
				m.Write(binary.BigEndian.AppendUint32(nil, seq))
				m.Write(data)
				tag := m.Sum(nil)
				if strings.HasSuffix(base, "-96") {
					tag = tag[:12]
				}
				return tag
			}
		}
	}
	lenOutside := etm || p.c.AEAD

	var out []byte
	for i, payload := range payloads {
		seq := seq0 + uint32(i)
		hdr := 5
		if lenOutside {
			hdr = 1
		}
		pad := align - (hdr+len(payload))%align
		if pad < 4 {
			pad += align
		}
		pkt := binary.BigEndian.AppendUint32(nil, uint32(1+len(payload)+pad))
		pkt = append(pkt, byte(pad))
		pkt = append(pkt, payload...)
		pkt = append(pkt, bytes.Repeat([]byte{padByte}, pad)...)
		if mutate != nil {
			mutate(pkt)
		}
		switch {
		case aead != nil:
			out = append(out, pkt[:4]...)
			out = aead.Seal(out, nonce, pkt[4:], pkt[:4])
			binary.BigEndian.PutUint64(nonce[4:], binary.BigEndian.Uint64(nonce[4:])+1)
		case name == "chacha20-poly1305@openssh.com":
			// K_2 = key[:32] for the packet, K_1 = key[32:] for the length;
			// nonce = seq; poly key = keystream block 0, packet from block 1.
			n := append(make([]byte, 4), binary.BigEndian.AppendUint64(nil, uint64(seq))...)
			lc, _ := chacha20.NewUnauthenticatedCipher(k.Key[32:], n)
			mc, _ := chacha20.NewUnauthenticatedCipher(k.Key[:32], n)
			ks := make([]byte, 64+len(pkt)-4)
			mc.XORKeyStream(ks, ks)
			c := make([]byte, len(pkt))
			lc.XORKeyStream(c[:4], pkt[:4])
			for j := 4; j < len(pkt); j++ {
				c[j] = pkt[j] ^ ks[64+j-4]
			}
			var tag [16]byte
			var pk [32]byte
			copy(pk[:], ks[:32])
			poly1305.Sum(&tag, c, &pk)
			out = append(append(out, c...), tag[:]...)
		case etm:
			enc(pkt[4:])
			out = append(append(out, pkt...), tagOf(seq, pkt)...)
		default:
			tag := tagOf(seq, pkt)
			enc(pkt)
			out = append(append(out, pkt...), tag...)
		}
	}
	return out
}

// TestRederive compares three consecutive packets of every registry pair
// with the independent re-derivation (chaining of CTR counters, CBC IVs and
// the GCM invocation counter across packets included), and opens them.
func TestRederive(t *testing.T) {
	payloads := [][]byte{seqBytes(0, 1), []byte("\x05\x00\x00\x00\x0cssh-userauth"), seqBytes(1000, 9)}
	const seq0 = 1<<32 - 2
	for _, p := range allPairs() {
		t.Run(p.name(), func(t *testing.T) {
			k := keysFor(p)
			want := rederive(t, p, k, seq0, payloads, 0x5c, nil)
			s, o := newPair(t, p, fixedReader{0x5c})
			var got []byte
			for i, pl := range payloads {
				var err error
				if got, err = s.Seal(got, seq0+uint32(i), pl); err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("wire bytes: %s", hexDiff(got, want))
			}
			r := bytes.NewReader(want)
			for i, pl := range payloads {
				g, err := o.Open(seq0+uint32(i), r)
				if err != nil || !bytes.Equal(g, pl) {
					t.Fatalf("packet %d: Open = %v", i, err)
				}
			}
		})
	}
}

// TestBadPadding sends correctly authenticated packets whose padding_length
// is below 4 or not below packet_length (RFC 4253 §6).
func TestBadPadding(t *testing.T) {
	cases := map[string]func([]byte){
		"padding 3":        func(b []byte) { b[4] = 3 },
		"padding 0":        func(b []byte) { b[4] = 0 },
		"padding = length": func(b []byte) { b[4] = byte(binary.BigEndian.Uint32(b)) },
		"padding > length": func(b []byte) { b[4] = 0xff },
	}
	for _, p := range onePerCipher("hmac-sha2-256") {
		for _, etm := range []string{"hmac-sha2-256", "hmac-sha1-etm@openssh.com"} {
			if p.m != nil {
				p.m, _ = LookupMAC(etm)
			} else if etm != "hmac-sha2-256" {
				continue
			}
			for cname, mut := range cases {
				t.Run(p.name()+"/"+cname, func(t *testing.T) {
					k := keysFor(p)
					wire := rederive(t, p, k, 3, [][]byte{seqBytes(5, 0)}, 0, mut)
					o, _ := NewOpener(p.c.Name, p.macName(), k)
					_, err := o.Open(3, bytes.NewReader(wire))
					if !errors.Is(err, ErrPadding) {
						t.Fatalf("Open = %v, want ErrPadding", err)
					}
				})
			}
		}
	}
	// The "none" state, where nothing hides the padding byte.
	o := NewPlainOpener()
	for _, w := range [][]byte{
		{0, 0, 0, 12, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11},
		{0, 0, 0, 12, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11},
	} {
		if _, err := o.Open(0, bytes.NewReader(w)); !errors.Is(err, ErrPadding) {
			t.Fatalf("plain % x: %v, want ErrPadding", w, err)
		}
	}
}
