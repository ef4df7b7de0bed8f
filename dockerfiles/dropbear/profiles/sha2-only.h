/* sshmatrix profile "sha2-only": no SHA-1 anywhere: no hmac-sha1(-96), no
 * group1/group14-sha1, no ssh-rsa (SHA-1) signatures, no ssh-dss. */
#define DROPBEAR_SHA1_HMAC 0
#define DROPBEAR_SHA1_96_HMAC 0
#define DROPBEAR_RSA_SHA1 0
#define DROPBEAR_DSS 0
#define DROPBEAR_DH_GROUP1 0
#define DROPBEAR_DH_GROUP14_SHA1 0
#define DROPBEAR_SHA2_256_HMAC 1
#define DROPBEAR_SHA2_512_HMAC 1
