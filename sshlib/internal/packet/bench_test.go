package packet

import (
	"bytes"
	"testing"
)

const benchPayload = 32 * 1024

// benchPairs: every cipher (non-AEAD ones with OpenSSH's default
// hmac-sha2-256-etm), then aes128-ctr with every MAC.
func benchPairs() []pair {
	ps := onePerCipher("hmac-sha2-256-etm@openssh.com")
	c, _ := LookupCipher("aes128-ctr")
	for i := range MACs {
		if MACs[i].Name != "hmac-sha2-256-etm@openssh.com" {
			ps = append(ps, pair{c: c, m: &MACs[i]})
		}
	}
	return ps
}

func BenchmarkSeal(b *testing.B) {
	payload := seqBytes(benchPayload, 0)
	for _, p := range benchPairs() {
		b.Run(p.name(), func(b *testing.B) {
			s, _ := newPair(b, p, nil)
			buf := make([]byte, 0, benchPayload+256)
			b.SetBytes(benchPayload)
			b.ReportAllocs()
			var seq uint32
			for b.Loop() {
				if _, err := s.Seal(buf[:0], seq, payload); err != nil {
					b.Fatal(err)
				}
				seq++
			}
		})
	}
}

func BenchmarkOpen(b *testing.B) {
	payload := seqBytes(benchPayload, 0)
	for _, p := range benchPairs() {
		b.Run(p.name(), func(b *testing.B) {
			// Open must see a fresh packet for every seq: seal a ring of
			// packets and reopen them with a new opener each lap, whose
			// first Open (which sizes its buffer) runs outside the timer.
			const ring = 64
			s, _ := newPair(b, p, nil)
			var wires [ring][]byte
			for i := range wires {
				wires[i] = mustSeal(b, s, uint32(i), payload)
			}
			var o Opener
			r := bytes.NewReader(nil)
			lap := func() {
				_, o = newPair(b, p, nil)
				r.Reset(wires[0])
				if _, err := o.Open(0, r); err != nil {
					b.Fatal(err)
				}
			}
			lap()
			b.SetBytes(benchPayload)
			b.ReportAllocs()
			i := 1
			for b.Loop() {
				if i == ring {
					b.StopTimer()
					lap()
					i = 1
					b.StartTimer()
				}
				r.Reset(wires[i])
				if _, err := o.Open(uint32(i), r); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
