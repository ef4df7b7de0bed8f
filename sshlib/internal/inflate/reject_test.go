package inflate

import (
	"bytes"
	"compress/zlib"
	"errors"
	"math/rand/v2"
	"testing"
)

// bitWriter builds DEFLATE bit streams by hand (RFC 1951 §3.1.1): fields
// LSB first, Huffman codes MSB first.
type bitWriter struct {
	b []byte
	n uint // bits written
}

func (w *bitWriter) bits(v uint, n uint) *bitWriter {
	for i := uint(0); i < n; i++ {
		if w.n%8 == 0 {
			w.b = append(w.b, 0)
		}
		w.b[len(w.b)-1] |= byte(v>>i&1) << (w.n % 8)
		w.n++
	}
	return w
}

func (w *bitWriter) code(c uint, n uint) *bitWriter {
	for i := n; i > 0; i-- {
		w.bits(c>>(i-1)&1, 1)
	}
	return w
}

func (w *bitWriter) align() *bitWriter {
	w.n = uint(len(w.b)) * 8
	return w
}

// fixedLitCode writes literal/length symbol s in the fixed code (§3.2.6).
func (w *bitWriter) fixedLit(s uint) *bitWriter {
	switch {
	case s < 144:
		return w.code(0x30+s, 8)
	case s < 256:
		return w.code(0x190+s-144, 9)
	case s < 280:
		return w.code(s-256, 7)
	default:
		return w.code(0xc0+s-280, 8)
	}
}

func zlibHeader() *bitWriter { return (&bitWriter{}).bits(0x78, 8).bits(0x9c, 8) }

// validFinished is a complete stream from the stdlib, for trailer cases.
func validFinished(t *testing.T) []byte {
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	zw.Write([]byte("hello, hello, hello"))
	zw.Close()
	return buf.Bytes()
}

func TestRejects(t *testing.T) {
	// withFCHECK sets FLG's low bits so CMF,FLG pass the check (RFC 1950 §2.2).
	withFCHECK := func(cmf, flg byte) []byte {
		flg &^= 31
		for (int(cmf)<<8|int(flg))%31 != 0 {
			flg++
		}
		return []byte{cmf, flg}
	}
	fin := validFinished(t)
	badSum := append([]byte(nil), fin...)
	badSum[len(badSum)-1] ^= 1
	cases := []struct {
		name  string
		input []byte
		want  error
	}{
		{"method 7", withFCHECK(0x77, 0x80), ErrHeader},
		{"window exponent 8", withFCHECK(0x88, 0x80), ErrHeader},
		{"FCHECK", []byte{0x78, 0x9d}, ErrHeader},
		{"FDICT", withFCHECK(0x78, 0x20), ErrHeader},
		{"block type 3", zlibHeader().bits(1, 1).bits(3, 2).b, ErrCorrupt},
		{"stored NLEN", zlibHeader().bits(0, 3).align().bits(5, 16).bits(5, 16).b, ErrCorrupt},
		{"distance before start", zlibHeader().bits(1, 1).bits(1, 2).fixedLit('a').fixedLit(257).code(1, 5).b, ErrCorrupt},
		{"distance at start", zlibHeader().bits(1, 1).bits(1, 2).fixedLit(257).code(0, 5).b, ErrCorrupt},
		{"literal/length 286", zlibHeader().bits(1, 1).bits(1, 2).fixedLit(286).b, ErrCorrupt},
		{"literal/length 287", zlibHeader().bits(1, 1).bits(1, 2).fixedLit(287).b, ErrCorrupt},
		{"distance code 30", zlibHeader().bits(1, 1).bits(1, 2).fixedLit('a').fixedLit(257).code(30, 5).b, ErrCorrupt},
		{"distance code 31", zlibHeader().bits(1, 1).bits(1, 2).fixedLit('a').fixedLit(257).code(31, 5).b, ErrCorrupt},
		{"HLIT 287", zlibHeader().bits(0, 1).bits(2, 2).bits(30, 5).bits(0, 5).bits(0, 4).b, ErrCorrupt},
		{"HDIST 31", zlibHeader().bits(0, 1).bits(2, 2).bits(0, 5).bits(30, 5).bits(0, 4).b, ErrCorrupt},
		{"code length code over-subscribed", overSubscribed(), ErrCorrupt},
		{"code length code incomplete", zlibHeader().bits(0, 1).bits(2, 2).bits(0, 5).bits(0, 5).bits(0, 4).
			bits(2, 3).bits(0, 3).bits(0, 3).bits(2, 3).bits(0, 15*3).b, ErrCorrupt},
		{"repeat with no previous", zlibHeader().bits(0, 1).bits(2, 2).bits(0, 5).bits(0, 5).bits(0, 4).
			// lengths of 16,17,18,0: 1,0,0,1 -> symbol 0 is code 0, 16 is code 1
			bits(1, 3).bits(0, 3).bits(0, 3).bits(1, 3).code(1, 1).bits(0, 2).b, ErrCorrupt},
		{"repeat past the end", zlibHeader().bits(0, 1).bits(2, 2).bits(0, 5).bits(0, 5).bits(0, 4).
			// lengths of 16,17,18,0: 0,0,1,1 -> 0 is code 0, 18 is code 1; 3 x 138 > 258
			bits(0, 3).bits(0, 3).bits(1, 3).bits(1, 3).code(1, 1).bits(127, 7).code(1, 1).bits(127, 7).code(1, 1).bits(127, 7).b, ErrCorrupt},
		{"lit/len code over-subscribed", litOverSubscribed(), ErrCorrupt},
		{"bad Adler-32", badSum, ErrCorrupt},
		{"data after the end", append(append([]byte(nil), fin...), 0), ErrCorrupt},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Also fed a byte at a time: the error must not depend on chunking.
			for _, chunk := range []int{len(c.input), 1} {
				d := NewDecoder()
				var err error
				for i := 0; i < len(c.input) && err == nil; i += chunk {
					_, err = d.Decompress(nil, c.input[i:min(i+chunk, len(c.input))], bigLimit)
				}
				if chunk == 1 {
					t.Log(err)
				}
				if !errors.Is(err, c.want) {
					t.Fatalf("chunk %d: got %v, want %v", chunk, err, c.want)
				}
				var e *Error
				if !errors.As(err, &e) || e.Offset < 0 || e.Offset > int64(len(c.input)) {
					t.Fatalf("chunk %d: want *Error with an offset inside the input, got %#v", chunk, err)
				}
				if _, again := d.Decompress(nil, []byte{0x03, 0x00}, bigLimit); again != err {
					t.Fatalf("a broken decoder must return the same error, got %v", again)
				}
			}
		})
	}
}

