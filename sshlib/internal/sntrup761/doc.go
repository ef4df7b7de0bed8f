// Package sntrup761 implements the Streamlined NTRU Prime 761 KEM (the NTRU
// Prime round-3 submission, as used by OpenSSH's sntrup761x25519-sha512).
package sntrup761
