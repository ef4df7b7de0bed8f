package kex

import (
	"crypto"
	"crypto/rand"
	_ "crypto/sha1"   // registers crypto.SHA1 for the legacy rows
	_ "crypto/sha256" // registers crypto.SHA256
	_ "crypto/sha512" // registers crypto.SHA384 and crypto.SHA512
	"errors"
	"fmt"
	"io"

	"github.com/sshmatrix/sshmatrix/sshlib/internal/wire"
)

// Message numbers of the kex-method range (RFC 4250 §4.1.2). The same number
// means different things in different methods, which is why they live here
// and not in sshlib/msg.go.
const (
	msgKexDHInit  = 30 // RFC 4253 §8
	msgKexDHReply = 31

	msgKexECDHInit  = 30 // RFC 5656 §7.1; RFC 8731 §3; the hybrid drafts reuse it
	msgKexECDHReply = 31

	msgGexGroup   = 31 // RFC 4419 §5
	msgGexInit    = 32
	msgGexReply   = 33
	msgGexRequest = 34
)

// errNoMagics is returned when Finish is called without the handshake inputs.
var errNoMagics = errors.New("missing handshake inputs (Magics)")

func fail(method, step string, err error) *Error {
	return &Error{Method: method, Step: step, Err: err}
}

// randReader is p.Rand, or crypto/rand when none is set.
func randReader(p *Params) io.Reader {
	if p != nil && p.Rand != nil {
		return p.Rand
	}
	return rand.Reader
}

// hashPrefix starts the exchange hash input with the fields every method
// shares (RFC 4253 §8, RFC 5656 §4, RFC 4419 §3): V_C, V_S, I_C, I_S and K_S,
// each as a string.
func hashPrefix(m *Magics, hostKey []byte) *wire.Builder {
	n := len(m.ClientVersion) + len(m.ServerVersion) + len(m.ClientKexInit) +
		len(m.ServerKexInit) + len(hostKey) + 5*4
	return wire.NewBuilder(make([]byte, 0, n+2048)).
		String(m.ClientVersion).String(m.ServerVersion).
		String(m.ClientKexInit).String(m.ServerKexInit).
		String(hostKey)
}

func sum(h crypto.Hash, b []byte) []byte {
	d := h.New()
	d.Write(b)
	return d.Sum(nil)
}

// expect reads one packet and checks its message number.
func expect(c Conn, want byte) (*wire.Reader, error) {
	p, err := c.ReadPacket()
	if err != nil {
		return nil, err
	}
	if len(p) == 0 {
		return nil, fmt.Errorf("%w: empty packet, want message %d", ErrUnexpected, want)
	}
	if p[0] != want {
		return nil, fmt.Errorf("%w: message %d, want %d", ErrUnexpected, p[0], want)
	}
	return wire.NewReader(p[1:]), nil
}

// agreement is the client half of a one-round exchange in which each side
// sends one string: ECDH (RFC 5656 §4), curve25519 (RFC 8731 §3) and the
// hybrid KEM methods, which all put their values in the KEX_ECDH_INIT and
// KEX_ECDH_REPLY slots.
type agreement interface {
	// public is Q_C (or C_INIT of the hybrids).
	public() []byte
	// shared checks the server's value Q_S (or S_REPLY) and returns K in its
	// wire encoding (mpint or string, length prefix included). Every error
	// it returns wraps ErrPeerValue.
	shared(peer []byte) ([]byte, error)
}

// oneRound runs an agreement over KEX_ECDH_INIT / KEX_ECDH_REPLY.
type oneRound struct {
	method string
	hash   crypto.Hash
	step   string // name of the reply message in errors
	a      agreement
}

func (o *oneRound) First() []byte {
	return wire.NewBuilder(nil).Byte(msgKexECDHInit).String(o.a.public()).Bytes()
}

// Finish reads the reply (RFC 5656 §4):
//
//	byte    SSH_MSG_KEX_ECDH_REPLY
//	string  K_S
//	string  Q_S
//	string  signature over H
//
// and computes H = hash(V_C || V_S || I_C || I_S || K_S || Q_C || Q_S || K).
func (o *oneRound) Finish(c Conn, m *Magics) (*Result, error) {
	if m == nil {
		return nil, fail(o.method, o.step, errNoMagics)
	}
	r, err := expect(c, msgKexECDHReply)
	if err != nil {
		return nil, fail(o.method, o.step, err)
	}
	hostKey := r.String("K_S")
	qs := r.String("Q_S")
	sig := r.String("signature")
	if err := r.Done("signature"); err != nil {
		return nil, fail(o.method, o.step, err)
	}
	k, err := o.a.shared(qs)
	if err != nil {
		return nil, fail(o.method, o.step, err)
	}
	b := hashPrefix(m, hostKey).String(o.a.public()).String(qs).Raw(k)
	return &Result{
		H: sum(o.hash, b.Bytes()), K: k,
		HostKey: hostKey, Signature: sig, Hash: o.hash,
	}, nil
}
