package inflate

import (
	"bytes"
	"compress/zlib"
	"math/rand/v2"
	"testing"
)

// BenchmarkDecompress32K decodes a stream of 32 KiB packets, each ended by
// a flush as in SSH, one packet per iteration.
func BenchmarkDecompress32K(b *testing.B) {
	for _, c := range []struct {
		name  string
		shape int // shapedPayload's cases
	}{{"random", 0}, {"runs", 1}, {"pattern", 2}, {"text", 3}} {
		b.Run(c.name, func(b *testing.B) {
			const size, count = 32 << 10, 64
			rng := rand.New(rand.NewPCG(7, uint64(c.shape)))
			var packets [][]byte
			var buf bytes.Buffer
			zw := zlib.NewWriter(&buf)
			for range count {
				p := shapedPayload(rng, c.shape, size)
				zw.Write(p)
				zw.Flush()
				packets = append(packets, bytes.Clone(buf.Bytes()))
				buf.Reset()
			}
			out := make([]byte, 0, size)
			b.SetBytes(size)
			b.ReportAllocs()
			var d *Decoder
			for i := 0; b.Loop(); i++ {
				if i%count == 0 {
					d = NewDecoder()
				}
				var err error
				if out, err = d.Decompress(out[:0], packets[i%count], size); err != nil || len(out) != size {
					b.Fatal(len(out), err)
				}
			}
		})
	}
}
