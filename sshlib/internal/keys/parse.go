package keys

import (
	"crypto"
	"crypto/dsa" //nolint:staticcheck // ssh-dss is a legacy algorithm we still verify (flagged Insecure).
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/sshmatrix/sshmatrix/sshlib/internal/wire"
)

// Size bounds for keys read from a peer. RSA below 1024 bits is broken and
// refused by Go's crypto/rsa; above 16384 bits (OpenSSH's SSHBUF_MAX_BIGNUM)
// the verification cost becomes a denial-of-service lever.
const (
	minRSABits = 1024
	maxRSABits = 16384
	// DSA in SSH has a fixed 160-bit q (the signature is a 40-byte r||s,
	// RFC 4253 §6.6); p is 1024 bits in practice (FIPS 186-2). We accept up
	// to 3072 bits and nothing beyond, to bound the modular exponentiations.
	minDSABits = 1024
	maxDSABits = 3072
	dsaQBits   = 160
)

// CryptoPublicKey is implemented by every plain key parsed here: it returns
// the standard-library key (ed25519.PublicKey, *ecdsa.PublicKey,
// *rsa.PublicKey or *dsa.PublicKey).
type CryptoPublicKey interface {
	CryptoPublicKey() crypto.PublicKey
}

type ed25519Key struct{ pub ed25519.PublicKey }

type ecdsaKey struct {
	typ   string // ecdsa-sha2-nistpNNN
	pub   *ecdsa.PublicKey
	point []byte // SEC1 uncompressed point, as on the wire
}

type rsaKey struct{ pub *rsa.PublicKey }

type dsaKey struct{ pub *dsa.PublicKey }

func (k *ed25519Key) Type() string                      { return typeEd25519 }
func (k *ed25519Key) CryptoPublicKey() crypto.PublicKey { return k.pub }
func (k *ecdsaKey) Type() string                        { return k.typ }
func (k *ecdsaKey) CryptoPublicKey() crypto.PublicKey   { return k.pub }
func (k *rsaKey) Type() string                          { return typeRSA }
func (k *rsaKey) CryptoPublicKey() crypto.PublicKey     { return k.pub }
func (k *dsaKey) Type() string                          { return typeDSA }
func (k *dsaKey) CryptoPublicKey() crypto.PublicKey     { return k.pub }

// Marshal: RFC 8709 §4 — string "ssh-ed25519", string key (32 bytes).
func (k *ed25519Key) Marshal() []byte {
	return wire.NewBuilder(nil).Text(typeEd25519).String(k.pub).Bytes()
}

// Marshal: RFC 5656 §3.1 — string name, string curve identifier, string Q.
func (k *ecdsaKey) Marshal() []byte {
	return wire.NewBuilder(nil).Text(k.typ).Text(curveID(k.typ)).String(k.point).Bytes()
}

// Marshal: RFC 4253 §6.6 — string "ssh-rsa", mpint e, mpint n.
func (k *rsaKey) Marshal() []byte {
	return wire.NewBuilder(nil).Text(typeRSA).MPInt(big.NewInt(int64(k.pub.E))).MPInt(k.pub.N).Bytes()
}

// Marshal: RFC 4253 §6.6 — string "ssh-dss", mpint p, q, g, y.
func (k *dsaKey) Marshal() []byte {
	return wire.NewBuilder(nil).Text(typeDSA).
		MPInt(k.pub.P).MPInt(k.pub.Q).MPInt(k.pub.G).MPInt(k.pub.Y).Bytes()
}

// curveID is the RFC 5656 §6.1 identifier in the key blob.
func curveID(typ string) string { return strings.TrimPrefix(typ, "ecdsa-sha2-") }

func curveOf(typ string) elliptic.Curve {
	switch typ {
	case typeECDSA256:
		return elliptic.P256()
	case typeECDSA384:
		return elliptic.P384()
	case typeECDSA521:
		return elliptic.P521()
	}
	return nil
}

func parseErr(alg string, format string, args ...any) error {
	return &Error{Op: "parse", Alg: alg, Err: fmt.Errorf("%w: "+format, append([]any{ErrBadKey}, args...)...)}
}

// ParsePublicKey parses a wire-format public key or certificate blob
// (RFC 4253 §6.6). The whole blob must be consumed: trailing bytes are an
// error, so that one key has exactly one encoding and Marshal returns the
// bytes that were parsed.
func ParsePublicKey(blob []byte) (PublicKey, error) {
	r := wire.NewReader(blob)
	name := r.Text("key type")
	if err := r.Err(); err != nil {
		return nil, &Error{Op: "parse", Err: fmt.Errorf("%w: %w", ErrBadKey, err)}
	}
	if strings.HasSuffix(name, certSuffix) {
		return parseCertificate(name, blob, r)
	}
	k, err := readKey(name, r)
	if err != nil {
		return nil, err
	}
	if err := r.Done("key blob"); err != nil {
		return nil, &Error{Op: "parse", Alg: name, Err: fmt.Errorf("%w: %w", ErrBadKey, err)}
	}
	return k, nil
}

// readKey reads the type-specific fields of a plain key of type name. It is
// shared with certificates, whose blobs carry the same fields after the nonce
// (PROTOCOL.certkeys).
func readKey(name string, r *wire.Reader) (PublicKey, error) {
	switch name {
	case typeEd25519:
		return readEd25519(r)
	case typeECDSA256, typeECDSA384, typeECDSA521:
		return readECDSA(name, r)
	case typeRSA:
		return readRSA(r)
	case typeDSA:
		return readDSA(r)
	}
	return nil, &Error{Op: "parse", Alg: printable(name), Err: ErrUnknown}
}

