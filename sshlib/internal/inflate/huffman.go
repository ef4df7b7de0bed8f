package inflate

import (
	"fmt"
	"math/bits"
)

// Canonical Huffman codes (RFC 1951 §3.2.2). A code is given only by the
// bit length of each symbol; codes of one length are consecutive integers in
// symbol order, and shorter codes numerically precede longer ones. Huffman
// codes are packed starting with their most significant bit (§3.1.1), so
// in the LSB-first bit buffer a code appears bit-reversed.

const (
	maxCodeLen = 15 // §3.2.7: code lengths 0..15
	fastBits   = 9  // codes up to this length are resolved by one table lookup
	fastMask   = 1<<fastBits - 1
)

// huffman decodes one alphabet. fast maps the next fastBits stream bits to
// sym<<4 | length for codes of at most fastBits bits; 0 means the code is
// longer (or the bits start no code) and the canonical walk in slow decides.
type huffman struct {
	fast    [1 << fastBits]uint16
	count   [maxCodeLen + 1]uint16 // number of codes of each length
	symbols [maxLitSyms]uint16     // symbols ordered by code
	maxLen  uint
}

// build makes the decoder of the code called name for the code lengths in lens (one per symbol, 0
// meaning unused). An over-subscribed set of lengths is corrupt; an
// incomplete set is accepted only when it is one code of one bit (the RFC
// allows a single distance code; §3.2.7) or empty, in which case decoding a
// missing code is an error when it happens.
func (h *huffman) build(name string, lens []uint8) error {
	h.fast = [1 << fastBits]uint16{}
	h.count = [maxCodeLen + 1]uint16{}
	h.maxLen = 0
	for _, l := range lens {
		h.count[l]++
		if uint(l) > h.maxLen {
			h.maxLen = uint(l)
		}
	}
	h.count[0] = 0
	// left is the number of codes still available at each length; it may
	// not go negative (over-subscribed).
	left := 1
	for l := 1; l <= maxCodeLen; l++ {
		left = left<<1 - int(h.count[l])
		if left < 0 {
			return fmt.Errorf("%w: %s: over-subscribed code lengths", ErrCorrupt, name)
		}
	}
	if left > 0 && h.maxLen > 0 && !(h.maxLen == 1 && h.count[1] == 1) {
		return fmt.Errorf("%w: %s: incomplete code lengths", ErrCorrupt, name)
	}
	// offs[l] is the index in symbols of the first code of length l;
	// next[l] the next canonical code of length l (§3.2.2 step 2).
	var offs, next [maxCodeLen + 2]uint16
	code := uint16(0)
	for l := 1; l <= maxCodeLen; l++ {
		offs[l+1] = offs[l] + h.count[l]
		code = (code + h.count[l-1]) << 1
		next[l] = code
	}
	next[1] = 0
	for sym, l := range lens {
		if l == 0 {
			continue
		}
		h.symbols[offs[l]] = uint16(sym)
		offs[l]++
		c := next[l]
		next[l]++
		if uint(l) <= fastBits {
			rev := bits.Reverse16(c) >> (16 - l)
			e := uint16(sym)<<4 | uint16(l)
			for j := int(rev); j < len(h.fast); j += 1 << l {
				h.fast[j] = e
			}
		}
	}
	return nil
}

// decode returns the next symbol from the low nbits of b and its length in
// bits; n == 0 with ok means more bits are needed, !ok means the bits form
// no code of this alphabet.
func (h *huffman) decode(b uint64, nbits uint) (sym, n uint, ok bool) {
	if e := h.fast[b&fastMask]; e != 0 && uint(e&15) <= nbits {
		return uint(e >> 4), uint(e & 15), true
	}
	return h.slow(b, nbits)
}

// slow walks the canonical code one bit at a time (§3.2.2): among codes of
// length l, the first is `first` and they map to symbols[index:].
func (h *huffman) slow(b uint64, nbits uint) (sym, n uint, ok bool) {
	code, first, index := 0, 0, 0
	for l := uint(1); l <= h.maxLen; l++ {
		if l > nbits {
			return 0, 0, true
		}
		code |= int(b>>(l-1)) & 1
		count := int(h.count[l])
		if code-first < count {
			return uint(h.symbols[index+code-first]), l, true
		}
		index += count
		first = (first + count) << 1
		code <<= 1
	}
	return 0, 0, false
}
