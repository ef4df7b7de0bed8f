package packet

import (
	"encoding/binary"
	"errors"
	"io"
	"slices"
)

// Framing shared by every mode (RFC 4253 §6):
//
//	uint32  packet_length   (bytes after this field, excluding the MAC)
//	byte    padding_length
//	byte[]  payload
//	byte[]  random padding  (at least 4 bytes)
//	byte[]  mac
//
// The length through the padding is a multiple of max(8, block size). With an
// encrypt-then-MAC MAC (OpenSSH PROTOCOL §1.7) or an AEAD cipher (RFC 5647
// §7.2, PROTOCOL.chacha20poly1305) packet_length is not encrypted, or is
// encrypted separately, and is left out of the alignment.

const minPadding = 4 // RFC 4253 §6: "at least four bytes of padding"

// padLen returns the padding for n payload bytes. lenAligned says whether the
// 4-byte length counts towards the alignment.
func padLen(n, align int, lenAligned bool) int {
	l := 1 + n
	if lenAligned {
		l += 4
	}
	p := align - l%align
	if p < minPadding {
		p += align
	}
	return p
}

// frame appends to dst the cleartext of a packet carrying payload, followed
// by tagLen bytes of spare capacity for the MAC, and returns dst extended and
// the packet region (length field through padding).
func frame(dst []byte, seq uint32, payload []byte, align int, lenAligned bool, tagLen int, rand io.Reader) ([]byte, []byte, error) {
	pad := padLen(len(payload), align, lenAligned)
	pl := 1 + len(payload) + pad
	if pl > MaxPacketLen {
		return dst, nil, &Error{Op: "seal", Seq: seq, Err: ErrLength}
	}
	start := len(dst)
	dst = slices.Grow(dst, 4+pl+tagLen)[:start+4+pl]
	pkt := dst[start:]
	binary.BigEndian.PutUint32(pkt, uint32(pl))
	pkt[4] = byte(pad)
	copy(pkt[5:], payload)
	if _, err := io.ReadFull(rand, pkt[5+len(payload):]); err != nil {
		return dst[:start], nil, &Error{Op: "seal", Seq: seq, Err: err}
	}
	return dst, pkt, nil
}

// rbuf is an Opener's reusable receive buffer. It only grows, and only to a
// size already checked against MaxPacketLen.
type rbuf struct{ b []byte }

// read fills b[off:end] from r, growing the buffer to end bytes. The bytes
// before off are kept.
func (rb *rbuf) read(r io.Reader, seq uint32, off, end int) ([]byte, error) {
	if cap(rb.b) < end {
		rb.b = slices.Grow(rb.b[:off], end-off)
	}
	b := rb.b[:end]
	if _, err := io.ReadFull(r, b[off:]); err != nil {
		// A clean EOF is only clean at a packet boundary; anywhere else
		// the packet was cut short.
		if errors.Is(err, io.EOF) && off > 0 {
			err = io.ErrUnexpectedEOF
		}
		return nil, &Error{Op: "open", Seq: seq, Err: err}
	}
	return b, nil
}

// checkLen validates packet_length before anything is allocated for it. For
// a cleartext-aligned length (lenAligned) the whole packet must be at least
// 16 bytes or one block (RFC 4253 §6); otherwise the padded part must be at
// least padding_length plus 4 bytes of padding and aligned.
func checkLen(pl uint32, align int, lenAligned bool, seq uint32) error {
	if pl > MaxPacketLen {
		return &Error{Op: "open", Seq: seq, Err: ErrLength}
	}
	n := int(pl)
	if lenAligned {
		n += 4
		if n < max(16, align) || n%align != 0 {
			return &Error{Op: "open", Seq: seq, Err: ErrLength}
		}
		return nil
	}
	if n < 1+minPadding || n%align != 0 {
		return &Error{Op: "open", Seq: seq, Err: ErrLength}
	}
	return nil
}

// payloadOf checks padding_length in an authenticated, decrypted packet
// (length field through padding) and returns the payload.
func payloadOf(pkt []byte, seq uint32) ([]byte, error) {
	pl := len(pkt) - 4
	p := int(pkt[4])
	if p < minPadding || p >= pl {
		return nil, &Error{Op: "open", Seq: seq, Err: ErrPadding}
	}
	return pkt[5 : 4+pl-p], nil
}

func alignOf(blockSize int) int { return max(8, blockSize) }
