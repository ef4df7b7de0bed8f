package sshlib

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

// testdata/zlib-partial-flush.txt is one zlib stream made with C zlib
// (through Python) flushing every packet with Z_PARTIAL_FLUSH, as OpenSSH
// does; each line is "<plaintext-hex> <packet-hex>". Every packet must
// inflate to its plaintext on its own, although the empty block that ends
// it spills into the next packet.
func TestDecompressPartialFlush(t *testing.T) {
	f, err := os.Open("testdata/zlib-partial-flush.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	d := newDecompressor()
	defer d.close()
	n, unaligned := 0, 0
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 2 {
			t.Fatalf("line %d: %d fields", n+1, len(fields))
		}
		plain, err1 := hex.DecodeString(fields[0])
		pkt, err2 := hex.DecodeString(fields[1])
		if err1 != nil || err2 != nil {
			t.Fatalf("line %d: %v %v", n+1, err1, err2)
		}
		// A sync flush would end in an empty stored block (00 00 ff ff);
		// the vector is only worth something if packets end mid-byte.
		if !bytes.HasSuffix(pkt, []byte{0, 0, 0xff, 0xff}) {
			unaligned++
		}
		got, err := d.decompress(pkt)
		if err != nil {
			t.Fatalf("packet %d: %v", n, err)
		}
		if !bytes.Equal(got, plain) {
			t.Fatalf("packet %d: got %d bytes %x, want %d bytes", n, len(got), got, len(plain))
		}
		n++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 5 || unaligned == 0 {
		t.Fatalf("vector too weak: %d packets, %d not sync-flushed", n, unaligned)
	}
}
