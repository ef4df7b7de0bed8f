// Package umac implements UMAC (RFC 4418) with 64- and 128-bit tags, as used
// by OpenSSH's umac-64@openssh.com and umac-128@openssh.com (nonce = the
// packet sequence number as 8 big-endian bytes).
package umac
