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
	{
		Name: "diffie-hellman-group1-sha1", Hash: crypto.SHA1, Insecure: true, Spec: "RFC 4253 §8.1",
		Start: dhStart("diffie-hellman-group1-sha1", crypto.SHA1, group1),
	},
	{
		Name: "diffie-hellman-group14-sha1", Hash: crypto.SHA1, Insecure: true, Spec: "RFC 4253 §8.2",
		Start: dhStart("diffie-hellman-group14-sha1", crypto.SHA1, group14),
	},
	{
		Name: "diffie-hellman-group14-sha256", Hash: crypto.SHA256, Spec: "RFC 8268",
		Start: dhStart("diffie-hellman-group14-sha256", crypto.SHA256, group14),
	},
	{
		Name: "diffie-hellman-group16-sha512", Hash: crypto.SHA512, Spec: "RFC 8268",
		Start: dhStart("diffie-hellman-group16-sha512", crypto.SHA512, group16),
	},
	{
		Name: "diffie-hellman-group18-sha512", Hash: crypto.SHA512, Spec: "RFC 8268",
		Start: dhStart("diffie-hellman-group18-sha512", crypto.SHA512, group18),
	},
	{
		Name: "diffie-hellman-group-exchange-sha1", Hash: crypto.SHA1, Insecure: true, Spec: "RFC 4419",
		Start: gexStart("diffie-hellman-group-exchange-sha1", crypto.SHA1),
	},
	{
		Name: "diffie-hellman-group-exchange-sha256", Hash: crypto.SHA256, Spec: "RFC 4419",
		Start: gexStart("diffie-hellman-group-exchange-sha256", crypto.SHA256),
	},
	{
		Name: "mlkem768x25519-sha256", Hash: crypto.SHA256, Spec: "draft-ietf-sshm-mlkem-hybrid-kex", StringSecret: true,
		Start: mlkemStart("mlkem768x25519-sha256", crypto.SHA256, ecdh.X25519()),
	},
	{
		Name: "mlkem768nistp256-sha256", Hash: crypto.SHA256, Spec: "draft-ietf-sshm-mlkem-hybrid-kex", StringSecret: true,
		Start: mlkemStart("mlkem768nistp256-sha256", crypto.SHA256, ecdh.P256()),
	},
	{
		Name: "sntrup761x25519-sha512", Hash: crypto.SHA512, Spec: "RFC 9941", StringSecret: true,
		Start: sntrupStart("sntrup761x25519-sha512"),
	},
	{
		// OpenSSH's name for the same method, from before its standardisation.
		Name: "sntrup761x25519-sha512@openssh.com", Hash: crypto.SHA512, Spec: "RFC 9941", StringSecret: true,
		Start: sntrupStart("sntrup761x25519-sha512@openssh.com"),
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
