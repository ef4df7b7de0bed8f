package inflate

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// packet is one line of a testdata file written by testdata/gen.py with
// CPython's zlib (the C library): the compressed bytes of one packet and
// what C zlib's inflate released after it.
type packet struct {
	want, comp []byte
	flush      string
}

func loadVectors(t testing.TB, path string) []packet {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var pk []packet
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 8<<20)
	for line := 1; sc.Scan(); line++ {
		if strings.HasPrefix(sc.Text(), "#") {
			continue
		}
		fields := strings.Fields(sc.Text())
		if len(fields) != 3 {
			t.Fatalf("%s:%d: %d fields, want 3", path, line, len(fields))
		}
		var p packet
		for i, dst := range []*[]byte{&p.want, &p.comp} {
			if fields[i] == "-" {
				continue
			}
			if *dst, err = hex.DecodeString(fields[i]); err != nil {
				t.Fatalf("%s:%d: %v", path, line, err)
			}
		}
		p.flush = fields[2]
		pk = append(pk, p)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(pk) == 0 {
		t.Fatalf("%s: no packets", path)
	}
	return pk
}

func vectorFiles(t *testing.T) []string {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) < 10 {
		t.Fatalf("test vectors missing: %v %v", files, err)
	}
	return files
}

const bigLimit = 1 << 30

// Every packet releases exactly what C zlib's inflate released.
func TestVectorsPerPacket(t *testing.T) {
	for _, file := range vectorFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			d := NewDecoder()
			for i, p := range loadVectors(t, file) {
				got, err := d.Decompress(nil, p.comp, bigLimit)
				if err != nil {
					t.Fatalf("packet %d (%s): %v", i, p.flush, err)
				}
				if !bytes.Equal(got, p.want) {
					t.Fatalf("packet %d (%s): got %d bytes, want %d", i, p.flush, len(got), len(p.want))
				}
			}
		})
	}
}

// Fed one byte at a time, the decoder releases a prefix of the expected
// output after every byte and all of it at every packet end: the input
// boundary never loses or delays anything.
func TestVectorsByteByByte(t *testing.T) {
	for _, file := range vectorFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			var want, got []byte
			d := NewDecoder()
			var err error
			for i, p := range loadVectors(t, file) {
				want = append(want, p.want...)
				for j := range p.comp {
					if got, err = d.Decompress(got, p.comp[j:j+1], bigLimit); err != nil {
						t.Fatalf("packet %d byte %d: %v", i, j, err)
					}
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("after packet %d: %d bytes released, want %d", i, len(got), len(want))
				}
			}
		})
	}
}

// One stream cut into two chunks at every byte position decodes to the
// same bytes.
func TestSplitEveryPosition(t *testing.T) {
	var stream, want []byte
	for _, p := range loadVectors(t, "testdata/split-l6.txt") {
		stream = append(stream, p.comp...)
		want = append(want, p.want...)
	}
	for k := 0; k <= len(stream); k++ {
		d := NewDecoder()
		got, err := d.Decompress(nil, stream[:k], bigLimit)
		if err != nil {
			t.Fatalf("split %d, first half: %v", k, err)
		}
		if !bytes.HasPrefix(want, got) {
			t.Fatalf("split %d: first half released bytes that are not a prefix", k)
		}
		if got, err = d.Decompress(got, stream[k:], bigLimit); err != nil {
			t.Fatalf("split %d, second half: %v", k, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("split %d: got %d bytes, want %d", k, len(got), len(want))
		}
	}
}

// The stream from Z_FINISH ends: its Adler-32 is checked and nothing may
// follow it.
func TestFinishedStream(t *testing.T) {
	var stream []byte
	for _, p := range loadVectors(t, "testdata/stored-l0.txt") {
		stream = append(stream, p.comp...)
	}
	d := NewDecoder()
	if _, err := d.Decompress(nil, stream, bigLimit); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Decompress(nil, nil, bigLimit); err != nil {
		t.Fatalf("empty input after the end: %v", err)
	}
	_, err := d.Decompress(nil, []byte{0}, bigLimit)
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "after the end") {
		t.Fatalf("byte after the end: got %v", err)
	}
}