// overSubscribed: all 19 code length codes have length 1.
func overSubscribed() []byte {
	w := zlibHeader().bits(0, 1).bits(2, 2).bits(0, 5).bits(0, 5).bits(15, 4)
	for range 19 {
		w.bits(1, 3)
	}
	return w.b
}

// litOverSubscribed: 258 literal/length codes of length 1, via a code
// length code where symbol 1 is code 0 and 16 (repeat) is code 1.
func litOverSubscribed() []byte {
	w := zlibHeader().bits(0, 1).bits(2, 2).bits(1, 5).bits(0, 5).bits(14, 4)
	// order 16,17,18,0,8,7,9,6,10,5,11,4,12,3,13,2,14,1: 16 and 1 have length 1
	for _, s := range codeLengthOrder[:18] {
		if s == 16 || s == 1 {
			w.bits(1, 3)
		} else {
			w.bits(0, 3)
		}
	}
	w.code(0, 1) // length 1
	for n := 1; n < 259; n += 6 {
		w.code(1, 1).bits(3, 2) // repeat 6 times
	}
	return w.b
}

// A zlib bomb: output beyond the per-call limit is an error before it is
// produced, for each kind of block.
func TestBomb(t *testing.T) {
	zeros := make([]byte, 4<<20)
	random := make([]byte, 1<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	for _, c := range []struct {
		name  string
		level int
		data  []byte
	}{
		{"matches", zlib.BestCompression, zeros},
		{"literals", zlib.HuffmanOnly, zeros},
		{"stored", zlib.NoCompression, random},
	} {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			zw, _ := zlib.NewWriterLevel(&buf, c.level)
			zw.Write(c.data)
			zw.Flush()
			const limit = 256 << 10
			d := NewDecoder()
			out, err := d.Decompress(nil, buf.Bytes(), limit)
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("got %v, want ErrTooLarge", err)
			}
			if len(out) > limit {
				t.Fatalf("released %d bytes past the limit %d", len(out), limit)
			}
			// The same stream is fine with a limit that covers it.
			out, err = NewDecoder().Decompress(nil, buf.Bytes(), len(c.data))
			if err != nil || !bytes.Equal(out, c.data) {
				t.Fatalf("with limit = size: %d bytes, %v", len(out), err)
			}
		})
	}
}

// Mutated valid streams, split at a random point, never panic and fail
// only with a typed error.
func TestMutations(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var base [][]byte
	for _, f := range []string{"testdata/partial-l9.txt", "testdata/text-l9.txt", "testdata/mixed-l6.txt"} {
		var s []byte
		for _, p := range loadVectors(t, f) {
			s = append(s, p.comp...)
			if len(s) > 4000 {
				break
			}
		}
		base = append(base, s)
	}
	for i := range 3000 {
		s := append([]byte(nil), base[i%len(base)]...)
		for range 1 + rng.IntN(4) {
			s[2+rng.IntN(len(s)-2)] ^= byte(1 << rng.IntN(8))
		}
		d := NewDecoder()
		k := rng.IntN(len(s) + 1)
		_, err := d.Decompress(nil, s[:k], 1<<20)
		if err == nil {
			_, err = d.Decompress(nil, s[k:], 1<<20)
		}
		var e *Error
		if err != nil && !errors.As(err, &e) {
			t.Fatalf("untyped error %v", err)
		}
	}
}
