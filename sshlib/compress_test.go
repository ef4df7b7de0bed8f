package sshlib

import (
	"bytes"
	"compress/zlib"
	"crypto/rand"
	"errors"
	"testing"
)

// The compressor and decompressor are each checked against the standard
// library's zlib, not only against each other.
func TestCompressionAgainstStdlib(t *testing.T) {
	c := newCompressor()
	var stream bytes.Buffer
	var plain bytes.Buffer
	d := newDecompressor()
	defer d.close()
	for i, n := range []int{1, 100, 5000, 0, 32768, 7, 70000} {
		p := make([]byte, n+1)
		p[0] = byte(94)
		rand.Read(p[1 : 1+n/2]) // half random, half zeros: compressible and not
		out := c.compress(p)
		stream.Write(out)
		plain.Write(p)
		got, err := d.decompress(append([]byte(nil), out...))
		if err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		if !bytes.Equal(got, p) {
			t.Fatalf("packet %d: round trip differs (%d vs %d bytes)", i, len(got), len(p))
		}
	}
	// The concatenated packets are one valid zlib stream for the stdlib
	// (up to the last flush point, so read exactly what was written).
	zr, err := zlib.NewReader(&stream)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]byte, plain.Len())
	if _, err := zr.Read(got[:0]); err != nil && err.Error() == "" {
		t.Fatal(err)
	}
	n := 0
	for n < len(got) {
		m, err := zr.Read(got[n:])
		n += m
		if err != nil {
			break
		}
	}
	if !bytes.Equal(got[:n], plain.Bytes()) {
		t.Fatalf("stdlib inflate of our stream differs: %d of %d bytes", n, plain.Len())
	}
}

// A packet that inflates past the packet-size bound is an error, not an allocation.
func TestDecompressionBomb(t *testing.T) {
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	zw.Write(make([]byte, 4<<20))
	zw.Flush()
	d := newDecompressor()
	defer d.close()
	_, err := d.decompress(buf.Bytes())
	if !errors.Is(err, ErrCompression) {
		t.Fatalf("want ErrCompression, got %v", err)
	}
	if _, err := d.decompress([]byte{1}); !errors.Is(err, ErrCompression) {
		t.Fatalf("broken decompressor must stay broken, got %v", err)
	}
}

func TestDecompressGarbage(t *testing.T) {
	d := newDecompressor()
	defer d.close()
	if _, err := d.decompress([]byte{0xff, 0xff, 0xff, 0xff}); !errors.Is(err, ErrCompression) {
		t.Fatalf("want ErrCompression, got %v", err)
	}
}
