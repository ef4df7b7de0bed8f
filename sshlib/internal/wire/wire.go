// Package wire holds the SSH data type encodings of RFC 4251 §5: byte,
// boolean, uint32, uint64, string, mpint and name-list, as a bounds-checked
// Reader and an appending Builder. Every message parser in sshlib is written
// by hand over these two types; no reflection.
package wire

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// ErrShort is wrapped by every error for data that ends before a field does.
var ErrShort = errors.New("wire: data too short")

// ErrTrailing is returned by Reader.Done when bytes are left over.
var ErrTrailing = errors.New("wire: trailing bytes")

// ErrMalformed is wrapped by every error for a field whose bytes are present
// but invalid (a non-minimal mpint, a boolean other than 0/1 where strict, a
// name-list with an empty name or a non-ASCII byte).
var ErrMalformed = errors.New("wire: malformed field")

// FieldError says which field of which message failed to parse.
type FieldError struct {
	Field string // e.g. "kex_algorithms"
	Err   error  // ErrShort, ErrMalformed or ErrTrailing, possibly wrapped
}

func (e *FieldError) Error() string { return fmt.Sprintf("wire: field %s: %v", e.Field, e.Err) }
func (e *FieldError) Unwrap() error { return e.Err }

// Reader consumes SSH data types from a byte slice. The first failure is
// sticky: later reads return zero values and Err reports the first error, so
// a parser can read every field and check once at the end.
type Reader struct {
	b   []byte
	err error
}

// NewReader returns a Reader over b. It never modifies b; returned byte slices
// alias b.
func NewReader(b []byte) *Reader { return &Reader{b: b} }

// Err is the first error met, or nil.
func (r *Reader) Err() error { return r.err }

// Len is the number of unread bytes.
func (r *Reader) Len() int { return len(r.b) }

// Rest returns the unread bytes and consumes them.
func (r *Reader) Rest() []byte {
	b := r.b
	r.b = nil
	return b
}

func (r *Reader) fail(field string, err error) {
	if r.err == nil {
		r.err = &FieldError{Field: field, Err: err}
	}
}

// Done reports the first error, or ErrTrailing (naming field) if unread
// bytes remain.
func (r *Reader) Done(field string) error {
	if r.err != nil {
		return r.err
	}
	if len(r.b) != 0 {
		return &FieldError{Field: field, Err: fmt.Errorf("%w: %d bytes after the last field", ErrTrailing, len(r.b))}
	}
	return nil
}

// Bytes reads n raw bytes.
func (r *Reader) Bytes(field string, n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.fail(field, fmt.Errorf("%w: want %d bytes, have %d", ErrShort, n, len(r.b)))
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

// Byte reads one byte.
func (r *Reader) Byte(field string) byte {
	b := r.Bytes(field, 1)
	if b == nil {
		return 0
	}
	return b[0]
}

// Bool reads a boolean (RFC 4251 §5: any non-zero value is true).
func (r *Reader) Bool(field string) bool { return r.Byte(field) != 0 }

// Uint32 reads a big-endian uint32.
func (r *Reader) Uint32(field string) uint32 {
	b := r.Bytes(field, 4)
	if b == nil {
		return 0
	}
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// Uint64 reads a big-endian uint64.
func (r *Reader) Uint64(field string) uint64 {
	hi := r.Uint32(field)
	lo := r.Uint32(field)
	return uint64(hi)<<32 | uint64(lo)
}

// String reads a length-prefixed byte string. The length is checked against
// the remaining input before anything is sliced, so a hostile length never
// causes an allocation.
func (r *Reader) String(field string) []byte {
	n := r.Uint32(field)
	if r.err != nil {
		return nil
	}
	if uint64(n) > uint64(len(r.b)) {
		r.fail(field, fmt.Errorf("%w: string length %d, %d bytes left", ErrShort, n, len(r.b)))
		return nil
	}
	return r.Bytes(field, int(n))
}

// Text reads a string and returns it as a Go string.
func (r *Reader) Text(field string) string { return string(r.String(field)) }

// NameList reads a name-list (RFC 4251 §5): comma-separated, non-empty,
// US-ASCII names without commas. An empty string is an empty list.
func (r *Reader) NameList(field string) []string {
	s := r.String(field)
	if r.err != nil || len(s) == 0 {
		return nil
	}
	for _, c := range s {
		if c <= ' ' || c >= 0x7f {
			r.fail(field, fmt.Errorf("%w: name-list byte 0x%02x", ErrMalformed, c))
			return nil
		}
	}
	names := strings.Split(string(s), ",")
	for _, n := range names {
		if n == "" {
			r.fail(field, fmt.Errorf("%w: empty name in name-list %q", ErrMalformed, s))
			return nil
		}
	}
	return names
}

// MPInt reads an mpint (RFC 4251 §5) and rejects non-minimal encodings.
func (r *Reader) MPInt(field string) *big.Int {
	b := r.String(field)
	if r.err != nil {
		return nil
	}
	if len(b) == 0 {
		return new(big.Int)
	}
	if b[0] == 0 && (len(b) == 1 || b[1]&0x80 == 0) {
		r.fail(field, fmt.Errorf("%w: mpint with a needless leading zero", ErrMalformed))
		return nil
	}
	v := new(big.Int).SetBytes(b)
	if b[0]&0x80 != 0 {
		// Negative: two's complement.
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(len(b))*8))
	}
	return v
}

