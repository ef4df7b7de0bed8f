package umac

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"fmt"
)

// Sizes from RFC 4418 §2 (AES-128 as the block cipher).
const (
	keyLen   = 16   // KEYLEN: the UMAC key and every derived AES key
	blockLen = 16   // BLOCKLEN of AES
	l1KeyLen = 1024 // bytes of L1 key per iteration; also the L1 chunk size
	maxIters = 4    // UMAC-128: four 32-bit UHASH iterations
)

// KeySizeError reports a UMAC key that is not 16 bytes (RFC 4418 §2 fixes
// KEYLEN at 16 for AES-128).
type KeySizeError int

func (e KeySizeError) Error() string {
	return fmt.Sprintf("sshlib: umac: key is %d bytes, want %d", int(e), keyLen)
}

// TagSizeError reports a tag length this package does not offer: OpenSSH
// uses only UMAC-64 and UMAC-128 (8 and 16 bytes).
type TagSizeError int

func (e TagSizeError) Error() string {
	return fmt.Sprintf("sshlib: umac: tag length %d bytes not supported, want 8 or 16", int(e))
}

// MAC computes UMAC tags of one length under one key. The key schedule of
// RFC 4418 §3.3 (PDF key) and §5.1 (UHASH keys) is expanded once in New.
//
// A MAC keeps a one-entry cache of the last AES pad, so it is not safe for
// concurrent use; the packet layer uses one per direction.
type MAC struct {
	tagLen int
	iters  int // UHASH iterations: tagLen/4 (RFC 4418 §5.1)

	// l1Key is the L1 (NH) key as big-endian 32-bit words: 1024 bytes plus
	// 16 bytes per extra iteration, iteration i starting at word 4i
	// (RFC 4418 §5.1, §5.2.2).
	l1Key [(l1KeyLen + 16*(maxIters-1)) / 4]uint32
	// k64 and k128 are the masked L2 POLY keys per iteration (§5.3).
	k64  [maxIters]uint64
	k128 [maxIters]u128
	// l3Key1 holds the eight L3 key words per iteration, already reduced
	// mod p36 (§5.4); l3Key2 the final 32-bit XOR key.
	l3Key1 [maxIters][8]uint64
	l3Key2 [maxIters]uint32

	pdf cipher.Block // AES under K' = KDF(K, 0, 16) (§3.3)
	// The pad cache: consecutive SSH sequence numbers differ only in the
	// low bit for UMAC-64, so two packets share one AES block (§3.3).
	padValid   bool
	padIn      [blockLen]byte // nonce block of padOut
	padOut     [blockLen]byte
	nonceBlock [blockLen]byte // scratch for the current nonce block
}

// New returns a MAC for a 16-byte key producing tagLen-byte tags; tagLen is
// 8 (UMAC-64, umac-64@openssh.com) or 16 (UMAC-128, umac-128@openssh.com).
func New(key []byte, tagLen int) (*MAC, error) {
	if tagLen != 8 && tagLen != 16 {
		return nil, TagSizeError(tagLen)
	}
	return newMAC(key, tagLen)
}

