package packet

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"hash"

	"github.com/sshmatrix/sshmatrix/sshlib/internal/umac"
)

// MACs is the MAC registry. Every MAC exists in two forms: the RFC 4253 §6.4
// one, computed over seq || the cleartext packet, and OpenSSH's
// encrypt-then-MAC form (PROTOCOL §1.7), computed over seq || the cleartext
// length || the ciphertext.
var MACs = []MAC{
	hmacRow("hmac-sha2-256", sha256.New, 32, 32, false, false, "RFC 6668 §2"),
	hmacRow("hmac-sha2-512", sha512.New, 64, 64, false, false, "RFC 6668 §2"),
	hmacRow("hmac-sha1", sha1.New, 20, 20, false, true, "RFC 4253 §6.4"),
	hmacRow("hmac-sha1-96", sha1.New, 20, 12, false, true, "RFC 4253 §6.4"),
	hmacRow("hmac-md5", md5.New, 16, 16, false, true, "RFC 4253 §6.4"),
	hmacRow("hmac-md5-96", md5.New, 16, 12, false, true, "RFC 4253 §6.4"),
	hmacRow("hmac-sha2-256-etm@openssh.com", sha256.New, 32, 32, true, false, "RFC 6668 §2, OpenSSH PROTOCOL §1.7"),
	hmacRow("hmac-sha2-512-etm@openssh.com", sha512.New, 64, 64, true, false, "RFC 6668 §2, OpenSSH PROTOCOL §1.7"),
	hmacRow("hmac-sha1-etm@openssh.com", sha1.New, 20, 20, true, true, "RFC 4253 §6.4, OpenSSH PROTOCOL §1.7"),
	hmacRow("hmac-sha1-96-etm@openssh.com", sha1.New, 20, 12, true, true, "RFC 4253 §6.4, OpenSSH PROTOCOL §1.7"),
	hmacRow("hmac-md5-etm@openssh.com", md5.New, 16, 16, true, true, "RFC 4253 §6.4, OpenSSH PROTOCOL §1.7"),
	hmacRow("hmac-md5-96-etm@openssh.com", md5.New, 16, 12, true, true, "RFC 4253 §6.4, OpenSSH PROTOCOL §1.7"),
	umacRow("umac-64@openssh.com", 8, false),
	umacRow("umac-128@openssh.com", 16, false),
	umacRow("umac-64-etm@openssh.com", 8, true),
	umacRow("umac-128-etm@openssh.com", 16, true),
}

// umacRow is UMAC (RFC 4418) as OpenSSH uses it (draft-miller-secsh-umac):
// a 16-byte key and the sequence number as an 8-byte big-endian nonce.
func umacRow(name string, tagLen int, etm bool) MAC {
	spec := "RFC 4418, draft-miller-secsh-umac-01"
	if etm {
		spec += ", OpenSSH PROTOCOL §1.7"
	}
	return MAC{
		Name: name, KeyLen: 16, TagLen: tagLen, ETM: etm, Spec: spec,
		newTagger: func(key []byte) (tagger, error) {
			m, err := umac.New(key, tagLen)
			if err != nil {
				return nil, err
			}
			return &umacTagger{m: m}, nil
		},
	}
}

type umacTagger struct {
	m     *umac.MAC
	nonce [8]byte
}

func (t *umacTagger) size() int { return t.m.Size() }

func (t *umacTagger) appendTag(dst []byte, seq uint32, data []byte) []byte {
	binary.BigEndian.PutUint64(t.nonce[:], uint64(seq))
	return t.m.AppendTag(dst, t.nonce[:], data)
}

func hmacRow(name string, h func() hash.Hash, keyLen, tagLen int, etm, insecure bool, spec string) MAC {
	return MAC{
		Name: name, KeyLen: keyLen, TagLen: tagLen, ETM: etm, Insecure: insecure, Spec: spec,
		newTagger: func(key []byte) (tagger, error) {
			return &hmacTagger{h: hmac.New(h, key), n: tagLen}, nil
		},
	}
}

// hmacTagger keeps one keyed HMAC and resets it per packet: hmac.New per
// packet would re-derive the pads and allocate.
type hmacTagger struct {
	h   hash.Hash
	n   int // tag length; shorter than the hash for the -96 forms (RFC 2104 §5)
	seq [4]byte
	sum []byte
}

func (t *hmacTagger) size() int { return t.n }

func (t *hmacTagger) appendTag(dst []byte, seq uint32, data []byte) []byte {
	t.h.Reset()
	binary.BigEndian.PutUint32(t.seq[:], seq)
	t.h.Write(t.seq[:])
	t.h.Write(data)
	if t.n == t.h.Size() {
		return t.h.Sum(dst)
	}
	t.sum = t.h.Sum(t.sum[:0])
	return append(dst, t.sum[:t.n]...)
}
