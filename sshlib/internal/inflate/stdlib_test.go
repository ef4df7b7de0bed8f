package inflate

import (
	"bytes"
	"compress/zlib"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// randomPayload mixes the shapes that select different block kinds:
// random bytes (stored), runs (distance-1 matches), repeated patterns and
// skewed-alphabet text (dynamic Huffman).
func randomPayload(rng *rand.Rand, n int) []byte {
	return shapedPayload(rng, rng.IntN(4), n)
}

func shapedPayload(rng *rand.Rand, shape, n int) []byte {
	p := make([]byte, n)
	switch shape {
	case 0:
		for i := range p {
			p[i] = byte(rng.Uint32())
		}
	case 1:
		b := byte(rng.Uint32())
		for i := range p {
			if rng.IntN(500) == 0 {
				b = byte(rng.Uint32())
			}
			p[i] = b
		}
	case 2:
		pat := make([]byte, 1+rng.IntN(300))
		for i := range pat {
			pat[i] = byte(rng.Uint32())
		}
		for i := range p {
			p[i] = pat[i%len(pat)]
		}
	default:
		for i := range p {
			p[i] = "etaoin shrdlu\n"[min(rng.IntN(16), rng.IntN(14))]
		}
	}
	return p
}

// Streams written by compress/zlib with a Flush per packet (Z_SYNC_FLUSH)
// decode packet by packet to exactly what was written, at every level.
func TestDifferentialStdlibWriter(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, level := range []int{zlib.NoCompression, zlib.BestSpeed, 3, zlib.DefaultCompression, zlib.BestCompression, zlib.HuffmanOnly} {
		for round := range 5 {
			var buf bytes.Buffer
			zw, err := zlib.NewWriterLevel(&buf, level)
			if err != nil {
				t.Fatal(err)
			}
			d := NewDecoder()
			var all []byte
			for i := range 40 {
				p := randomPayload(rng, rng.IntN(40000))
				all = append(all, p...)
				zw.Write(p)
				last := i == 39 && round%2 == 0
				if last {
					zw.Close()
				} else {
					zw.Flush()
				}
				got, err := d.Decompress(nil, buf.Bytes(), 1<<20)
				if err != nil {
					t.Fatalf("level %d round %d packet %d: %v", level, round, i, err)
				}
				if !bytes.Equal(got, p) {
					t.Fatalf("level %d round %d packet %d: got %d bytes, want %d", level, round, i, len(got), len(p))
				}
				buf.Reset()
			}
		}
	}
}

// stdlibInflate is the oracle: the whole input through compress/zlib.
func stdlibInflate(data []byte, limit int) ([]byte, error) {
	zr, err := zlib.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	out, err := io.ReadAll(io.LimitReader(zr, int64(limit)+1))
	if err == nil && len(out) > limit {
		err = errors.New("over limit")
	}
	return out, err
}

// FuzzDecompress: arbitrary bytes split at an arbitrary point never panic;
// every error is typed; and when compress/zlib decodes the input as one
// complete stream, we release the same bytes, failing at most on data
// after the stream's end (which compress/zlib leaves unread).
func FuzzDecompress(f *testing.F) {
	for _, name := range []string{"testdata/split-l6.txt", "testdata/stored-l0.txt", "testdata/mixed-l6.txt"} {
		var s []byte
		for _, p := range loadVectors(f, name) {
			s = append(s, p.comp...)
			if len(s) > 3000 {
				break
			}
		}
		f.Add(s, uint(len(s)/2))
	}
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	zw.Write([]byte(strings.Repeat("fuzz me, fuzz me ", 40)))
	zw.Close()
	f.Add(buf.Bytes(), uint(7))
	f.Add([]byte{0x78, 0x9c, 0x03, 0x00}, uint(3))
	const limit = 1 << 20
	f.Fuzz(func(t *testing.T, data []byte, split uint) {
		k := int(split % uint(len(data)+1))
		d := NewDecoder()
		got, err := d.Decompress(nil, data[:k], limit)
		if err == nil {
			got, err = d.Decompress(got, data[k:], limit)
		}
		var e *Error
		if err != nil && !errors.As(err, &e) {
			t.Fatalf("untyped error %v", err)
		}
		want, werr := stdlibInflate(data, limit)
		if werr != nil {
			return
		}
		if err != nil && !(errors.Is(err, ErrCorrupt) && strings.Contains(err.Error(), "after the end")) {
			t.Fatalf("compress/zlib decodes %d bytes, we fail: %v", len(want), err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("got %d bytes, compress/zlib %d", len(got), len(want))
		}
	})
}
