package umac

import "encoding/binary"

// NH (RFC 4418 §5.2.2) over 32-byte blocks. For each block of message words
// m0..m7 (read little-endian: L1-HASH byte-swaps the message, §5.2.1) and
// key words k0..k7,
//
//	Y += (m0+k0)*(m4+k4) + (m1+k1)*(m5+k5) + (m2+k2)*(m6+k6) + (m3+k3)*(m7+k7)
//
// with 32-bit additions and 64-bit products and sums (all mod 2^64). The
// key advances 8 words per block; iteration i of UHASH uses the same
// message with the key shifted by 4i words, which is why nh2 and nh4 read
// key words beyond the eighth.
//
// len(msg) must be a multiple of 32 and len(k) >= len(msg)/4 + 4*(streams-1).

func nh1(k []uint32, msg []byte) uint64 {
	var y uint64
	for len(msg) >= 32 {
		b := (*[32]byte)(msg)
		kk := (*[8]uint32)(k)
		m0 := binary.LittleEndian.Uint32(b[0:])
		m1 := binary.LittleEndian.Uint32(b[4:])
		m2 := binary.LittleEndian.Uint32(b[8:])
		m3 := binary.LittleEndian.Uint32(b[12:])
		m4 := binary.LittleEndian.Uint32(b[16:])
		m5 := binary.LittleEndian.Uint32(b[20:])
		m6 := binary.LittleEndian.Uint32(b[24:])
		m7 := binary.LittleEndian.Uint32(b[28:])
		y += uint64(m0+kk[0])*uint64(m4+kk[4]) +
			uint64(m1+kk[1])*uint64(m5+kk[5]) +
			uint64(m2+kk[2])*uint64(m6+kk[6]) +
			uint64(m3+kk[3])*uint64(m7+kk[7])
		msg = msg[32:]
		k = k[8:]
	}
	return y
}

// nh2 computes NH for two consecutive iterations (keys k and k[4:]).
func nh2(k []uint32, msg []byte) (y0, y1 uint64) {
	for len(msg) >= 32 {
		b := (*[32]byte)(msg)
		kk := (*[12]uint32)(k)
		m0 := binary.LittleEndian.Uint32(b[0:])
		m1 := binary.LittleEndian.Uint32(b[4:])
		m2 := binary.LittleEndian.Uint32(b[8:])
		m3 := binary.LittleEndian.Uint32(b[12:])
		m4 := binary.LittleEndian.Uint32(b[16:])
		m5 := binary.LittleEndian.Uint32(b[20:])
		m6 := binary.LittleEndian.Uint32(b[24:])
		m7 := binary.LittleEndian.Uint32(b[28:])
		y0 += uint64(m0+kk[0])*uint64(m4+kk[4]) +
			uint64(m1+kk[1])*uint64(m5+kk[5]) +
			uint64(m2+kk[2])*uint64(m6+kk[6]) +
			uint64(m3+kk[3])*uint64(m7+kk[7])
		y1 += uint64(m0+kk[4])*uint64(m4+kk[8]) +
			uint64(m1+kk[5])*uint64(m5+kk[9]) +
			uint64(m2+kk[6])*uint64(m6+kk[10]) +
			uint64(m3+kk[7])*uint64(m7+kk[11])
		msg = msg[32:]
		k = k[8:]
	}
	return y0, y1
}

// nh4 computes NH for four consecutive iterations (keys k, k[4:], k[8:],
// k[12:]) in one pass over the message.
func nh4(k []uint32, msg []byte) (y0, y1, y2, y3 uint64) {
	for len(msg) >= 32 {
		b := (*[32]byte)(msg)
		kk := (*[20]uint32)(k)
		m0 := binary.LittleEndian.Uint32(b[0:])
		m1 := binary.LittleEndian.Uint32(b[4:])
		m2 := binary.LittleEndian.Uint32(b[8:])
		m3 := binary.LittleEndian.Uint32(b[12:])
		m4 := binary.LittleEndian.Uint32(b[16:])
		m5 := binary.LittleEndian.Uint32(b[20:])
		m6 := binary.LittleEndian.Uint32(b[24:])
		m7 := binary.LittleEndian.Uint32(b[28:])
		y0 += uint64(m0+kk[0])*uint64(m4+kk[4]) +
			uint64(m1+kk[1])*uint64(m5+kk[5]) +
			uint64(m2+kk[2])*uint64(m6+kk[6]) +
			uint64(m3+kk[3])*uint64(m7+kk[7])
		y1 += uint64(m0+kk[4])*uint64(m4+kk[8]) +
			uint64(m1+kk[5])*uint64(m5+kk[9]) +
			uint64(m2+kk[6])*uint64(m6+kk[10]) +
			uint64(m3+kk[7])*uint64(m7+kk[11])
		y2 += uint64(m0+kk[8])*uint64(m4+kk[12]) +
			uint64(m1+kk[9])*uint64(m5+kk[13]) +
			uint64(m2+kk[10])*uint64(m6+kk[14]) +
			uint64(m3+kk[11])*uint64(m7+kk[15])
		y3 += uint64(m0+kk[12])*uint64(m4+kk[16]) +
			uint64(m1+kk[13])*uint64(m5+kk[17]) +
			uint64(m2+kk[14])*uint64(m6+kk[18]) +
			uint64(m3+kk[15])*uint64(m7+kk[19])
		msg = msg[32:]
		k = k[8:]
	}
	return y0, y1, y2, y3
}
