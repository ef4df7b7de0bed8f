// Package sntrup761 implements the Streamlined NTRU Prime 761 KEM (the NTRU
// Prime round-3 submission, as used by OpenSSH's sntrup761x25519-sha512).
//
// CONTRACT (internal/kex depends on exactly this surface):
//
//	const PublicKeySize = 1158; CiphertextSize = 1039; SecretKeySize = 1763; SharedSecretSize = 32
//	func GenerateKey(rand io.Reader) (pk, sk []byte, err error)
//	func Encapsulate(rand io.Reader, pk []byte) (ct, ss []byte, err error)
//	func Decapsulate(sk, ct []byte) (ss []byte, err error)   // implicit rejection, constant time
package sntrup761
