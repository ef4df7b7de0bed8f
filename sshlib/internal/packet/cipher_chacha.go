package packet

import (
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"io"

	"golang.org/x/crypto/chacha20"
	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/poly1305"
)

// chacha20-poly1305@openssh.com (OpenSSH PROTOCOL.chacha20poly1305). The
// 64-byte key is split: the first 32 bytes are K_2, the main key for the
// payload and the Poly1305 key; the last 32 are K_1, which only encrypts the
// 4-byte length. Both instances use the sequence number as a 64-bit
// big-endian nonce. The Poly1305 key is the first 32 bytes of K_2's block 0;
// the packet is encrypted from block 1; the tag covers the encrypted length
// and the ciphertext.
//
// x/crypto/chacha20 is the IETF variant (32-bit counter, 96-bit nonce).
// OpenSSH's original ChaCha20 has a 64-bit counter and 64-bit nonce; with
// the first 4 nonce bytes zero the two agree as long as the counter stays
// below 2^32 blocks, far above MaxPacketLen.
//
// Speed: the bulk of the packet is XORed with K_2's keystream from block 1
// through x/crypto's IETF chacha20poly1305 AEAD, whose Seal has assembly
// (chacha20 alone does not): with the nonce 0^4 || seq, Seal's keystream is
// exactly OpenSSH's. Seal also appends its own tag, which lands in the tag
// slot and is overwritten (sealing) or no longer needed (opening, after the
// OpenSSH tag was checked). XOR is its own inverse, so Seal decrypts too.

const chachaTagLen = poly1305.TagSize

type chachaKeys struct {
	main, length [32]byte
	nonce        [chacha20.NonceSize]byte
	polyKey      [32]byte
	tag          [chachaTagLen]byte
	bulk         cipher.AEAD // IETF ChaCha20-Poly1305 keyed with K_2, for its keystream
}

func newChachaKeys(key []byte) (*chachaKeys, error) {
	if len(key) != 64 {
		return nil, errors.New("key must be 64 bytes")
	}
	k := &chachaKeys{}
	copy(k.main[:], key[:32])
	copy(k.length[:], key[32:])
	aead, err := chacha20poly1305.New(k.main[:])
	if err != nil {
		return nil, err
	}
	k.bulk = aead
	return k, nil
}

// xorBulk XORs b (which must have chachaTagLen bytes of spare capacity:
// the tag slot) with K_2's keystream from block 1, in place.
func (k *chachaKeys) xorBulk(b []byte) {
	out := k.bulk.Seal(b[:0], k.nonce[:], b, nil)
	if len(b) > 0 && &out[0] != &b[0] {
		copy(b, out[:len(b)]) // Seal had to allocate: no spare capacity
	}
}

func (k *chachaKeys) setSeq(seq uint32) {
	binary.BigEndian.PutUint64(k.nonce[4:], uint64(seq))
}

// cryptLength en- or decrypts the 4-byte length with K_1 (counter 0).
func (k *chachaKeys) cryptLength(dst, src []byte) {
	c, _ := chacha20.NewUnauthenticatedCipher(k.length[:], k.nonce[:])
	c.XORKeyStream(dst[:4], src[:4])
}

// setPolyKey puts the first 32 bytes of K_2's block 0 in k.polyKey.
// (The ciphers are created where they are used, so that they stay on the
// stack: NewUnauthenticatedCipher is written to be inlined for that.)
func (k *chachaKeys) setPolyKey(c *chacha20.Cipher) {
	k.polyKey = [32]byte{}
	c.XORKeyStream(k.polyKey[:], k.polyKey[:])
	c.SetCounter(1)
}

type chachaSealer struct {
	k    *chachaKeys
	rand io.Reader
}

func (s *chachaSealer) Seal(dst []byte, seq uint32, payload []byte) ([]byte, error) {
	dst, pkt, err := frame(dst, seq, payload, 8, false, chachaTagLen, s.rand)
	if err != nil {
		return dst, err
	}
	k := s.k
	k.setSeq(seq)
	k.cryptLength(pkt, pkt)
	c, _ := chacha20.NewUnauthenticatedCipher(k.main[:], k.nonce[:])
	k.setPolyKey(c)
	k.xorBulk(pkt[4:])
	poly1305.Sum(&k.tag, pkt, &k.polyKey)
	return append(dst, k.tag[:]...), nil
}

type chachaOpener struct {
	k   *chachaKeys
	buf rbuf
}

func (o *chachaOpener) Open(seq uint32, r io.Reader) ([]byte, error) {
	b, err := o.buf.read(r, seq, 0, 4)
	if err != nil {
		return nil, err
	}
	k := o.k
	k.setSeq(seq)
	// Decrypt a copy: the tag is over the encrypted length.
	var lb [4]byte
	k.cryptLength(lb[:], b)
	pl := binary.BigEndian.Uint32(lb[:])
	if err := checkLen(pl, 8, false, seq); err != nil {
		return nil, err
	}
	n := 4 + int(pl)
	if b, err = o.buf.read(r, seq, 4, n+chachaTagLen); err != nil {
		return nil, err
	}
	c, _ := chacha20.NewUnauthenticatedCipher(k.main[:], k.nonce[:])
	k.setPolyKey(c)
	poly1305.Sum(&k.tag, b[:n], &k.polyKey)
	if subtle.ConstantTimeCompare(k.tag[:], b[n:]) != 1 {
		return nil, &Error{Op: "open", Seq: seq, Err: ErrMAC}
	}
	k.xorBulk(b[4:n]) // overwrites the checked tag at b[n:], which is no longer needed
	copy(b, lb[:])
	return payloadOf(b[:n], seq)
}

var chachaRow = Cipher{
	Name: "chacha20-poly1305@openssh.com", KeyLen: 64, IVLen: 0, BlockSize: 8, AEAD: true,
	Spec: "OpenSSH PROTOCOL.chacha20poly1305",
	newSealer: func(k Keys, _ *MAC, rand io.Reader) (Sealer, error) {
		ck, err := newChachaKeys(k.Key)
		if err != nil {
			return nil, err
		}
		return &chachaSealer{k: ck, rand: rand}, nil
	},
	newOpener: func(k Keys, _ *MAC) (Opener, error) {
		ck, err := newChachaKeys(k.Key)
		if err != nil {
			return nil, err
		}
		return &chachaOpener{k: ck}, nil
	},
}
