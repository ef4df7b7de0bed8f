package packet

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// payloadSizes covers the empty payload, every size around 8- and 16-byte
// block edges, and large payloads up to beyond 2^16.
func payloadSizes() []int {
	var s []int
	for i := 0; i <= 40; i++ {
		s = append(s, i)
	}
	for _, n := range []int{47, 48, 49, 63, 64, 65, 255, 256, 257, 1000, 4091, 4096, 32768, 35000, 65535, 65536, 70000} {
		s = append(s, n)
	}
	return s
}

func TestRoundTrip(t *testing.T) {
	sizes := payloadSizes()
	for _, p := range allPairs() {
		t.Run(p.name(), func(t *testing.T) {
			s, o := newPair(t, p, nil)
			align := max(8, p.c.BlockSize)
			// Start just below 2^32 so the sequence number wraps mid-stream.
			seq := uint32(1<<32 - 5)
			var stream []byte
			for _, n := range sizes {
				payload := seqBytes(n, byte(n))
				before := len(stream)
				var err error
				stream, err = s.Seal(stream, seq, payload)
				if err != nil {
					t.Fatalf("Seal %d bytes: %v", n, err)
				}
				checkShape(t, p, align, n, stream[before:])
				seq++
			}
			r := bytes.NewReader(stream)
			seq = uint32(1<<32 - 5)
			for _, n := range sizes {
				got, err := o.Open(seq, r)
				if err != nil {
					t.Fatalf("Open %d bytes (seq %d): %v", n, seq, err)
				}
				if !bytes.Equal(got, seqBytes(n, byte(n))) {
					t.Fatalf("payload of %d bytes: %s", n, hexDiff(got, seqBytes(n, byte(n))))
				}
				seq++
			}
			if _, err := o.Open(seq, r); !errors.Is(err, io.EOF) {
				t.Fatalf("Open at end of stream: %v, want io.EOF", err)
			}
		})
	}
}

// checkShape verifies the framing arithmetic from the outside: the aligned
// part is a multiple of max(8, block size) and there are 4 to 4+align-1
// bytes of padding (RFC 4253 §6).
func checkShape(t *testing.T, p pair, align, n int, wire []byte) {
	t.Helper()
	body := len(wire) - p.tagLen()
	aligned := body
	if p.lenInClear() {
		aligned -= 4
	}
	if aligned%align != 0 {
		t.Fatalf("%d-byte payload: aligned part %d not a multiple of %d", n, aligned, align)
	}
	pad := body - 4 - 1 - n
	if pad < 4 || pad >= 4+align {
		t.Fatalf("%d-byte payload: %d bytes of padding", n, pad)
	}
}

func TestPlainRoundTrip(t *testing.T) {
	s := NewPlainSealer(fixedReader{0xAA})
	o := NewPlainOpener()
	for _, n := range payloadSizes() {
		payload := seqBytes(n, 3)
		w, err := s.Seal(nil, uint32(n), payload)
		if err != nil {
			t.Fatal(err)
		}
		// Cleartext: the wire is exactly length || padlen || payload || padding.
		pad := int(w[4])
		if len(w)%8 != 0 || pad < 4 || pad >= 12 || len(w) != 4+1+n+pad ||
			!bytes.Equal(w[5:5+n], payload) || !bytes.Equal(w[5+n:], bytes.Repeat([]byte{0xAA}, pad)) {
			t.Fatalf("%d bytes: bad plain packet % x", n, w[:min(len(w), 32)])
		}
		got, err := o.Open(uint32(n), bytes.NewReader(w))
		if err != nil || !bytes.Equal(got, payload) {
			t.Fatalf("%d bytes: Open = %v", n, err)
		}
	}
}

// TestSealTooLarge: a payload whose packet would exceed MaxPacketLen is
// refused by Seal (the peer would drop the connection on it).
func TestSealTooLarge(t *testing.T) {
	for _, p := range onePerCipher("hmac-sha2-256") {
		s, o := newPair(t, p, nil)
		if _, err := s.Seal(nil, 0, make([]byte, MaxPacketLen)); !errors.Is(err, ErrLength) {
			t.Fatalf("%s: Seal(MaxPacketLen) = %v, want ErrLength", p.name(), err)
		}
		// The largest payload that fits is accepted and opened.
		n := MaxPacketLen - 1 - 4 - max(8, p.c.BlockSize)
		w := mustSeal(t, s, 0, make([]byte, n))
		if _, err := o.Open(0, bytes.NewReader(w)); err != nil {
			t.Fatalf("%s: Open of %d-byte payload: %v", p.name(), n, err)
		}
	}
}