// newMAC also accepts the RFC's 4- and 12-byte tags, so the tests can check
// UMAC-32 and UMAC-96 against the RFC's vectors.
func newMAC(key []byte, tagLen int) (*MAC, error) {
	if len(key) != keyLen {
		return nil, KeySizeError(len(key))
	}
	if tagLen < 4 || tagLen > 16 || tagLen%4 != 0 {
		return nil, TagSizeError(tagLen)
	}
	kdfCipher, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("sshlib: umac: %w", err)
	}
	m := &MAC{tagLen: tagLen, iters: tagLen / 4}
	n := m.iters

	var pdfKey [keyLen]byte
	kdf(kdfCipher, 0, pdfKey[:])
	if m.pdf, err = aes.NewCipher(pdfKey[:]); err != nil {
		return nil, fmt.Errorf("sshlib: umac: %w", err)
	}

	// RFC 4418 §5.1: L1Key = KDF(K, 1, 1024 + (iters-1)*16); iteration i
	// uses the 1024 bytes at offset 16i. The words are big-endian (§2
	// str2uint); only the message words are little-endian (§5.2.1).
	var buf [l1KeyLen + 16*(maxIters-1)]byte
	l1 := buf[:l1KeyLen+16*(n-1)]
	kdf(kdfCipher, 1, l1)
	for i := range len(l1) / 4 {
		m.l1Key[i] = binary.BigEndian.Uint32(l1[4*i:])
	}

	// L2Key = KDF(K, 2, iters*24): 8 bytes for POLY64, 16 for POLY128,
	// each masked so the key is small enough for the lazy reduction the
	// analysis assumes (§5.3).
	l2 := buf[:24*n]
	kdf(kdfCipher, 2, l2)
	for i := range n {
		k := l2[24*i:]
		m.k64[i] = binary.BigEndian.Uint64(k) & 0x01ffffff01ffffff
		m.k128[i] = u128{
			hi: binary.BigEndian.Uint64(k[8:]) & 0x01ffffff01ffffff,
			lo: binary.BigEndian.Uint64(k[16:]) & 0x01ffffff01ffffff,
		}
	}

	// L3Key1 = KDF(K, 3, iters*64), eight 64-bit words per iteration taken
	// mod p36; L3Key2 = KDF(K, 4, iters*4) (§5.1, §5.4).
	l3 := buf[:64*n]
	kdf(kdfCipher, 3, l3)
	for i := range n {
		for j := range 8 {
			m.l3Key1[i][j] = binary.BigEndian.Uint64(l3[64*i+8*j:]) % p36
		}
	}
	l3b := buf[:4*n]
	kdf(kdfCipher, 4, l3b)
	for i := range n {
		m.l3Key2[i] = binary.BigEndian.Uint32(l3b[4*i:])
	}
	clear(buf[:])
	clear(pdfKey[:])
	return m, nil
}

// kdf fills out with KDF(K, index, len(out)) of RFC 4418 §3.2: the AES
// encryptions under K of uint2str(index, 8) || uint2str(i, 8), i = 1, 2, ...
func kdf(c cipher.Block, index uint64, out []byte) {
	var in, ct [blockLen]byte
	binary.BigEndian.PutUint64(in[:8], index)
	for i := uint64(1); len(out) > 0; i++ {
		binary.BigEndian.PutUint64(in[8:], i)
		c.Encrypt(ct[:], in[:])
		out = out[copy(out, ct[:]):]
	}
}

// Size returns the tag length in bytes.
func (m *MAC) Size() int { return m.tagLen }

// AppendTag appends UMAC(K, msg, nonce) (RFC 4418 §4): UHASH of msg XOR
// the pad PDF(K', nonce), and returns the extended slice. It does not
// allocate when dst has room for Size() more bytes. msg may alias dst: the
// tag is computed before anything is appended.
//
// RFC 4418 §4 requires a nonce of 1 to 16 bytes. For any other length
// AppendTag fails closed: it returns dst unchanged, so a sender emits a
// short packet the peer rejects and a verifier comparing tags of
// different lengths rejects too. SSH's nonce is the 8-byte sequence number.
func (m *MAC) AppendTag(dst, nonce, msg []byte) []byte {
	if len(nonce) < 1 || len(nonce) > blockLen {
		return dst
	}
	var h [16]byte
	m.uhash(&h, msg)
	pad := m.pdfPad(nonce)
	for i := range m.tagLen {
		h[i] ^= pad[i]
	}
	return append(dst, h[:m.tagLen]...)
}

// pdfPad returns the tagLen-byte pad PDF(K, Nonce, taglen) of RFC 4418 §3.3.
// For 4- and 8-byte tags the low bits of the nonce choose which part of
// the AES output is used (index = Nonce mod (BLOCKLEN/taglen)) and are
// cleared before encrypting, so nonces that differ only there share a block.
func (m *MAC) pdfPad(nonce []byte) []byte {
	// The block is built in m.nonceBlock, not a local array: a local passed
	// to cipher.Block.Encrypt (an interface call) would escape to the heap.
	in := &m.nonceBlock
	*in = [blockLen]byte{}
	copy(in[:], nonce)
	index := 0
	if per := blockLen / m.tagLen; per > 1 {
		// per is 4 or 2, so the index lives in the last nonce byte.
		last := len(nonce) - 1
		index = int(in[last]) & (per - 1)
		in[last] &^= byte(per - 1)
	}
	if !m.padValid || *in != m.padIn {
		m.pdf.Encrypt(m.padOut[:], in[:])
		m.padIn = *in
		m.padValid = true
	}
	return m.padOut[index*m.tagLen : (index+1)*m.tagLen]
}

