package sntrup761

// Arithmetic in F3, Fq, R3 = F3[x]/(x^p-x-1) and Rq = Fq[x]/(x^p-x-1)
// (round-3 specification, "Parameter space" and "Streamlined NTRU Prime
// Core"). Everything here runs in time independent of the coefficient
// values: no branch and no table index depends on them. Elements of F3
// are kept as -1, 0, 1 and elements of Fq as -(q-1)/2 .. (q-1)/2, the
// representation the specification uses for rounding and encoding.

const (
	p   = 761
	q   = 4591
	w   = 286
	q12 = (q - 1) / 2 // 2295
)

type (
	small [p]int8  // element of R3, or a small element of R
	rq    [p]int16 // element of Rq
)

// negMask is -1 if x < 0 and 0 otherwise.
func negMask(x int32) int32 { return x >> 31 }

// nonzeroMask is -1 if x != 0 and 0 otherwise (|x| < 2^31).
func nonzeroMask(x int32) int32 { return (x | -x) >> 31 }

// fqFreeze reduces x (|x| < 2^31) to the centered representative of x mod q.
// The quotient estimate uses k = floor(2^32/q); because 2^32 - k*q < q the
// estimate is off by at most one, so r lands in [-q, 2q) before the fix-ups.
func fqFreeze(x int32) int16 {
	const k = 935518
	r := x - q*int32((int64(x)*k)>>32)
	r += q & negMask(r)        // [0, 2q)
	r -= q &^ negMask(r-q)     // [0, q)
	r -= q &^ negMask(r-q12-1) // centered
	return int16(r)
}

// f3Freeze reduces x (|x| < 2^14; every caller is far inside that) to -1, 0
// or 1 congruent to x mod 3: 10923/2^15 is 1/3 to within 2^-15, so adding 1/2
// and shifting yields round(x/3).
func f3Freeze(x int32) int8 {
	return int8(x - 3*((10923*x+16384)>>15))
}

// fqRecip returns a^(q-2) = 1/a in Fq for a != 0. The exponent is public, so
// the square-and-multiply ladder branches only on its bits.
func fqRecip(a int16) int16 {
	const e = q - 2
	r := int16(1)
	for bit := 12; bit >= 0; bit-- { // q-2 < 2^13
		r = fqFreeze(int32(r) * int32(r))
		if e>>bit&1 == 1 {
			r = fqFreeze(int32(r) * int32(a))
		}
	}
	return r
}

// reduceProduct folds a product of degree <= 2p-2 modulo x^p - x - 1:
// x^i = x^(i-p+1) + x^(i-p) for i >= p. Targets are all below p, so one
// downward pass suffices.
func reduceProduct(fg *[2*p - 1]int32) {
	for i := 2*p - 2; i >= p; i-- {
		fg[i-p] += fg[i]
		fg[i-p+1] += fg[i]
	}
}

// rqMultSmall returns f*g in Rq for f in Rq and small g. The accumulators stay
// below 2*761*2295 < 2^22 in absolute value.
func rqMultSmall(f *rq, g *small) (h rq) {
	var fg [2*p - 1]int32
	for i := 0; i < p; i++ {
		fi := int32(f[i])
		row := fg[i : i+p]
		for j := range row {
			row[j] += fi * int32(g[j])
		}
	}
	reduceProduct(&fg)
	for i := range h {
		h[i] = fqFreeze(fg[i])
	}
	return h
}

// r3Mult returns f*g in R3.
func r3Mult(f, g *small) (h small) {
	var fg [2*p - 1]int32
	for i := 0; i < p; i++ {
		fi := int32(f[i])
		row := fg[i : i+p]
		for j := range row {
			row[j] += fi * int32(g[j])
		}
	}
	reduceProduct(&fg)
	for i := range h {
		h[i] = f3Freeze(fg[i])
	}
	return h
}

