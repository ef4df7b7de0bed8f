package packet

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
	"io"
)

// Block-cipher modes (CTR, CBC) and the "none" state, protected by a
// separate MAC (RFC 4253 §6.3, §6.4; RFC 4344 §4).

// crypter transforms whole blocks in place; cipher.Stream and
// cipher.BlockMode both keep their chaining state across calls, so a packet
// may be processed in pieces (first block, then the rest).
type crypter func(dst, src []byte)

type blockSealer struct {
	encrypt crypter // nil in the "none" state
	align   int
	mac     tagger // nil in the "none" state
	etm     bool
	rand    io.Reader
}

func (s *blockSealer) Seal(dst []byte, seq uint32, payload []byte) ([]byte, error) {
	tagLen := 0
	if s.mac != nil {
		tagLen = s.mac.size()
	}
	dst, pkt, err := frame(dst, seq, payload, s.align, !s.etm, tagLen, s.rand)
	if err != nil {
		return dst, err
	}
	switch {
	case s.mac == nil:
		if s.encrypt != nil {
			s.encrypt(pkt, pkt)
		}
	case s.etm:
		// OpenSSH PROTOCOL §1.7: the length stays in the clear, the MAC
		// covers seq || length || ciphertext.
		s.encrypt(pkt[4:], pkt[4:])
		dst = s.mac.appendTag(dst, seq, pkt)
	default:
		// RFC 4253 §6.4: mac = MAC(key, seq || unencrypted_packet). The tag
		// lands after pkt in dst's spare capacity, so pkt stays valid.
		dst = s.mac.appendTag(dst, seq, pkt)
		s.encrypt(pkt, pkt)
	}
	return dst, nil
}

type blockOpener struct {
	decrypt crypter // nil in the "none" state
	bs      int     // bytes to decrypt to learn the length: one cipher block
	align   int
	mac     tagger
	etm     bool
	buf     rbuf
	tag     []byte
}

func (o *blockOpener) Open(seq uint32, r io.Reader) ([]byte, error) {
	tagLen := 0
	if o.mac != nil {
		tagLen = o.mac.size()
	}
	if o.etm {
		b, err := o.buf.read(r, seq, 0, 4)
		if err != nil {
			return nil, err
		}
		pl := binary.BigEndian.Uint32(b)
		if err := checkLen(pl, o.align, false, seq); err != nil {
			return nil, err
		}
		n := 4 + int(pl)
		if b, err = o.buf.read(r, seq, 4, n+tagLen); err != nil {
			return nil, err
		}
		if !o.verify(seq, b[:n], b[n:]) {
			return nil, &Error{Op: "open", Seq: seq, Err: ErrMAC}
		}
		o.decrypt(b[4:n], b[4:n])
		return payloadOf(b[:n], seq)
	}
	// RFC 4253 §6: the length is encrypted, so decrypt the first block to
	// learn it, then the rest.
	b, err := o.buf.read(r, seq, 0, o.bs)
	if err != nil {
		return nil, err
	}
	if o.decrypt != nil {
		o.decrypt(b, b)
	}
	pl := binary.BigEndian.Uint32(b)
	if err := checkLen(pl, o.align, true, seq); err != nil {
		return nil, err
	}
	n := 4 + int(pl)
	if b, err = o.buf.read(r, seq, o.bs, n+tagLen); err != nil {
		return nil, err
	}
	if o.decrypt != nil {
		o.decrypt(b[o.bs:n], b[o.bs:n])
	}
	// padding_length is checked only after the MAC, so a forged packet
	// cannot tell padding errors from MAC errors apart.
	if o.mac != nil && !o.verify(seq, b[:n], b[n:]) {
		return nil, &Error{Op: "open", Seq: seq, Err: ErrMAC}
	}
	return payloadOf(b[:n], seq)
}

func (o *blockOpener) verify(seq uint32, data, tag []byte) bool {
	o.tag = o.mac.appendTag(o.tag[:0], seq, data)
	return subtle.ConstantTimeCompare(o.tag, tag) == 1
}

// NewPlainSealer returns the "none" protection used before the first
// NEWKEYS (RFC 4253 §6.3): no encryption, no MAC, block size 8.
func NewPlainSealer(rand io.Reader) Sealer {
	return &blockSealer{align: 8, rand: rand}
}

// NewPlainOpener is the receiving side of NewPlainSealer.
func NewPlainOpener() Opener {
	return &blockOpener{bs: 8, align: 8}
}

// blockRow builds a registry row for a block cipher in a non-AEAD mode.
// mode returns the encrypting and decrypting crypters for a key and IV.
func blockRow(name string, keyLen, ivLen, bs int, insecure bool, spec string,
	mode func(key, iv []byte) (enc, dec crypter, err error)) Cipher {
	return Cipher{
		Name: name, KeyLen: keyLen, IVLen: ivLen, BlockSize: bs, Insecure: insecure, Spec: spec,
		newSealer: func(k Keys, m *MAC, rand io.Reader) (Sealer, error) {
			enc, _, err := mode(k.Key, k.IV)
			if err != nil {
				return nil, err
			}
			tg, err := m.newTagger(k.MACKey)
			if err != nil {
				return nil, err
			}
			return &blockSealer{encrypt: enc, align: alignOf(bs), mac: tg, etm: m.ETM, rand: rand}, nil
		},
		newOpener: func(k Keys, m *MAC) (Opener, error) {
			_, dec, err := mode(k.Key, k.IV)
			if err != nil {
				return nil, err
			}
			tg, err := m.newTagger(k.MACKey)
			if err != nil {
				return nil, err
			}
			return &blockOpener{decrypt: dec, bs: bs, align: alignOf(bs), mac: tg, etm: m.ETM}, nil
		},
	}
}

// ctrMode is AES in counter mode with the IV as the initial counter block
// (RFC 4344 §4). Both directions use the same keystream operation.
func ctrMode(key, iv []byte) (crypter, crypter, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, nil, err
	}
	enc := cipher.NewCTR(b, iv).XORKeyStream
	dec := cipher.NewCTR(b, iv).XORKeyStream
	return enc, dec, nil
}

// cbcMode chains across packets: the IV of each packet is the last
// ciphertext block of the previous one (RFC 4253 §6.3).
func cbcMode(newBlock func([]byte) (cipher.Block, error)) func(key, iv []byte) (crypter, crypter, error) {
	return func(key, iv []byte) (crypter, crypter, error) {
		b, err := newBlock(key)
		if err != nil {
			return nil, nil, err
		}
		return cipher.NewCBCEncrypter(b, iv).CryptBlocks, cipher.NewCBCDecrypter(b, iv).CryptBlocks, nil
	}
}
