// Package umac implements UMAC (RFC 4418) with 64- and 128-bit tags, as used
// by OpenSSH's umac-64@openssh.com and umac-128@openssh.com (nonce = the
// packet sequence number as 8 big-endian bytes).
//
// CONTRACT (internal/packet depends on exactly this surface):
//
//	func New(key []byte, tagLen int) (*MAC, error)        // 16-byte AES key; tagLen 8 or 16
//	func (m *MAC) Size() int
//	func (m *MAC) AppendTag(dst, nonce, msg []byte) []byte // nonce 1..16 bytes; no allocation in steady state
package umac