// r3Recip computes 1/in in R3 with the constant-time divstep iteration of the
// reference implementation (2p-1 steps over f = x^p - x - 1 and g = in, both
// stored reversed). It returns 0 if in is invertible and -1 otherwise; out is
// only meaningful when it returns 0.
func r3Recip(in *small) (out small, fail int32) {
	var f, g, v, r [p + 1]int8
	r[0] = 1
	f[0], f[p-1], f[p] = 1, -1, -1
	for i := 0; i < p; i++ {
		g[p-1-i] = in[i]
	}
	delta := int32(1)
	for loop := 0; loop < 2*p-1; loop++ {
		copy(v[1:], v[:p])
		v[0] = 0

		sign := int32(-g[0]) * int32(f[0])
		swap := negMask(-delta) & nonzeroMask(int32(g[0]))
		delta ^= swap & (delta ^ -delta)
		delta++

		s8 := int8(swap)
		for i := range f {
			t := s8 & (f[i] ^ g[i])
			f[i] ^= t
			g[i] ^= t
			t = s8 & (v[i] ^ r[i])
			v[i] ^= t
			r[i] ^= t
		}
		for i := range g {
			g[i] = f3Freeze(int32(g[i]) + sign*int32(f[i]))
			r[i] = f3Freeze(int32(r[i]) + sign*int32(v[i]))
		}
		copy(g[:p], g[1:])
		g[p] = 0
	}
	s := f[0]
	for i := 0; i < p; i++ {
		out[i] = s * v[p-1-i]
	}
	return out, nonzeroMask(delta)
}

// rqRecip3 computes 1/(3*in) in Rq with the same divstep iteration as
// r3Recip. For a small in of weight w (a keygen f) it always succeeds
// because x^p - x - 1 is irreducible mod q; the failure mask is returned for
// tests.
func rqRecip3(in *small) (out rq, fail int32) {
	var f, g, v, r [p + 1]int16
	r[0] = fqRecip(3)
	f[0], f[p-1], f[p] = 1, -1, -1
	for i := 0; i < p; i++ {
		g[p-1-i] = int16(in[i])
	}
	delta := int32(1)
	for loop := 0; loop < 2*p-1; loop++ {
		copy(v[1:], v[:p])
		v[0] = 0

		swap := negMask(-delta) & nonzeroMask(int32(g[0]))
		delta ^= swap & (delta ^ -delta)
		delta++

		s16 := int16(swap)
		for i := range f {
			t := s16 & (f[i] ^ g[i])
			f[i] ^= t
			g[i] ^= t
			t = s16 & (v[i] ^ r[i])
			v[i] ^= t
			r[i] ^= t
		}
		f0, g0 := int32(f[0]), int32(g[0])
		for i := range g {
			g[i] = fqFreeze(f0*int32(g[i]) - g0*int32(f[i]))
			r[i] = fqFreeze(f0*int32(r[i]) - g0*int32(v[i]))
		}
		copy(g[:p], g[1:])
		g[p] = 0
	}
	scale := int32(fqRecip(f[0]))
	for i := 0; i < p; i++ {
		out[i] = fqFreeze(scale * int32(v[p-1-i]))
	}
	return out, nonzeroMask(delta)
}

// weightMask is 0 if r has exactly w nonzero coefficients and -1 otherwise.
func weightMask(r *small) int32 {
	var weight int32
	for _, c := range r {
		weight += int32(c & 1)
	}
	return nonzeroMask(weight - w)
}

// wforce returns r if it has weight w and otherwise the fixed weight-w
// vector (1,...,1,0,...,0), as the reference decapsulation does so that a
// malformed ciphertext still yields a valid Short input to re-encryption.
func wforce(r *small) (out small) {
	keep := int8(^weightMask(r))
	for i := 0; i < w; i++ {
		out[i] = ((r[i] ^ 1) & keep) ^ 1
	}
	for i := w; i < p; i++ {
		out[i] = r[i] & keep
	}
	return out
}

// sortUint32 sorts x in place with Batcher's merge-exchange network (Knuth,
// TAOCP vol. 3, 5.2.2 Algorithm M). The sequence of compared positions depends
// only on len(x), and each compare-exchange is branch-free.
func sortUint32(x []uint32) {
	n := len(x)
	if n < 2 {
		return
	}
	t := 1
	for 1<<t < n {
		t++
	}
	for pp := 1 << (t - 1); pp > 0; pp >>= 1 {
		qq, r, d := 1<<(t-1), 0, pp
		for {
			for i := 0; i < n-d; i++ {
				if i&pp == r {
					minmax(&x[i], &x[i+d])
				}
			}
			if qq == pp {
				break
			}
			d = qq - pp
			qq >>= 1
			r = pp
		}
	}
}

// minmax puts the smaller of *a, *b in *a without branching on them.
func minmax(a, b *uint32) {
	c := uint64(*b) - uint64(*a)
	mask := uint32(0) - uint32(c>>63) // all ones if *b < *a
	t := (*a ^ *b) & mask
	*a ^= t
	*b ^= t
}
