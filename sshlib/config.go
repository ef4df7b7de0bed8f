package sshlib

import (
	"io"
	"time"
)

// Config configures the transport layer (RFC 4253) of a client. The zero
// value is usable: empty lists mean the defaults of defaults.go, which leave
// out every legacy algorithm. An algorithm named explicitly in a list is
// offered even if it is legacy: naming it is the opt-in.
type Config struct {
	// Ordered preference lists, by wire name. Empty means the default list.
	KeyExchanges      []string
	Ciphers           []string
	MACs              []string
	HostKeyAlgorithms []string
	Compressions      []string

	// Rand is the source of randomness; nil means crypto/rand.
	Rand io.Reader

	// Rekey limits (RFC 4253 §9, RFC 4344 §3.1). Zero means the default: for
	// RekeyBytes, 2^(L/4) blocks for a cipher of L-bit blocks, capped at 1 GiB
	// (RFC 4344 §3.2); for RekeyPackets, 2^31 (RFC 4344 §3.1); for
	// RekeyInterval, one hour. Negative disables that limit.
	RekeyBytes    int64
	RekeyPackets  int64
	RekeyInterval time.Duration

	// Group exchange sizes in bits (RFC 4419 §3); zero means 2048/3072/8192.
	GexMin, GexPreferred, GexMax int

	// HostAuthorities are CA keys trusted to sign host certificates
	// (*-cert-v01@openssh.com). A host certificate is accepted only if signed
	// by one of them, valid now, and naming the host as a principal.
	HostAuthorities []PublicKey

	// ClientVersion is the identification string sent (RFC 4253 §4.2),
	// without CR LF; empty means "SSH-2.0-sshlib".
	ClientVersion string

	// GuessKex sends the first kex packet right after KEXINIT for the
	// preferred algorithms (first_kex_packet_follows, RFC 4253 §7).
	GuessKex bool

	// DisableStrictKex stops sshlib offering kex-strict-c-v00@openssh.com.
	// Only for tests of servers without the Terrapin countermeasure.
	DisableStrictKex bool
	// DisableExtInfo stops sshlib offering ext-info-c (RFC 8308).
	DisableExtInfo bool

	// KeyLog, if set, receives one line per derived secret of every key
	// exchange in the format documented in keylog.go. It is for debugging
	// only: it writes session keys.
	KeyLog io.Writer

	// HandshakeTimeout bounds the version exchange and each key exchange;
	// zero means 30 s.
	HandshakeTimeout time.Duration
}

// DirectionAlgorithms are the algorithms in force in one direction.
type DirectionAlgorithms struct {
	Cipher      string
	MAC         string // "" for AEAD ciphers, which take no MAC
	Compression string
}

// Negotiated is the outcome of the latest key exchange.
type Negotiated struct {
	KeyExchange    string
	HostKey        string
	ClientToServer DirectionAlgorithms
	ServerToClient DirectionAlgorithms
	StrictKex      bool // kex-strict-*-v00@openssh.com on both sides (Terrapin countermeasure)
	ExtInfo        bool // the server sent SSH_MSG_EXT_INFO
	KeyExchanges   int  // completed key exchanges, the first included
	RekeysByClient int  // re-exchanges sshlib started (limits, Rekey)
	RekeysByServer int  // re-exchanges the server started
	ServerVersion  string
}
