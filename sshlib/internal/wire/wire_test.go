package wire

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math/big"
	"testing"
)

// RFC 4251 §5 gives these mpint examples; they are the test vectors.
func TestMPIntRFC4251Examples(t *testing.T) {
	cases := []struct {
		hexValue string
		neg      bool
		want     string
	}{
		{"0", false, "00000000"},
		{"9a378f9b2e332a7", false, "0000000809a378f9b2e332a7"},
		{"80", false, "000000020080"},
		{"1234", true, "00000002edcc"},
		{"deadbeef", true, "00000005ff21524111"},
	}
	for _, c := range cases {
		v, _ := new(big.Int).SetString(c.hexValue, 16)
		if c.neg {
			v.Neg(v)
		}
		got := hex.EncodeToString(AppendMPInt(nil, v))
		if got != c.want {
			t.Errorf("mpint(%s%s) = %s, want %s", map[bool]string{true: "-"}[c.neg], c.hexValue, got, c.want)
		}
		raw, _ := hex.DecodeString(c.want)
		r := NewReader(raw)
		back := r.MPInt("v")
		if err := r.Done("v"); err != nil {
			t.Fatalf("parse %s: %v", c.want, err)
		}
		if back.Cmp(v) != 0 {
			t.Errorf("parse %s = %v, want %v", c.want, back, v)
		}
	}
}

func TestMPIntBytesStripsAndPads(t *testing.T) {
	got := AppendMPIntBytes(nil, []byte{0, 0, 0x80, 1})
	if want := []byte{0, 0, 0, 3, 0, 0x80, 1}; !bytes.Equal(got, want) {
		t.Fatalf("got %x want %x", got, want)
	}
	if got := AppendMPIntBytes(nil, []byte{0, 0}); !bytes.Equal(got, []byte{0, 0, 0, 0}) {
		t.Fatalf("zero: got %x", got)
	}
}

func TestReaderRejectsHostileLengths(t *testing.T) {
	r := NewReader([]byte{0xff, 0xff, 0xff, 0xf0, 'a'})
	if s := r.String("s"); s != nil || !errors.Is(r.Err(), ErrShort) {
		t.Fatalf("got %q, %v", s, r.Err())
	}
	var fe *FieldError
	if !errors.As(r.Err(), &fe) || fe.Field != "s" {
		t.Fatalf("error does not name the field: %v", r.Err())
	}
}

func TestReaderTrailingAndNameList(t *testing.T) {
	b := NewBuilder(nil).NameList([]string{"a", "b"}).Byte(7).Bytes()
	r := NewReader(b)
	if got := r.NameList("l"); len(got) != 2 || got[1] != "b" {
		t.Fatalf("namelist %v", got)
	}
	if err := r.Done("msg"); !errors.Is(err, ErrTrailing) {
		t.Fatalf("want trailing, got %v", err)
	}
	bad := NewReader(NewBuilder(nil).Text("a,,b").Bytes())
	bad.NameList("l")
	if !errors.Is(bad.Err(), ErrMalformed) {
		t.Fatalf("empty name accepted: %v", bad.Err())
	}
	nonmin := NewReader([]byte{0, 0, 0, 2, 0, 1})
	nonmin.MPInt("m")
	if !errors.Is(nonmin.Err(), ErrMalformed) {
		t.Fatalf("non-minimal mpint accepted")
	}
}

func FuzzReader(f *testing.F) {
	f.Add(NewBuilder(nil).NameList([]string{"x"}).MPInt(big.NewInt(-5)).Uint64(9).Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		r := NewReader(b)
		r.NameList("a")
		v := r.MPInt("b")
		r.Uint64("c")
		r.Bool("d")
		if r.Err() == nil && v != nil {
			// A value that parsed re-encodes to the same bytes (mpints are canonical).
			enc := AppendMPInt(nil, v)
			r2 := NewReader(enc)
			if r2.MPInt("x").Cmp(v) != 0 {
				t.Fatalf("mpint round trip")
			}
		}
	})
}
