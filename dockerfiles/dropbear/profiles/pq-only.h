/* sshmatrix profile "pq-only" (2025.89+): only the hybrid post-quantum key
 * exchanges (mlkem768x25519-sha256, sntrup761x25519-sha512[@openssh.com]);
 * no plain curve25519, ECDH or finite-field DH. */
#define DROPBEAR_MLKEM768 1
#define DROPBEAR_SNTRUP761 1
#define DROPBEAR_CURVE25519 0
#define DROPBEAR_ECDH 0
#define DROPBEAR_DH_GROUP14_SHA1 0
#define DROPBEAR_DH_GROUP14_SHA256 0
#define DROPBEAR_DH_GROUP16 0
#define DROPBEAR_DH_GROUP1 0
