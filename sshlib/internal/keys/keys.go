// Package keys parses SSH public keys and certificates, verifies signatures
// (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8332, RFC 8709, OpenSSH PROTOCOL.certkeys)
// and makes them for client authentication.
//
// CONTRACT (sshlib depends on exactly this surface):
//
//	PublicKey, ParsePublicKey        any key or certificate blob
//	Algorithms, Lookup               the signature-algorithm registry table
//	Verify                           a signature blob over data, for a named algorithm
//	Certificate, CheckHostCertificate host certificates against trusted CAs
//	*Error                           every failure
//	FingerprintSHA256                OpenSSH's "SHA256:..." fingerprint
//	Signer, NewSigner, NewCertSigner client authentication keys
//	ParsePrivateKey[WithPassphrase]  key files (decoded by x/crypto/ssh, see privkey.go)
//	MarshalAuthorizedKey, ParseAuthorizedKey  authorized_keys / known_hosts lines
//
// Certificate refusals wrap ErrCert through one of the ErrCert* reasons
// (cert.go); ErrPassphraseNeeded and ErrBadPassphrase come from key files.
package keys

import (
	"crypto"
	"errors"
	"fmt"
	"io"
)

// PublicKey is a parsed public key or certificate.
type PublicKey interface {
	// Type is the key format name of the blob, e.g. "ssh-ed25519", "ssh-rsa",
	// "ssh-ed25519-cert-v01@openssh.com".
	Type() string
	// Marshal returns the wire blob (RFC 4253 §6.6).
	Marshal() []byte
}

// Algorithm is one row of the signature (host key) algorithm registry.
type Algorithm struct {
	Name     string      // wire name, e.g. "rsa-sha2-256", "ssh-ed25519-cert-v01@openssh.com"
	KeyType  string      // key format it applies to, e.g. "ssh-rsa" for rsa-sha2-256
	SigName  string      // the name inside the signature blob, e.g. "rsa-sha2-256" for rsa-sha2-256-cert-v01@openssh.com
	Hash     crypto.Hash // digest used by the signature (0 for Ed25519)
	Cert     bool        // an OpenSSH certificate form
	Insecure bool        // SHA-1 (ssh-rsa) or DSA: offered only when asked for by name
	Spec     string
}

var (
	ErrBadKey       = errors.New("malformed key")
	ErrBadSignature = errors.New("signature does not verify")
	ErrWrongAlg     = errors.New("signature algorithm does not match")
	ErrUnknown      = errors.New("unknown key or signature algorithm")
	ErrCert         = errors.New("certificate rejected")
)

// Error is a key, signature or certificate failure.
type Error struct {
	Op  string // "parse", "verify", "certificate", "sign"
	Alg string
	Err error
}

func (e *Error) Error() string {
	if e.Alg == "" {
		return fmt.Sprintf("sshlib: %s: %v", e.Op, e.Err)
	}
	return fmt.Sprintf("sshlib: %s %s: %v", e.Op, e.Alg, e.Err)
}
func (e *Error) Unwrap() error { return e.Err }

// ParsePublicKey parses a key or certificate blob. (Implementation: parse.go.)
var _ = ParsePublicKey

// Signer holds a private key for client authentication (RFC 4252 §7). sshlib
// exposes it as sshlib.Signer.
type Signer interface {
	// PublicKey is the key (or certificate) presented to the server.
	PublicKey() PublicKey
	// Algorithms lists the signature algorithms this key can make, in
	// preference order, e.g. rsa-sha2-512, rsa-sha2-256, ssh-rsa for RSA; the
	// cert forms for a certificate signer.
	Algorithms() []string
	// Sign signs data with the named algorithm and returns the signature blob
	// (string algorithm-name, string signature) of RFC 4253 §6.6.
	Sign(rand io.Reader, data []byte, algorithm string) ([]byte, error)
}
