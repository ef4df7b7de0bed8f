package sshlib

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
)

// Compression (RFC 4253 §6.2): one zlib stream per direction for the life of
// the connection, each packet's payload ending at a flush point. Our side
// flushes with Z_SYNC_FLUSH (compress/flate's Flush); OpenSSH uses
// Z_PARTIAL_FLUSH, whose flush point can fall inside a byte, so the inflater
// must keep its bit state between packets. compress/flate cannot pause on an
// empty input, so it runs in its own goroutine, fed packet by packet; it
// reports "starved" when it asks for input that has not arrived, which is
// the end of that packet's output.

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

type inflateEvent struct {
	data    []byte
	err     error
	starved bool
}

type decompressor struct {
	feed   chan []byte
	events chan inflateEvent
	done   chan struct{}
	broken error
	out    []byte
	// pendingStarve: the starvation that ended the last packet was consumed
	// by await, so the inflater is already waiting for input.
	pendingStarve bool
}

func newDecompressor() *decompressor {
	d := &decompressor{
		feed:   make(chan []byte),
		events: make(chan inflateEvent),
		done:   make(chan struct{}),
	}
	go d.run()
	return d
}

// source is the inflater's input: the current packet's bytes; when they are
// used up it reports starvation and waits for the next packet.
type source struct {
	d   *decompressor
	cur []byte
}

func (s *source) Read(p []byte) (int, error) {
	if len(s.cur) == 0 {
		select {
		case s.d.events <- inflateEvent{starved: true}:
		case <-s.d.done:
			return 0, io.EOF
		}
		select {
		case s.cur = <-s.d.feed:
		case <-s.d.done:
			return 0, io.EOF
		}
	}
	// One byte at a time would be exact but slow; handing out the whole
	// packet is safe because flate wraps a non-ByteReader in bufio, so we
	// give it a ByteReader instead (ReadByte below) and it never over-reads.
	n := copy(p, s.cur)
	s.cur = s.cur[n:]
	return n, nil
}

func (s *source) ReadByte() (byte, error) {
	var b [1]byte
	if _, err := s.Read(b[:]); err != nil {
		return 0, err
	}
	return b[0], nil
}

func (d *decompressor) run() {
	src := &source{d: d}
	send := func(ev inflateEvent) bool {
		select {
		case d.events <- ev:
			return true
		case <-d.done:
			return false
		}
	}
	zr, err := zlib.NewReader(src)
	if err != nil {
		send(inflateEvent{err: err})
		return
	}
	buf := make([]byte, 32<<10)
	for {
		n, err := zr.Read(buf)
		if n > 0 && !send(inflateEvent{data: append([]byte(nil), buf[:n]...)}) {
			return
		}
		if err != nil {
			if err == io.EOF {
				err = errors.New("zlib stream ended")
			}
			send(inflateEvent{err: err})
			return
		}
	}
}

// decompress inflates one packet's payload.
func (d *decompressor) decompress(p []byte) ([]byte, error) {
	if d.broken != nil {
		return nil, d.broken
	}
	// Wait for the inflater to ask for input: it starts that way, and every
	// packet ends that way.
	if err := d.await(nil); err != nil {
		return nil, err
	}
	select {
	case d.feed <- p:
	case <-d.done:
		return nil, fmt.Errorf("%w: closed", ErrCompression)
	}
	d.out = d.out[:0]
	if err := d.await(&d.out); err != nil {
		return nil, err
	}
	d.pendingStarve = true
	return d.out, nil
}

// await collects output until the inflater starves.
func (d *decompressor) await(out *[]byte) error {
	if out == nil && d.pendingStarve {
		d.pendingStarve = false
		return nil
	}
	for ev := range d.events {
		switch {
		case ev.err != nil:
			d.broken = fmt.Errorf("%w: %v", ErrCompression, ev.err)
			d.close()
			return d.broken
		case ev.starved:
			return nil
		default:
			if out == nil {
				d.broken = fmt.Errorf("%w: output without input", ErrCompression)
				d.close()
				return d.broken
			}
			if len(*out)+len(ev.data) > maxDecompressed {
				d.broken = fmt.Errorf("%w: packet inflates past %d bytes", ErrCompression, maxDecompressed)
				d.close()
				return d.broken
			}
			*out = append(*out, ev.data...)
		}
	}
	return fmt.Errorf("%w: inflater stopped", ErrCompression)
}

func (d *decompressor) close() {
	select {
	case <-d.done:
	default:
		close(d.done)
	}
}
