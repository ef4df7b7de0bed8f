package kex

import (
	"crypto"
	"crypto/ecdh"
)

// Methods is the key exchange registry: one row per wire name. Preference
// order is policy and lives in sshlib/defaults.go, not here.
var Methods = []Method{
	{
		Name: "curve25519-sha256", Hash: crypto.SHA256, Spec: "RFC 8731",
		Start: ecdhStart("curve25519-sha256", crypto.SHA256, ecdh.X25519()),
	},
	{
		// The pre-standard name of the same method (RFC 8731 §1).
		Name: "curve25519-sha256@libssh.org", Hash: crypto.SHA256, Spec: "RFC 8731",
		Start: ecdhStart("curve25519-sha256@libssh.org", crypto.SHA256, ecdh.X25519()),
	},
	{
		Name: "ecdh-sha2-nistp256", Hash: crypto.SHA256, Spec: "RFC 5656",
		Start: ecdhStart("ecdh-sha2-nistp256", crypto.SHA256, ecdh.P256()),
	},
	{
		Name: "ecdh-sha2-nistp384", Hash: crypto.SHA384, Spec: "RFC 5656",
		Start: ecdhStart("ecdh-sha2-nistp384", crypto.SHA384, ecdh.P384()),
	},
	{
		Name: "ecdh-sha2-nistp521", Hash: crypto.SHA512, Spec: "RFC 5656",
		Start: ecdhStart("ecdh-sha2-nistp521", crypto.SHA512, ecdh.P521()),
	},
}

// Lookup returns the row for a wire name.
func Lookup(name string) (*Method, bool) {
	for i := range Methods {
		if Methods[i].Name == name {
			return &Methods[i], true
		}
	}
	return nil, false
}
