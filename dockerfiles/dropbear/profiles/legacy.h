/* sshmatrix profile "legacy": the old algorithms this Dropbear can still be
 * built with, on top of its defaults: CBC modes, 3DES, hmac-sha1(-96),
 * diffie-hellman-group1-sha1 (server side), group14-sha1, ssh-rsa (SHA-1), ssh-dss. */
#define DROPBEAR_3DES 1
#define DROPBEAR_ENABLE_CBC_MODE 1
#define DROPBEAR_SHA1_HMAC 1
#define DROPBEAR_SHA1_96_HMAC 1
#define DROPBEAR_RSA_SHA1 1
#define DROPBEAR_DSS 1
#define DROPBEAR_DH_GROUP1 1
#define DROPBEAR_DH_GROUP1_CLIENTONLY 0
#define DROPBEAR_DH_GROUP14_SHA1 1
