// Package packet implements the binary packet protocol's protection (RFC 4253
// §6): framing, padding, encryption and integrity for one direction at a
// time. It holds the registry tables of ciphers and MACs; sshlib's policy
// (which are offered, in what order) lives in sshlib/defaults.go.
//
// CONTRACT (sshlib/transport.go depends on exactly this surface):
//
//	Ciphers, MACs           registry tables, one row per algorithm, named fields
//	LookupCipher/LookupMAC  by wire name
//	NewSealer/NewOpener     one direction's protection from negotiated names + keys
//	NewPlainSealer/Opener   the "none" state before the first NEWKEYS (block size 8)
//	*Error                  every failure of Open, with the sentinels below
package packet

import (
	"errors"
	"fmt"
	"io"
)

// MaxPacketLen bounds packet_length as read from the wire. RFC 4253 §6.1
// requires 35000 bytes; OpenSSH accepts up to 256 KiB (PACKET_MAX_SIZE), so
// that is the bound: anything larger is a typed error before any allocation.
const MaxPacketLen = 256 * 1024

// Keys is one direction's keying material, derived per RFC 4253 §7.2.
// Lengths are those of the negotiated Cipher and MAC rows.
type Keys struct {
	IV     []byte
	Key    []byte
	MACKey []byte
}

// Sealer protects outgoing packets of one direction.
type Sealer interface {
	// Seal appends to dst the complete wire form of a packet carrying payload,
	// sent as packet number seq (RFC 4253 §6.4), and returns the extended slice.
	Seal(dst []byte, seq uint32, payload []byte) ([]byte, error)
}

// Opener removes the protection of incoming packets of one direction.
type Opener interface {
	// Open reads exactly one packet from r and returns its payload. The slice
	// is only valid until the next call to Open. Every error is an *Error.
	Open(seq uint32, r io.Reader) ([]byte, error)
}

// Cipher is one row of the cipher registry.
type Cipher struct {
	Name      string // wire name, e.g. "aes128-ctr"
	KeyLen    int    // bytes of encryption key the KDF must produce
	IVLen     int    // bytes of IV the KDF must produce
	BlockSize int    // cipher block size; padding aligns to max(8, BlockSize)
	AEAD      bool   // integrity built in: the negotiated MAC is ignored (RFC 5647 §5.1, PROTOCOL.chacha20poly1305)
	Insecure  bool   // legacy (CBC, 3DES): offered only when the caller asks by name
	Spec      string // where it is specified, e.g. "RFC 4344 §4"

	newSealer func(k Keys, mac *MAC, rand io.Reader) (Sealer, error)
	newOpener func(k Keys, mac *MAC) (Opener, error)
}

// MAC is one row of the MAC registry.
type MAC struct {
	Name     string // wire name, e.g. "hmac-sha2-256-etm@openssh.com"
	KeyLen   int    // bytes of MAC key the KDF must produce
	TagLen   int    // bytes of tag on the wire
	ETM      bool   // encrypt-then-MAC (OpenSSH PROTOCOL §1.7): the length is sent in the clear
	Insecure bool   // legacy (SHA-1, MD5, truncated): offered only when asked for by name
	Spec     string

	newTagger func(key []byte) tagger
}

// tagger computes a MAC tag over seq || data (RFC 4253 §6.4).
type tagger interface {
	appendTag(dst []byte, seq uint32, data []byte) []byte
	size() int
}

// Sentinels wrapped by *Error.
var (
	ErrLength  = errors.New("bad packet length")
	ErrPadding = errors.New("bad padding")
	ErrMAC     = errors.New("message authentication failed")
	ErrUnknown = errors.New("unknown algorithm")
)

// Error is a failure to seal or open one packet.
type Error struct {
	Op  string // "open" or "seal"
	Seq uint32 // the packet's sequence number
	Err error  // ErrLength, ErrPadding, ErrMAC, ErrUnknown or an I/O error
}

func (e *Error) Error() string {
	return fmt.Sprintf("sshlib: packet %s #%d: %v", e.Op, e.Seq, e.Err)
}
func (e *Error) Unwrap() error { return e.Err }
