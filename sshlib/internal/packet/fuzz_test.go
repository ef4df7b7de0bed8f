package packet

import (
	"bytes"
	"errors"
	"testing"
)

// fuzzPairs are the openers FuzzOpen drives: every cipher (with an EtM and a
// non-EtM MAC for the non-AEAD ones) and the "none" state. The first input
// byte picks one.
func fuzzPairs() []pair {
	ps := onePerCipher("hmac-sha2-256")
	for _, p := range onePerCipher("umac-64-etm@openssh.com") {
		if p.m != nil {
			ps = append(ps, p)
		}
	}
	return ps
}

func FuzzOpen(f *testing.F) {
	ps := fuzzPairs()
	for i, p := range ps {
		s, _ := newPair(f, p, fixedReader{7})
		for _, n := range []int{0, 13, 200} {
			f.Add(append([]byte{byte(i)}, mustSeal(f, s, 5, seqBytes(n, byte(n)))...))
		}
	}
	plain := NewPlainSealer(fixedReader{7})
	w, _ := plain.Seal(nil, 5, []byte("\x14hello"))
	f.Add(append([]byte{byte(len(ps))}, w...))

	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) == 0 {
			return
		}
		var o Opener
		if i := int(in[0]); i < len(ps) {
			_, o = newPair(t, ps[i], nil)
		} else {
			o = NewPlainOpener()
		}
		wire := in[1:]
		payload, err := o.Open(5, bytes.NewReader(wire))
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not an *Error", err)
			}
			return
		}
		if len(payload) > len(wire) {
			t.Fatalf("payload of %d bytes from %d input bytes", len(payload), len(wire))
		}
	})
}
