package sntrup761

// Encodings of the round-3 specification ("Encoding" in the specification:
// the generic Encode/Decode of a sequence R with 0 <= R[i] < M[i], and the
// Rq, Rounded and Small encodings built on it). The branching in Encode and
// Decode depends only on the public moduli M, never on the values R.

const (
	smallBytes   = (p + 3) / 4 // 191: four coefficients per byte
	rqBytes      = 1158        // len(encode(Rq)) for M = q
	roundedBytes = 1007        // len(encode(Rounded)) for M = (q+2)/3
	roundedM     = (q + 2) / 3 // 1531
)

// encode appends the encoding of R (0 <= R[i] < M[i], M[i] <= 2^14) to out.
// Pairs are merged into one value modulo M[i]*M[i+1]; whole bytes are emitted
// while the combined modulus is at least 2^14, then the procedure recurses on
// the half-length sequence.
func encode(out []byte, R, M []uint32) []byte {
	switch len(M) {
	case 0:
		return out
	case 1:
		r, m := R[0], M[0]
		for m > 1 {
			out = append(out, byte(r))
			r >>= 8
			m = (m + 255) >> 8
		}
		return out
	}
	n := (len(M) + 1) / 2
	R2 := make([]uint32, 0, n)
	M2 := make([]uint32, 0, n)
	for i := 0; i+1 < len(M); i += 2 {
		m := M[i] * M[i+1]
		r := R[i] + M[i]*R[i+1]
		for m >= 16384 {
			out = append(out, byte(r))
			r >>= 8
			m = (m + 255) >> 8
		}
		R2 = append(R2, r)
		M2 = append(M2, m)
	}
	if len(M)&1 == 1 {
		R2 = append(R2, R[len(M)-1])
		M2 = append(M2, M[len(M)-1])
	}
	return encode(out, R2, M2)
}

// decode inverts encode for inputs of exactly the encoded length. Values that
// are out of range (a non-canonical encoding) are reduced modulo M[i], as in
// the specification; callers that care compare re-encodings.
func decode(S []byte, M []uint32) []uint32 {
	switch len(M) {
	case 0:
		return nil
	case 1:
		var r uint32
		shift := 0
		for m := M[0]; m > 1; m = (m + 255) >> 8 {
			r |= uint32(S[shift/8]) << shift
			shift += 8
		}
		_, r = divmod(r, M[0])
		return []uint32{r}
	}
	n := (len(M) + 1) / 2
	type part struct {
		r     uint32
		shift uint
	}
	bottom := make([]part, 0, n)
	M2 := make([]uint32, 0, n)
	k := 0
	for i := 0; i+1 < len(M); i += 2 {
		m := M[i] * M[i+1]
		var b part
		for m >= 16384 {
			b.r |= uint32(S[k]) << b.shift
			b.shift += 8
			k++
			m = (m + 255) >> 8
		}
		bottom = append(bottom, b)
		M2 = append(M2, m)
	}
	if len(M)&1 == 1 {
		M2 = append(M2, M[len(M)-1])
	}
	R2 := decode(S[k:], M2)
	R := make([]uint32, 0, len(M))
	for i := 0; i+1 < len(M); i += 2 {
		b := bottom[i/2]
		r := b.r + R2[i/2]<<b.shift
		hi, lo := divmod(r, M[i])
		_, hi = divmod(hi, M[i+1])
		R = append(R, lo, hi)
	}
	if len(M)&1 == 1 {
		R = append(R, R2[len(R2)-1])
	}
	return R
}

// divmod returns x/m and x%m for m < 2^14 without a data-dependent division:
// v = floor(2^31/m) underestimates 1/m, so two multiply-subtract rounds leave
// a remainder below 2m, fixed by one masked subtraction.
func divmod(x, m uint32) (quo, rem uint32) {
	v := uint32(0x80000000) / m // depends on the public modulus only
	qp := uint32(uint64(x) * uint64(v) >> 31)
	x -= qp * m
	quo = qp
	qp = uint32(uint64(x) * uint64(v) >> 31)
	x -= qp * m
	quo += qp
	x -= m
	quo++
	mask := uint32(int32(x) >> 31) // all ones if x was < m
	x += mask & m
	quo += mask
	return quo, x
}

func constModuli(m uint32) []uint32 {
	M := make([]uint32, p)
	for i := range M {
		M[i] = m
	}
	return M
}

var (
	rqModuli      = constModuli(q)
	roundedModuli = constModuli(roundedM)
)

// rqEncode encodes h with each coefficient shifted to 0..q-1.
func rqEncode(h *rq) []byte {
	R := make([]uint32, p)
	for i, c := range h {
		R[i] = uint32(int32(c) + q12)
	}
	return encode(make([]byte, 0, rqBytes), R, rqModuli)
}

func rqDecode(s []byte) (h rq) {
	for i, r := range decode(s, rqModuli) {
		h[i] = int16(int32(r) - q12)
	}
	return h
}

// roundEncode rounds each coefficient of h to the nearest multiple of 3
// ("Round" in the specification) and encodes (c+(q-1)/2)/3 in 0..1530.
func roundEncode(h *rq) []byte {
	R := make([]uint32, p)
	for i, c := range h {
		r := int32(c) - int32(f3Freeze(int32(c)))
		R[i] = uint32((r + q12) / 3) // r+q12 is a non-negative multiple of 3
	}
	return encode(make([]byte, 0, roundedBytes), R, roundedModuli)
}

func roundedDecode(s []byte) (h rq) {
	for i, r := range decode(s, roundedModuli) {
		h[i] = int16(3*int32(r) - q12)
	}
	return h
}

// smallEncode packs four coefficients c+1 in 0..2 per byte, low bits first;
// the last byte holds the single remaining coefficient.
func smallEncode(f *small) []byte {
	s := make([]byte, smallBytes)
	for i := 0; i < p/4; i++ {
		var x byte
		for j := 0; j < 4; j++ {
			x |= byte(f[4*i+j]+1) << (2 * j)
		}
		s[i] = x
	}
	s[p/4] = byte(f[p-1] + 1)
	return s
}

func smallDecode(s []byte) (f small) {
	for i := 0; i < p/4; i++ {
		x := s[i]
		for j := 0; j < 4; j++ {
			f[4*i+j] = int8(x>>(2*j)&3) - 1
		}
	}
	f[p-1] = int8(s[p/4]&3) - 1
	return f
}
