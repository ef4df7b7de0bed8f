package packet

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"io"
)

// AES-GCM as OpenSSH runs it (RFC 5647, OpenSSH PROTOCOL §1.6): the 4-byte
// packet_length is sent in the clear as the additional authenticated data,
// the rest of the packet is encrypted, the tag is 16 bytes, and the MAC
// negotiated alongside is ignored (RFC 5647 §5.1).

const gcmTagLen = 16

// gcmNonce is the 12-byte IV of RFC 5647 §7.1: a 4-byte fixed field and an
// 8-byte invocation counter, both from the KDF, the counter incremented after
// every packet. The sequence number is not part of it.
type gcmNonce [12]byte

func (n *gcmNonce) next() {
	binary.BigEndian.PutUint64(n[4:], binary.BigEndian.Uint64(n[4:])+1)
}

func newGCM(key, iv []byte) (cipher.AEAD, gcmNonce, error) {
	var n gcmNonce
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, n, err
	}
	aead, err := cipher.NewGCM(b)
	if err != nil {
		return nil, n, err
	}
	copy(n[:], iv)
	return aead, n, nil
}

type gcmSealer struct {
	aead  cipher.AEAD
	nonce gcmNonce
	rand  io.Reader
}

func (s *gcmSealer) Seal(dst []byte, seq uint32, payload []byte) ([]byte, error) {
	dst, pkt, err := frame(dst, seq, payload, aes.BlockSize, false, gcmTagLen, s.rand)
	if err != nil {
		return dst, err
	}
	// Sealing in place: the ciphertext and tag overwrite pkt[4:] and run
	// into the spare capacity frame reserved.
	s.aead.Seal(pkt[4:4], s.nonce[:], pkt[4:], pkt[:4])
	s.nonce.next()
	return dst[:len(dst)+gcmTagLen], nil
}

type gcmOpener struct {
	aead  cipher.AEAD
	nonce gcmNonce
	buf   rbuf
}

func (o *gcmOpener) Open(seq uint32, r io.Reader) ([]byte, error) {
	b, err := o.buf.read(r, seq, 0, 4)
	if err != nil {
		return nil, err
	}
	pl := binary.BigEndian.Uint32(b)
	if err := checkLen(pl, aes.BlockSize, false, seq); err != nil {
		return nil, err
	}
	n := 4 + int(pl)
	if b, err = o.buf.read(r, seq, 4, n+gcmTagLen); err != nil {
		return nil, err
	}
	if _, err := o.aead.Open(b[4:4], o.nonce[:], b[4:], b[:4]); err != nil {
		return nil, &Error{Op: "open", Seq: seq, Err: ErrMAC}
	}
	o.nonce.next()
	return payloadOf(b[:n], seq)
}

func gcmRow(name string, keyLen int) Cipher {
	return Cipher{
		Name: name, KeyLen: keyLen, IVLen: 12, BlockSize: aes.BlockSize, AEAD: true,
		Spec: "RFC 5647, OpenSSH PROTOCOL §1.6",
		newSealer: func(k Keys, _ *MAC, rand io.Reader) (Sealer, error) {
			aead, n, err := newGCM(k.Key, k.IV)
			if err != nil {
				return nil, err
			}
			return &gcmSealer{aead: aead, nonce: n, rand: rand}, nil
		},
		newOpener: func(k Keys, _ *MAC) (Opener, error) {
			aead, n, err := newGCM(k.Key, k.IV)
			if err != nil {
				return nil, err
			}
			return &gcmOpener{aead: aead, nonce: n}, nil
		},
	}
}
