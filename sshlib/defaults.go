package sshlib

// Policy: which algorithms sshlib offers when the caller does not say, and in
// what order. This is the only file that decides it; the registries
// (internal/kex, internal/packet, internal/keys) only say what exists.
//
// Ranking rules, checked by TestDefaultPolicy:
//  1. Nothing flagged Insecure in its registry row (SHA-1, MD5, CBC, 3DES,
//     DSA, group1) is offered by default; a caller enables it by naming it.
//  2. Key exchange: post-quantum hybrids first (ML-KEM before sntrup761,
//     the X25519 hybrid before the P-256 one), then X25519, then NIST ECDH by
//     size, then finite-field DH (group exchange, then fixed groups by hash
//     strength): the order OpenSSH 10 uses, so defaults negotiate the same.
//  3. Ciphers: AEAD first (chacha20-poly1305, then AES-GCM), then AES-CTR.
//  4. MACs: encrypt-then-MAC before encrypt-and-MAC; UMAC before HMAC
//     (cheaper), shorter tags first, as OpenSSH orders them.
//  5. Host keys: certificate forms first, and only when HostAuthorities are
//     configured (otherwise a certificate could not be checked); then Ed25519,
//     ECDSA by size, RSA with SHA-2 (512 before 256).
//  6. Compression: none only. zlib and zlib@openssh.com are opt-in.
//  7. Every non-insecure registry row appears in exactly one default list,
//     except mlkem768nistp256-sha256, which OpenSSH itself does not enable
//     by default (it is offered when named), and the compressions of rule 6.

var defaultKexOrder = []string{
	"mlkem768x25519-sha256",
	"sntrup761x25519-sha512",
	"sntrup761x25519-sha512@openssh.com",
	"curve25519-sha256",
	"curve25519-sha256@libssh.org",
	"ecdh-sha2-nistp256",
	"ecdh-sha2-nistp384",
	"ecdh-sha2-nistp521",
	"diffie-hellman-group-exchange-sha256",
	"diffie-hellman-group16-sha512",
	"diffie-hellman-group18-sha512",
	"diffie-hellman-group14-sha256",
}

// nonDefaultSecure are secure algorithms left out of the defaults on purpose (rule 7).
var nonDefaultSecure = map[string]string{
	"mlkem768nistp256-sha256": "not in OpenSSH's default list either; offered when named",
	"zlib@openssh.com":        "compression is opt-in (rule 6)",
	"zlib":                    "compression is opt-in (rule 6)",
}

var defaultCipherOrder = []string{
	"chacha20-poly1305@openssh.com",
	"aes128-gcm@openssh.com",
	"aes256-gcm@openssh.com",
	"aes128-ctr",
	"aes192-ctr",
	"aes256-ctr",
}

var defaultMACOrder = []string{
	"umac-64-etm@openssh.com",
	"umac-128-etm@openssh.com",
	"hmac-sha2-256-etm@openssh.com",
	"hmac-sha2-512-etm@openssh.com",
	"umac-64@openssh.com",
	"umac-128@openssh.com",
	"hmac-sha2-256",
	"hmac-sha2-512",
}

var defaultHostKeyCertOrder = []string{
	"ssh-ed25519-cert-v01@openssh.com",
	"ecdsa-sha2-nistp256-cert-v01@openssh.com",
	"ecdsa-sha2-nistp384-cert-v01@openssh.com",
	"ecdsa-sha2-nistp521-cert-v01@openssh.com",
	"rsa-sha2-512-cert-v01@openssh.com",
	"rsa-sha2-256-cert-v01@openssh.com",
}

var defaultHostKeyOrder = []string{
	"ssh-ed25519",
	"ecdsa-sha2-nistp256",
	"ecdsa-sha2-nistp384",
	"ecdsa-sha2-nistp521",
	"rsa-sha2-512",
	"rsa-sha2-256",
}

var defaultCompressionOrder = []string{"none"}

// supportedCompressions are the compression methods sshlib implements
// (RFC 4253 §6.2, OpenSSH PROTOCOL §1.3 for the delayed form).
var supportedCompressions = []string{"none", "zlib@openssh.com", "zlib"}

// Pseudo-algorithms that ride in the kex list but are never negotiated.
const (
	extInfoClient      = "ext-info-c"                   // RFC 8308 §2.1
	extInfoServer      = "ext-info-s"                   // RFC 8308 §2.1
	strictKexClient    = "kex-strict-c-v00@openssh.com" // OpenSSH PROTOCOL §1.10
	strictKexServer    = "kex-strict-s-v00@openssh.com"
	dropbearKexGuess   = "kexguess2@matt.ucc.asn.au"
	defaultVersion     = "SSH-2.0-sshlib_0.1"
	defaultHandshakeTO = 30
)

func isPseudoKex(name string) bool {
	switch name {
	case extInfoClient, extInfoServer, strictKexClient, strictKexServer, dropbearKexGuess:
		return true
	}
	return false
}