// printable bounds and sanitises a peer-supplied name for an error message.
func printable(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

func readEd25519(r *wire.Reader) (PublicKey, error) {
	b := r.String("ed25519 key")
	if err := r.Err(); err != nil {
		return nil, &Error{Op: "parse", Alg: typeEd25519, Err: fmt.Errorf("%w: %w", ErrBadKey, err)}
	}
	if len(b) != ed25519.PublicKeySize {
		return nil, parseErr(typeEd25519, "key is %d bytes, want %d (RFC 8709 §4)", len(b), ed25519.PublicKeySize)
	}
	return &ed25519Key{pub: ed25519.PublicKey(append([]byte(nil), b...))}, nil
}

func readECDSA(name string, r *wire.Reader) (PublicKey, error) {
	id := r.Text("ecdsa curve")
	q := r.String("ecdsa point")
	if err := r.Err(); err != nil {
		return nil, &Error{Op: "parse", Alg: name, Err: fmt.Errorf("%w: %w", ErrBadKey, err)}
	}
	// RFC 5656 §3.1: the curve identifier must agree with the key format name.
	if id != curveID(name) {
		return nil, parseErr(name, "curve identifier %q does not match the key type", printable(id))
	}
	// ParseUncompressedPublicKey checks the 0x04 form, the length and that
	// the point is on the curve (RFC 5656 §3.1.1 requires the check).
	pub, err := ecdsa.ParseUncompressedPublicKey(curveOf(name), q)
	if err != nil {
		return nil, parseErr(name, "point: %v", err)
	}
	return &ecdsaKey{typ: name, pub: pub, point: append([]byte(nil), q...)}, nil
}

func readRSA(r *wire.Reader) (PublicKey, error) {
	e := r.MPInt("rsa e")
	n := r.MPInt("rsa n")
	if err := r.Err(); err != nil {
		return nil, &Error{Op: "parse", Alg: typeRSA, Err: fmt.Errorf("%w: %w", ErrBadKey, err)}
	}
	// The public exponent must be odd and at least 3 to be an RSA exponent,
	// and fit Go's int (crypto/rsa caps it at 2^31-1).
	if e.Sign() <= 0 || e.Bit(0) == 0 || e.Cmp(big.NewInt(3)) < 0 || e.BitLen() > 31 {
		return nil, parseErr(typeRSA, "public exponent out of range")
	}
	if n.Sign() <= 0 || n.Bit(0) == 0 {
		return nil, parseErr(typeRSA, "modulus is not a positive odd number")
	}
	if bits := n.BitLen(); bits < minRSABits || bits > maxRSABits {
		return nil, parseErr(typeRSA, "modulus is %d bits, want %d..%d", bits, minRSABits, maxRSABits)
	}
	return &rsaKey{pub: &rsa.PublicKey{N: n, E: int(e.Int64())}}, nil
}

func readDSA(r *wire.Reader) (PublicKey, error) {
	p := r.MPInt("dsa p")
	q := r.MPInt("dsa q")
	g := r.MPInt("dsa g")
	y := r.MPInt("dsa y")
	if err := r.Err(); err != nil {
		return nil, &Error{Op: "parse", Alg: typeDSA, Err: fmt.Errorf("%w: %w", ErrBadKey, err)}
	}
	if err := checkDSA(p, q, g, y); err != nil {
		return nil, parseErr(typeDSA, "%v", err)
	}
	return &dsaKey{pub: &dsa.PublicKey{Parameters: dsa.Parameters{P: p, Q: q, G: g}, Y: y}}, nil
}

// checkDSA makes the cheap sanity checks of FIPS 186 §4.7 that bound the work
// of a verification: sizes, q | p-1, 1 < g,y < p, and g of order q. It does
// not prove p or q prime.
func checkDSA(p, q, g, y *big.Int) error {
	if p.Sign() <= 0 || q.Sign() <= 0 || g.Sign() <= 0 || y.Sign() <= 0 {
		return errors.New("non-positive parameter")
	}
	if bits := p.BitLen(); bits < minDSABits || bits > maxDSABits {
		return fmt.Errorf("p is %d bits, want %d..%d", bits, minDSABits, maxDSABits)
	}
	if q.BitLen() != dsaQBits {
		return fmt.Errorf("q is %d bits, want %d (RFC 4253 §6.6: 40-byte signatures)", q.BitLen(), dsaQBits)
	}
	if p.Bit(0) == 0 || q.Bit(0) == 0 {
		return errors.New("p or q is even")
	}
	one := big.NewInt(1)
	pm1 := new(big.Int).Sub(p, one)
	if new(big.Int).Mod(pm1, q).Sign() != 0 {
		return errors.New("q does not divide p-1")
	}
	if g.Cmp(one) <= 0 || g.Cmp(p) >= 0 || y.Cmp(one) <= 0 || y.Cmp(p) >= 0 {
		return errors.New("g or y outside 2..p-1")
	}
	if new(big.Int).Exp(g, q, p).Cmp(one) != 0 {
		return errors.New("g is not of order q")
	}
	return nil
}
