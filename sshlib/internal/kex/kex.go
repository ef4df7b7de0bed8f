// Package kex implements the client side of every SSH key exchange method
// (RFC 4253 §8, RFC 4419, RFC 5656, RFC 8268, RFC 8731, the sntrup761 and
// ML-KEM hybrid drafts). It computes the exchange hash H and the shared secret
// K; the caller (sshlib/handshake.go) verifies the host signature over H and
// derives keys.
//
// CONTRACT (sshlib depends on exactly this surface):
//
//	Methods, Lookup   the registry table, one row per method
//	Method.Start      begins the client side and yields the first packet
//	Client.Finish     completes it over a Conn and returns *Result
//	*Error            every failure, naming the method and the step
package kex

import (
	"crypto"
	"errors"
	"fmt"
	"io"
)

// Conn carries kex packets (payloads, message number first). ReadPacket
// returns only key-exchange messages (numbers 30..49); the transport filters
// IGNORE/DEBUG below it.
type Conn interface {
	WritePacket(p []byte) error
	ReadPacket() ([]byte, error)
}

// Magics are the handshake inputs every exchange hash covers (RFC 4253 §8):
// V_C, V_S without CR LF, and I_C, I_S, the KEXINIT payloads.
type Magics struct {
	ClientVersion, ServerVersion []byte
	ClientKexInit, ServerKexInit []byte
}

// Params configure one exchange.
type Params struct {
	Rand io.Reader
	// Group exchange (RFC 4419 §3) bit sizes; zero means 2048/3072/8192.
	GexMin, GexPreferred, GexMax int
}

// Result is what a finished exchange yields.
type Result struct {
	H         []byte      // exchange hash
	K         []byte      // shared secret exactly as it enters H and the KDF: mpint or string, length prefix included
	HostKey   []byte      // K_S, the server's public host key blob
	Signature []byte      // the server's signature blob over H
	Hash      crypto.Hash // the method's hash: used for H and for the KDF (RFC 4253 §7.2)
}

// Client is one in-progress client-side exchange.
type Client interface {
	// First is the client's first kex message (KEXDH_INIT, KEX_ECDH_INIT,
	// KEX_DH_GEX_REQUEST, ...). The transport sends it, possibly as a guess
	// right after KEXINIT (RFC 4253 §7, first_kex_packet_follows).
	First() []byte
	// Finish reads the server's messages from c (writing any further client
	// messages), checks the server's public values and computes H.
	Finish(c Conn, m *Magics) (*Result, error)
}

// Method is one row of the key exchange registry.
type Method struct {
	Name     string      // wire name
	Hash     crypto.Hash // hash of H and of the KDF
	Insecure bool        // SHA-1 or group1: offered only when asked for by name
	Spec     string      // e.g. "RFC 8731"
	// StringSecret: K is encoded as a string, not an mpint (hybrid PQ kexes).
	StringSecret bool

	Start func(p *Params) (Client, error)
}

// ErrPeerValue is wrapped when the server's public value is invalid (out of
// the DH range, not on the curve, an all-zero X25519 result, a bad KEM ciphertext length).
var ErrPeerValue = errors.New("invalid server public value")

// ErrGroup is wrapped when a GEX group is rejected (size outside min..max, p not a safe prime, bad generator).
var ErrGroup = errors.New("unacceptable group")

// ErrUnexpected is wrapped when a message of the wrong type arrives.
var ErrUnexpected = errors.New("unexpected message")

// Error is a failed exchange.
type Error struct {
	Method string // wire name
	Step   string // e.g. "KEX_ECDH_REPLY"
	Err    error
}

func (e *Error) Error() string { return fmt.Sprintf("sshlib: kex %s: %s: %v", e.Method, e.Step, e.Err) }
func (e *Error) Unwrap() error { return e.Err }
