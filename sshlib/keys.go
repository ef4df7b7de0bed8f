package sshlib

import "github.com/sshmatrix/sshmatrix/sshlib/internal/keys"

// PublicKey is a parsed SSH public key or certificate (RFC 4253 §6.6). Its
// Type is the key format name and Marshal returns the wire blob.
type PublicKey = keys.PublicKey

// ParsePublicKey parses a public key or certificate blob in wire format.
func ParsePublicKey(blob []byte) (PublicKey, error) { return keys.ParsePublicKey(blob) }
