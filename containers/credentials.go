package containers

import "github.com/sshmatrix/sshmatrix/containers/internal/testkeys"

// Credentials of the test user every image has. The keys are fixed test keys
// committed in containers/internal/testkeys; their public halves are the
// user's authorized_keys, and HostCA signed the OpenSSH host certificates.
type Credentials struct {
	User     string
	Password string // TinySSH has no password authentication
	// PrivateKeys are OpenSSH-format PEM private keys (no passphrase) by type:
	// "ed25519", "ecdsa" (P-256), "rsa" (3072 bits). TinySSH accepts ed25519 only.
	PrivateKeys map[string][]byte
	// PublicKeys are the matching authorized_keys lines.
	PublicKeys map[string]string
	// HostCA is the test CA's public key (authorized_keys format), for a
	// known_hosts line "@cert-authority * <HostCA>".
	HostCA string
}

// TestCredentials returns the test user's credentials.
func TestCredentials() Credentials {
	return Credentials{
		User:     "sshtest",
		Password: "sshmatrix-test",
		PrivateKeys: map[string][]byte{
			"ed25519": testkeys.ED25519, "ecdsa": testkeys.ECDSA, "rsa": testkeys.RSA,
		},
		PublicKeys: map[string]string{
			"ed25519": string(testkeys.ED25519Pub), "ecdsa": string(testkeys.ECDSAPub), "rsa": string(testkeys.RSAPub),
		},
		HostCA: string(testkeys.HostCAPub),
	}
}
