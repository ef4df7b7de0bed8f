package umac

import "math/bits"

// Primes of RFC 4418 §5.3 and §5.4 (p128 = 2^128 - 159 is held as the constant 159).
const (
	p36     = 1<<36 - 5
	p64     = 1<<64 - 59
	off64   = 59  // 2^64 - p64
	off128  = 159 // 2^128 - p128
	p128Hi  = 1<<64 - 1
	p128Lo  = 1<<64 - 159
	max64   = 1<<64 - 1<<32 // maxwordrange of POLY64: 2^64 - 2^32
	max128H = 1<<64 - 1<<32 // high half of POLY128's 2^128 - 2^96
)

type u128 struct{ hi, lo uint64 }

// poly64 is one step of POLY(64, 2^64 - 2^32, k, M) (RFC 4418 §5.3):
// y = (k*y + m) mod p64, where a word m >= 2^64 - 2^32 is first replaced by
// the marker p64 - 1 followed by m - 59, so every input lands below p64.
func poly64(y, k, m uint64) uint64 {
	if m >= max64 {
		y = mulAdd64(y, k, p64-1)
		m -= off64
	}
	return mulAdd64(y, k, m)
}

// mulAdd64 returns (k*y + m) mod p64 for y < 2^64, k < 2^57.
// 2^64 ≡ 59 (mod p64), so the high word of a product folds in as hi*59.
func mulAdd64(y, k, m uint64) uint64 {
	hi, lo := bits.Mul64(k, y) // hi < 2^57, so hi*59 < 2^63
	lo, c1 := bits.Add64(lo, hi*off64, 0)
	lo, c2 := bits.Add64(lo, m, 0)
	// Each carry out is worth 2^64 ≡ 59. If this add wraps, lo is below
	// 2*59, so the last fold cannot wrap again.
	lo, c := bits.Add64(lo, (c1+c2)*off64, 0)
	lo += c * off64
	if lo >= p64 {
		lo -= p64
	}
	return lo
}

// poly128 is one step of POLY(128, 2^128 - 2^96, k, M) (RFC 4418 §5.3),
// used only for messages longer than 2^24 bytes.
func poly128(y, k, m u128) u128 {
	if m.hi >= max128H {
		y = mulAdd128(y, k, u128{p128Hi, p128Lo - 1})
		m = sub128(m, u128{0, off128})
	}
	return mulAdd128(y, k, m)
}

// mulAdd128 returns (k*y + m) mod p128 for y, m < 2^128 and k < 2^121.
// 2^128 ≡ 159 (mod p128), so the upper 128 bits of a value fold in times 159.
func mulAdd128(y, k, m u128) u128 {
	// r = k*y, four 64-bit limbs r0 (low) .. r3.
	h00, r0 := bits.Mul64(k.lo, y.lo)
	h01, l01 := bits.Mul64(k.lo, y.hi)
	h10, l10 := bits.Mul64(k.hi, y.lo)
	h11, l11 := bits.Mul64(k.hi, y.hi)
	r1, c := bits.Add64(h00, l01, 0)
	r2, c := bits.Add64(h01, l11, c)
	r3 := h11 + c
	r1, c = bits.Add64(r1, l10, 0)
	r2, c = bits.Add64(r2, h10, c)
	r3 += c

	// r3:r2 < 2^121; times 159 is below 2^129: three limbs t0, t1, t2.
	t1a, t0 := bits.Mul64(r2, off128)
	t2, t1b := bits.Mul64(r3, off128)
	t1, c := bits.Add64(t1a, t1b, 0)
	t2 += c

	// s = r1:r0 + t + m, at most a few times 2^128.
	s0, c := bits.Add64(r0, t0, 0)
	s1, c := bits.Add64(r1, t1, c)
	s2 := t2 + c
	s0, c = bits.Add64(s0, m.lo, 0)
	s1, c = bits.Add64(s1, m.hi, c)
	s2 += c

	// Fold s2 (small) back in, then any final carry.
	s0, c = bits.Add64(s0, s2*off128, 0)
	s1, c = bits.Add64(s1, 0, c)
	s0, c = bits.Add64(s0, c*off128, 0)
	s1 += c
	v := u128{s1, s0}
	if v.hi == p128Hi && v.lo >= p128Lo {
		v = sub128(v, u128{p128Hi, p128Lo})
	}
	return v
}

func sub128(a, b u128) u128 {
	lo, c := bits.Sub64(a.lo, b.lo, 0)
	hi, _ := bits.Sub64(a.hi, b.hi, c)
	return u128{hi, lo}
}

// l3Hash is L3-HASH (RFC 4418 §5.4) without the final XOR: the 16-byte L2
// output as eight big-endian 16-bit words, each times its key word
// (already mod p36), summed, reduced mod p36 and truncated to 32 bits.
// Each product is below 2^52, so the sum of eight fits in 64 bits.
func l3Hash(k *[8]uint64, m u128) uint32 {
	var y uint64
	y += (m.hi >> 48) * k[0]
	y += (m.hi >> 32 & 0xffff) * k[1]
	y += (m.hi >> 16 & 0xffff) * k[2]
	y += (m.hi & 0xffff) * k[3]
	y += (m.lo >> 48) * k[4]
	y += (m.lo >> 32 & 0xffff) * k[5]
	y += (m.lo >> 16 & 0xffff) * k[6]
	y += (m.lo & 0xffff) * k[7]
	return uint32(y % p36)
}
