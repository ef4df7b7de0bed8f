package umac

import (
	"crypto/aes"
	"encoding/binary"
	"math/big"
)

// refUMAC is a deliberately literal transcription of RFC 4418 §3-§5 for
// cross-checking: whole-string operations, math/big for POLY and L3, the
// RFC's ByteSwap + big-endian str2uint for NH, no caching or fusing.
func refUMAC(key, nonce, msg []byte, taglen int) []byte {
	k, err := aes.NewCipher(key)
	if err != nil {
		panic(err)
	}
	kdf := func(index uint64, numbytes int) []byte { // §3.2
		var y []byte
		for i := uint64(1); len(y) < numbytes; i++ {
			t := make([]byte, 16)
			binary.BigEndian.PutUint64(t, index)
			binary.BigEndian.PutUint64(t[8:], i)
			k.Encrypt(t, t)
			y = append(y, t...)
		}
		return y[:numbytes]
	}

	// PDF, §3.3.
	n := new(big.Int).SetBytes(nonce)
	index := new(big.Int).Mod(n, big.NewInt(int64(16/taglen))).Int64()
	n.Sub(n, big.NewInt(index)) // Nonce xor uint2str(index): index is the low bits
	block := make([]byte, 16)
	n.FillBytes(block[:len(nonce)])
	kp, _ := aes.NewCipher(kdf(0, 16))
	tt := make([]byte, 16)
	kp.Encrypt(tt, block)
	pad := tt[:taglen]
	if taglen == 4 || taglen == 8 {
		pad = tt[int(index)*taglen : int(index+1)*taglen]
	}

	// UHASH, §5.1.
	iters := taglen / 4
	l1Key := kdf(1, 1024+(iters-1)*16)
	l2Key := kdf(2, iters*24)
	l3Key1 := kdf(3, iters*64)
	l3Key2 := kdf(4, iters*4)
	var y []byte
	for i := range iters {
		a := refL1(l1Key[i*16:i*16+1024], msg)
		var b []byte
		if len(msg) <= 1024 {
			b = append(make([]byte, 8), a...)
		} else {
			b = refL2(l2Key[i*24:(i+1)*24], a)
		}
		y = append(y, refL3(l3Key1[i*64:(i+1)*64], l3Key2[i*4:(i+1)*4], b)...)
	}

	tag := make([]byte, taglen)
	for i := range tag {
		tag[i] = y[i] ^ pad[i]
	}
	return tag
}

func refL1(k, m []byte) []byte { // §5.2.1
	var y []byte
	for {
		c := m[:min(len(m), 1024)]
		last := len(m) <= 1024
		if last && (len(c)%32 != 0 || len(c) == 0) { // zeropad: least positive multiple
			c = append(append([]byte{}, c...), make([]byte, 32-len(c)%32)...)
		}
		v := refNH(k, c) + uint64(min(len(m), 1024))*8
		y = binary.BigEndian.AppendUint64(y, v)
		if last {
			return y
		}
		m = m[1024:]
	}
}

func refNH(k, m []byte) uint64 { // §5.2.2, after ByteSwap(M, 4)
	w := make([]uint32, len(m)/4)
	for i := range w {
		w[i] = binary.BigEndian.Uint32([]byte{m[4*i+3], m[4*i+2], m[4*i+1], m[4*i]})
	}
	var y uint64
	for i := 0; i < len(w); i += 8 {
		for j := range 4 {
			kj := binary.BigEndian.Uint32(k[4*(i+j):])
			kj4 := binary.BigEndian.Uint32(k[4*(i+j+4):])
			y += uint64(w[i+j]+kj) * uint64(w[i+j+4]+kj4)
		}
	}
	return y
}

func refL2(k, m []byte) []byte { // §5.3
	mask := func(b []byte) *big.Int {
		c := append([]byte{}, b...)
		for i := range c {
			if i%4 == 0 {
				c[i] &= 0x01
			}
		}
		return new(big.Int).SetBytes(c)
	}
	k64, k128 := mask(k[:8]), mask(k[8:24])
	var y *big.Int
	if len(m) <= 1<<17 {
		y = refPOLY(64, k64, m)
	} else {
		m2 := append(append([]byte{}, m[1<<17:]...), 0x80)
		m2 = append(m2, make([]byte, (16-len(m2)%16)%16)...)
		y = refPOLY(64, k64, m[:1<<17])
		y = refPOLY(128, k128, append(y.FillBytes(make([]byte, 16)), m2...))
	}
	return y.FillBytes(make([]byte, 16))
}

func refPOLY(wordbits int, k *big.Int, m []byte) *big.Int {
	one := big.NewInt(1)
	pow := func(e uint) *big.Int { return new(big.Int).Lsh(one, e) }
	maxwordrange := new(big.Int).Sub(pow(uint(wordbits)), pow(uint(wordbits-32)))
	p := new(big.Int).Sub(pow(uint(wordbits)), big.NewInt(map[int]int64{64: 59, 128: 159}[wordbits]))
	offset := new(big.Int).Sub(pow(uint(wordbits)), p)
	marker := new(big.Int).Sub(p, one)
	step := func(y, v *big.Int) *big.Int {
		r := new(big.Int).Mul(k, y)
		return r.Add(r, v).Mod(r, p)
	}
	y := big.NewInt(1)
	wb := wordbits / 8
	for i := 0; i < len(m); i += wb {
		v := new(big.Int).SetBytes(m[i : i+wb])
		if v.Cmp(maxwordrange) >= 0 {
			y = step(y, marker)
			y = step(y, v.Sub(v, offset))
		} else {
			y = step(y, v)
		}
	}
	return y
}

func refL3(k1, k2, m []byte) []byte { // §5.4
	p36 := big.NewInt(1<<36 - 5)
	y := new(big.Int)
	for i := range 8 {
		mi := new(big.Int).SetBytes(m[2*i : 2*i+2])
		ki := new(big.Int).SetBytes(k1[8*i : 8*i+8])
		y.Add(y, mi.Mul(mi, ki.Mod(ki, p36)))
	}
	y.Mod(y, p36)
	out := binary.BigEndian.AppendUint32(nil, uint32(y.Uint64()))
	for i := range out {
		out[i] ^= k2[i]
	}
	return out
}
