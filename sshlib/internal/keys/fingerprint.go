package keys

import (
	"crypto/sha256"
	"encoding/base64"
)

// FingerprintSHA256 is the OpenSSH fingerprint of a key: "SHA256:" and the
// unpadded standard base64 of the SHA-256 of the wire blob (as printed by
// ssh-keygen -l since OpenSSH 6.8).
func FingerprintSHA256(k PublicKey) string {
	sum := sha256.Sum256(k.Marshal())
	return "SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:])
}