// uhash writes UHASH(K, msg, taglen) (RFC 4418 §5.1) into out[:tagLen]:
// for each 32-bit iteration, L1 (NH over 1024-byte chunks), then L2 (POLY)
// if msg is longer than one chunk, then L3.
func (m *MAC) uhash(out *[16]byte, msg []byte) {
	n := m.iters
	var l2 [maxIters]u128
	if len(msg) <= l1KeyLen {
		// §5.1: a message of at most 1024 bytes skips L2; its one NH
		// value is zero-extended to the 16 bytes L3 takes.
		var y [maxIters]uint64
		m.l1Chunk(&y, msg)
		for i := range n {
			l2[i].lo = y[i]
		}
	} else {
		m.l1l2(&l2, msg)
	}
	for i := range n {
		binary.BigEndian.PutUint32(out[4*i:], l3Hash(&m.l3Key1[i], l2[i])^m.l3Key2[i])
	}
}

// l1l2 runs L1-HASH (§5.2.1) over a message longer than 1024 bytes and feeds
// each chunk's NH value to L2-HASH (§5.3) as it is produced.
//
// L2 is POLY64 over the first 2^14 NH values (2^17 bytes of L1 output, i.e.
// 2^24 message bytes); beyond that, POLY128 continues over 16-byte words:
// the POLY64 result, then pairs of NH values, and finally the byte 0x80
// with zero padding to a 16-byte boundary.
func (m *MAC) l1l2(out *[maxIters]u128, msg []byte) {
	const poly64Limit = 1 << 14 // NH values, RFC 4418 §5.3: 2^17 bytes
	n := m.iters
	var y64 [maxIters]uint64
	for i := range n {
		y64[i] = 1
	}
	var y [maxIters]uint64
	count := 0
	for len(msg) > 0 && count < poly64Limit {
		c := msg[:min(len(msg), l1KeyLen)]
		msg = msg[len(c):]
		m.l1Chunk(&y, c)
		for i := range n {
			y64[i] = poly64(y64[i], m.k64[i], y[i])
		}
		count++
	}
	if len(msg) == 0 {
		for i := range n {
			out[i] = u128{lo: y64[i]}
		}
		return
	}

	// More than 2^24 bytes: switch to POLY128, whose first word is the
	// POLY64 result as a 16-byte string.
	var y128 [maxIters]u128
	var pending [maxIters]uint64
	havePending := false
	for i := range n {
		y128[i] = poly128(u128{lo: 1}, m.k128[i], u128{lo: y64[i]})
	}
	for len(msg) > 0 {
		c := msg[:min(len(msg), l1KeyLen)]
		msg = msg[len(c):]
		m.l1Chunk(&y, c)
		if !havePending {
			pending = y
			havePending = true
			continue
		}
		for i := range n {
			y128[i] = poly128(y128[i], m.k128[i], u128{hi: pending[i], lo: y[i]})
		}
		havePending = false
	}
	// zeropad(M_2 || 0x80, 16): the marker byte lands in the low half of a
	// pending word, or starts a word of its own.
	for i := range n {
		w := u128{hi: 0x80 << 56}
		if havePending {
			w = u128{hi: pending[i], lo: 0x80 << 56}
		}
		out[i] = poly128(y128[i], m.k128[i], w)
	}
}

// l1Chunk computes, for every iteration, NH(L1Key_i, chunk) +_64 bitlength
// (RFC 4418 §5.2.1) of one chunk of at most 1024 bytes. The chunk is
// zero-padded to a positive multiple of 32 bytes (§2 zeropad), so an
// empty message is hashed as one zero block.
func (m *MAC) l1Chunk(y *[maxIters]uint64, chunk []byte) {
	full := len(chunk) &^ 31
	m.nh(y, m.l1Key[:], chunk[:full])
	if tail := chunk[full:]; len(tail) > 0 || len(chunk) == 0 {
		var block [32]byte
		copy(block[:], tail)
		var t [maxIters]uint64
		m.nh(&t, m.l1Key[full/4:], block[:])
		for i := range m.iters {
			y[i] += t[i]
		}
	}
	bits := uint64(len(chunk)) * 8
	for i := range m.iters {
		y[i] += bits
	}
}

// nh dispatches to the NH kernels, which compute several iterations per
// pass so each message word is loaded once.
func (m *MAC) nh(y *[maxIters]uint64, k []uint32, msg []byte) {
	switch m.iters {
	case 1:
		y[0] = nh1(k, msg)
	case 2:
		y[0], y[1] = nh2(k, msg)
	case 3:
		y[0], y[1] = nh2(k, msg)
		y[2] = nh1(k[8:], msg)
	case 4:
		y[0], y[1], y[2], y[3] = nh4(k, msg)
	}
}
