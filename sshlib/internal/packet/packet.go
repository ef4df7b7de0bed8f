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
//
// Signatures:
//
//	func LookupCipher(name string) (*Cipher, bool)
//	func LookupMAC(name string) (*MAC, bool)
//	func NewSealer(cipher, mac string, k Keys, rand io.Reader) (Sealer, error) // mac ignored for AEAD rows
//	func NewOpener(cipher, mac string, k Keys) (Opener, error)
//	func NewPlainSealer(rand io.Reader) Sealer
//	func NewPlainOpener() Opener
//
// A Sealer or Opener is for one direction and one goroutine. After an Open
// error the Opener's cipher state is undefined: the connection must be
// dropped (RFC 4253 §6.4 leaves no way to resynchronise).
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

	newTagger func(key []byte) (tagger, error)
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
	// ErrKeySize is returned by NewSealer/NewOpener when Keys does not have
	// the lengths the negotiated rows require (a KDF bug, RFC 4253 §7.2).
	ErrKeySize = errors.New("wrong key material length")
)

// Error is a failure to seal or open one packet.
type Error struct {
	Op  string // "open", "seal", or "new" (constructing a Sealer/Opener)
	Seq uint32 // the packet's sequence number
	Err error  // ErrLength, ErrPadding, ErrMAC, ErrUnknown, ErrKeySize or an I/O error
}

func (e *Error) Error() string {
	if e.Op == "new" {
		return fmt.Sprintf("sshlib: packet: %v", e.Err)
	}
	return fmt.Sprintf("sshlib: packet %s #%d: %v", e.Op, e.Seq, e.Err)
}
func (e *Error) Unwrap() error { return e.Err }

// LookupCipher returns the registry row for a cipher wire name.
func LookupCipher(name string) (*Cipher, bool) {
	for i := range Ciphers {
		if Ciphers[i].Name == name {
			return &Ciphers[i], true
		}
	}
	return nil, false
}

// LookupMAC returns the registry row for a MAC wire name.
func LookupMAC(name string) (*MAC, bool) {
	for i := range MACs {
		if MACs[i].Name == name {
			return &MACs[i], true
		}
	}
	return nil, false
}

// NewSealer builds one direction's outgoing protection from the negotiated
// cipher and MAC names (RFC 4253 §7.1) and the keys derived for them (§7.2).
// For an AEAD cipher the MAC name is ignored and may be empty. Padding bytes
// are read from rand (RFC 4253 §6: "random padding").
func NewSealer(cipher, mac string, k Keys, rand io.Reader) (Sealer, error) {
	c, m, err := resolve(cipher, mac, k)
	if err != nil {
		return nil, err
	}
	s, err := c.newSealer(k, m, rand)
	if err != nil {
		return nil, &Error{Op: "new", Err: fmt.Errorf("%s: %w", c.Name, err)}
	}
	return s, nil
}

// NewOpener builds one direction's incoming protection; see NewSealer.
func NewOpener(cipher, mac string, k Keys) (Opener, error) {
	c, m, err := resolve(cipher, mac, k)
	if err != nil {
		return nil, err
	}
	o, err := c.newOpener(k, m)
	if err != nil {
		return nil, &Error{Op: "new", Err: fmt.Errorf("%s: %w", c.Name, err)}
	}
	return o, nil
}

// resolve finds the rows and checks that the key material has exactly the
// lengths they declare, so a KDF bug is a typed error rather than a panic or
// a silently truncated key.
func resolve(cipher, mac string, k Keys) (*Cipher, *MAC, error) {
	c, ok := LookupCipher(cipher)
	if !ok {
		return nil, nil, &Error{Op: "new", Err: fmt.Errorf("%w: cipher %q", ErrUnknown, cipher)}
	}
	if len(k.Key) != c.KeyLen || len(k.IV) != c.IVLen {
		return nil, nil, &Error{Op: "new", Err: fmt.Errorf("%w: %s needs key %d and IV %d bytes, got %d and %d",
			ErrKeySize, c.Name, c.KeyLen, c.IVLen, len(k.Key), len(k.IV))}
	}
	if c.AEAD {
		return c, nil, nil
	}
	m, ok := LookupMAC(mac)
	if !ok {
		return nil, nil, &Error{Op: "new", Err: fmt.Errorf("%w: MAC %q", ErrUnknown, mac)}
	}
	if len(k.MACKey) != m.KeyLen {
		return nil, nil, &Error{Op: "new", Err: fmt.Errorf("%w: %s needs a %d-byte key, got %d",
			ErrKeySize, m.Name, m.KeyLen, len(k.MACKey))}
	}
	return c, m, nil
}