// Builder appends SSH data types to a byte slice.
type Builder struct{ b []byte }

// NewBuilder returns a Builder that appends to buf (which may be nil).
func NewBuilder(buf []byte) *Builder { return &Builder{b: buf} }

// Bytes returns the built bytes.
func (w *Builder) Bytes() []byte { return w.b }

// Len is the number of bytes built so far.
func (w *Builder) Len() int { return len(w.b) }

// Byte appends one byte.
func (w *Builder) Byte(v byte) *Builder { w.b = append(w.b, v); return w }

// Bool appends a boolean.
func (w *Builder) Bool(v bool) *Builder {
	if v {
		return w.Byte(1)
	}
	return w.Byte(0)
}

// Raw appends bytes with no length prefix.
func (w *Builder) Raw(v []byte) *Builder { w.b = append(w.b, v...); return w }

// Uint32 appends a big-endian uint32.
func (w *Builder) Uint32(v uint32) *Builder {
	w.b = append(w.b, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	return w
}

// Uint64 appends a big-endian uint64.
func (w *Builder) Uint64(v uint64) *Builder { return w.Uint32(uint32(v >> 32)).Uint32(uint32(v)) }

// String appends a length-prefixed byte string.
func (w *Builder) String(v []byte) *Builder { return w.Uint32(uint32(len(v))).Raw(v) }

// Text appends a length-prefixed Go string.
func (w *Builder) Text(v string) *Builder {
	w.Uint32(uint32(len(v)))
	w.b = append(w.b, v...)
	return w
}

// NameList appends a name-list.
func (w *Builder) NameList(v []string) *Builder { return w.Text(strings.Join(v, ",")) }

// MPInt appends v as an mpint (RFC 4251 §5): minimal two's complement,
// a leading zero byte when the top bit of a positive value is set.
func (w *Builder) MPInt(v *big.Int) *Builder { w.b = AppendMPInt(w.b, v); return w }

// MPIntBytes appends the unsigned big-endian magnitude mag as an mpint. It is
// how shared secrets that arrive as fixed-length byte strings (X25519, ECDH)
// are encoded: leading zeros are stripped, and a zero byte is prepended when
// the top bit is set (RFC 8731 §3.1, RFC 5656 §4).
func (w *Builder) MPIntBytes(mag []byte) *Builder { w.b = AppendMPIntBytes(w.b, mag); return w }

// AppendMPInt appends v as an mpint to b.
func AppendMPInt(b []byte, v *big.Int) []byte {
	switch v.Sign() {
	case 0:
		return append(b, 0, 0, 0, 0)
	case 1:
		return AppendMPIntBytes(b, v.Bytes())
	}
	// Negative: minimal two's complement.
	n := (v.BitLen() + 8) / 8 // enough bytes for the sign bit
	mod := new(big.Int).Lsh(big.NewInt(1), uint(n)*8)
	tc := new(big.Int).Add(mod, v).Bytes()
	for len(tc) < n {
		tc = append([]byte{0xff}, tc...)
	}
	// Strip redundant 0xff bytes while the next byte keeps the sign bit.
	for len(tc) > 1 && tc[0] == 0xff && tc[1]&0x80 != 0 {
		tc = tc[1:]
	}
	b = NewBuilder(b).String(tc).Bytes()
	return b
}

// AppendMPIntBytes appends the unsigned magnitude mag as an mpint to b.
func AppendMPIntBytes(b []byte, mag []byte) []byte {
	for len(mag) > 0 && mag[0] == 0 {
		mag = mag[1:]
	}
	n := len(mag)
	pad := n > 0 && mag[0]&0x80 != 0
	if pad {
		n++
	}
	b = append(b, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	if pad {
		b = append(b, 0)
	}
	return append(b, mag...)
}
