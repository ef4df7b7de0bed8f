package sshlib

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"

	"github.com/sshmatrix/sshmatrix/sshlib/internal/inflate"
)

// Compression (RFC 4253 §6.2): one zlib stream per direction for the life of
// the connection, each packet's payload ending at a flush point. Our side
// flushes with Z_SYNC_FLUSH (compress/flate's Flush); OpenSSH uses
// Z_PARTIAL_FLUSH, whose flush point can fall inside a byte, so the inflater
// must keep its bit state between packets and release, for each packet,
// everything decodable so far. compress/flate releases output only at a
// sync flush, the final block or a full window, so the receiving side uses
// our own resumable inflater (internal/inflate).

// maxDecompressed bounds one packet's decompressed payload: a compressed
// packet may not inflate past the largest packet we accept, so a zlib bomb
// costs at most this much.
const maxDecompressed = 256 << 10

// ErrCompression is wrapped by every decompression failure.
var ErrCompression = errors.New("sshlib: compression error")

type compressor struct {
	buf bytes.Buffer
	zw  *zlib.Writer
}

func newCompressor() *compressor {
	c := new(compressor)
	c.zw = zlib.NewWriter(&c.buf)
	return c
}

// compress returns the compressed form of p, valid until the next call.
func (c *compressor) compress(p []byte) []byte {
	c.buf.Reset()
	c.zw.Write(p) // writes to a bytes.Buffer cannot fail
	c.zw.Flush()
	return c.buf.Bytes()
}

// decompressor inflates the peer's stream packet by packet with
// internal/inflate, which keeps its bit position between packets and
// releases every byte decodable from the input so far.
type decompressor struct {
	d      *inflate.Decoder
	out    []byte
	broken error
}

func newDecompressor() *decompressor {
	return &decompressor{d: inflate.NewDecoder()}
}

// decompress inflates one packet's payload. The result is valid until the
// next call. A packet inflating past maxDecompressed is an error.
func (d *decompressor) decompress(p []byte) ([]byte, error) {
	if d.broken != nil {
		return nil, d.broken
	}
	out, err := d.d.Decompress(d.out[:0], p, maxDecompressed)
	if err != nil {
		d.broken = fmt.Errorf("%w: %w", ErrCompression, err)
		return nil, d.broken
	}
	d.out = out
	return out, nil
}

// close releases nothing: the decoder holds no goroutine or descriptor.
// It is kept so the transport can end a decompressor's life explicitly.
func (d *decompressor) close() {}
