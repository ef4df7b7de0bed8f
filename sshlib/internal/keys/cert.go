package keys

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/sshmatrix/sshmatrix/sshlib/internal/wire"
)

// Certificate types (PROTOCOL.certkeys).
const (
	UserCert uint32 = 1
	HostCert uint32 = 2
)

// CertTimeInfinity is the valid_before of a certificate that never expires.
const CertTimeInfinity = 1<<64 - 1

// CertOption is one critical option or extension: a name and its data field,
// kept as the raw bytes of the wire (for options with a value, the data is
// itself an SSH string, PROTOCOL.certkeys).
type CertOption struct {
	Name string
	Data []byte
}

// Certificate is an OpenSSH certificate (PROTOCOL.certkeys). It implements
// PublicKey: Type is the certificate format name and Marshal the blob.
type Certificate struct {
	Nonce           []byte
	Key             PublicKey // the certified plain key
	Serial          uint64
	CertType        uint32 // UserCert or HostCert
	KeyID           string
	ValidPrincipals []string
	ValidAfter      uint64 // seconds since the epoch
	ValidBefore     uint64 // CertTimeInfinity: no end
	CriticalOptions []CertOption
	Extensions      []CertOption
	SignatureKey    PublicKey // the CA key; never a certificate
	Signature       []byte    // the CA's signature blob (RFC 4253 §6.6 format)

	typ    string
	raw    []byte // the whole blob as parsed
	signed []byte // raw up to and including the signature key: what the CA signed
}

// Type is the certificate format name, e.g. "ssh-ed25519-cert-v01@openssh.com".
func (c *Certificate) Type() string { return c.typ }

// Marshal returns the certificate blob as it was parsed.
func (c *Certificate) Marshal() []byte { return append([]byte(nil), c.raw...) }

func certParseErr(alg string, err error) error {
	return &Error{Op: "parse", Alg: alg, Err: fmt.Errorf("%w: certificate: %w", ErrBadKey, err)}
}

// parseCertificate parses a *-cert-v01@openssh.com blob; r has consumed the
// format name. Layout (PROTOCOL.certkeys): nonce, the key fields of the plain
// type, serial, type, key id, valid principals, valid after, valid before,
// critical options, extensions, reserved, signature key, signature.
func parseCertificate(name string, blob []byte, r *wire.Reader) (PublicKey, error) {
	plain := strings.TrimSuffix(name, certSuffix)
	switch plain {
	case typeEd25519, typeECDSA256, typeECDSA384, typeECDSA521, typeRSA, typeDSA:
	default:
		return nil, &Error{Op: "parse", Alg: printable(name), Err: ErrUnknown}
	}
	c := &Certificate{typ: name}
	c.Nonce = append([]byte(nil), r.String("nonce")...)
	if err := r.Err(); err != nil {
		return nil, certParseErr(name, err)
	}
	k, err := readKey(plain, r)
	if err != nil {
		return nil, err
	}
	c.Key = k
	c.Serial = r.Uint64("serial")
	c.CertType = r.Uint32("type")
	c.KeyID = r.Text("key id")
	principals := r.String("valid principals")
	c.ValidAfter = r.Uint64("valid after")
	c.ValidBefore = r.Uint64("valid before")
	critical := r.String("critical options")
	extensions := r.String("extensions")
	r.String("reserved") // PROTOCOL.certkeys: ignored
	caBlob := r.String("signature key")
	if err := r.Err(); err != nil {
		return nil, certParseErr(name, err)
	}
	c.signed = blob[:len(blob)-r.Len()]
	c.Signature = append([]byte(nil), r.String("signature")...)
	if err := r.Done("certificate"); err != nil {
		return nil, certParseErr(name, err)
	}
	if c.CertType != UserCert && c.CertType != HostCert {
		return nil, certParseErr(name, fmt.Errorf("unknown certificate type %d", c.CertType))
	}
	if c.ValidPrincipals, err = parseStrings(principals); err != nil {
		return nil, certParseErr(name, err)
	}
	if c.CriticalOptions, err = parseOptions("critical options", critical); err != nil {
		return nil, certParseErr(name, err)
	}
	if c.Extensions, err = parseOptions("extensions", extensions); err != nil {
		return nil, certParseErr(name, err)
	}
	ca, err := ParsePublicKey(caBlob)
	if err != nil {
		return nil, certParseErr(name, fmt.Errorf("signature key: %w", err))
	}
	// OpenSSH refuses certificates signed by certificates: there are no
	// chains in PROTOCOL.certkeys.
	if _, ok := ca.(*Certificate); ok {
		return nil, certParseErr(name, fmt.Errorf("signature key is itself a certificate"))
	}
	c.SignatureKey = ca
	c.raw = append([]byte(nil), blob...)
	c.signed = c.raw[:len(c.signed)]
	return c, nil
}

// parseStrings reads the packed sequence of strings of valid principals.
func parseStrings(b []byte) ([]string, error) {
	var out []string
	r := wire.NewReader(b)
	// A failed read consumes nothing, so stop at the first error rather
	// than loop on the same bytes.
	for r.Len() > 0 {
		p := r.Text("principal")
		if r.Err() != nil {
			return nil, r.Err()
		}
		out = append(out, p)
	}
	return out, nil
}

// parseOptions reads a sequence of (string name, string data). Each name may
// appear once (PROTOCOL.certkeys). Lexical order is also required by the
// spec, but OpenSSH does not enforce it on parse and neither do we.
func parseOptions(field string, b []byte) ([]CertOption, error) {
	var out []CertOption
	r := wire.NewReader(b)
	for r.Len() > 0 {
		name := r.Text(field + " name")
		data := r.String(field + " data")
		if r.Err() != nil {
			return nil, r.Err()
		}
		for _, o := range out {
			if o.Name == name {
				return nil, fmt.Errorf("%s: duplicate \"%s\"", field, printable(name))
			}
		}
		out = append(out, CertOption{Name: name, Data: append([]byte(nil), data...)})
	}
	return out, nil
}

// Reasons a host certificate is refused; each wraps ErrCert.
var (
	ErrCertNotHost          = fmt.Errorf("%w: not a host certificate", ErrCert)
	ErrCertUnknownAuthority = fmt.Errorf("%w: signed by an untrusted authority", ErrCert)
	ErrCertSignature        = fmt.Errorf("%w: authority signature does not verify", ErrCert)
	ErrCertSigAlgorithm     = fmt.Errorf("%w: authority signature algorithm not allowed", ErrCert)
	ErrCertNotYetValid      = fmt.Errorf("%w: not yet valid", ErrCert)
	ErrCertExpired          = fmt.Errorf("%w: expired", ErrCert)
	ErrCertNoPrincipals     = fmt.Errorf("%w: lacks a principal list", ErrCert)
	ErrCertPrincipal        = fmt.Errorf("%w: host is not a listed principal", ErrCert)
	ErrCertCriticalOption   = fmt.Errorf("%w: unsupported critical option", ErrCert)
)

func certErr(c *Certificate, reason error, format string, args ...any) error {
	alg := ""
	if c != nil {
		alg = c.typ
	}
	if format == "" {
		return &Error{Op: "certificate", Alg: alg, Err: reason}
	}
	return &Error{Op: "certificate", Alg: alg, Err: fmt.Errorf("%w: "+format, append([]any{reason}, args...)...)}
}

// CheckHostCertificate decides whether cert may stand for host, following
// PROTOCOL.certkeys and OpenSSH's sshkey_cert_check_host:
//   - the type is host;
//   - the CA key is one of authorities (compared as wire blobs) and its
//     signature over the certificate verifies, with an algorithm from
//     OpenSSH's default CASignatureAlgorithms (no SHA-1 ssh-rsa, no ssh-dss);
//   - valid_after <= now < valid_before;
//   - the principal list is non-empty (OpenSSH 8.x+ refuses an empty list for
//     host certificates) and one principal matches host, where principals
//     are patterns with '*' and '?' as in OpenSSH's match_pattern. host is
//     compared as given; ssh(1) lowercases it first and callers should too;
//   - there are no critical options: none are defined for host certificates.
func CheckHostCertificate(cert *Certificate, host string, authorities []PublicKey, now time.Time) error {
	if cert == nil || cert.Key == nil || cert.SignatureKey == nil {
		return certErr(cert, ErrCert, "no certificate")
	}
	if cert.CertType != HostCert {
		return certErr(cert, ErrCertNotHost, "type %d", cert.CertType)
	}
	ca := cert.SignatureKey.Marshal()
	trusted := false
	for _, a := range authorities {
		if a != nil && bytes.Equal(a.Marshal(), ca) {
			trusted = true
			break
		}
	}
	if !trusted {
		return certErr(cert, ErrCertUnknownAuthority, "%s %s", cert.SignatureKey.Type(), FingerprintSHA256(cert.SignatureKey))
	}
	if err := verifyCASignature(cert); err != nil {
		return err
	}
	t := now.Unix()
	if t < 0 || uint64(t) < cert.ValidAfter {
		return certErr(cert, ErrCertNotYetValid, "")
	}
	if uint64(t) >= cert.ValidBefore {
		return certErr(cert, ErrCertExpired, "")
	}
	if len(cert.ValidPrincipals) == 0 {
		return certErr(cert, ErrCertNoPrincipals, "")
	}
	matched := false
	for _, p := range cert.ValidPrincipals {
		if matchPattern(host, p) {
			matched = true
			break
		}
	}
	if !matched {
		return certErr(cert, ErrCertPrincipal, `"%s"`, printable(host))
	}
	if len(cert.CriticalOptions) != 0 {
		return certErr(cert, ErrCertCriticalOption, `"%s"`, printable(cert.CriticalOptions[0].Name))
	}
	return nil
}

// verifyCASignature checks the CA's signature over the certificate body.
func verifyCASignature(cert *Certificate) error {
	r := wire.NewReader(cert.Signature)
	name := r.Text("signature format")
	if r.Err() != nil {
		return certErr(cert, ErrCertSignature, "%v", r.Err())
	}
	alg, ok := plainAlgorithm(name)
	if !ok || alg.KeyType != cert.SignatureKey.Type() {
		return certErr(cert, ErrCertSigAlgorithm, "%s with a %s key", printable(name), cert.SignatureKey.Type())
	}
	if alg.Insecure {
		return certErr(cert, ErrCertSigAlgorithm, "%s (not in OpenSSH's CASignatureAlgorithms)", name)
	}
	if err := Verify(name, cert.SignatureKey, cert.signed, cert.Signature); err != nil {
		return certErr(cert, ErrCertSignature, "%v", err)
	}
	return nil
}

// matchPattern reports whether s matches pattern, where '*' matches any run
// of characters and '?' any one character (OpenSSH match.c match_pattern).
// The matcher backtracks only to the last '*', so it runs in
// O(len(s)*len(pattern)) at worst, whatever the peer put in the certificate.
func matchPattern(s, pattern string) bool {
	si, pi := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		switch {
		case pi < len(pattern) && (pattern[pi] == '?' || pattern[pi] == s[si]):
			si++
			pi++
		case pi < len(pattern) && pattern[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			mark++
			si, pi = mark, star+1
		default:
			return false
		}
	}
	for pi < len(pattern) && pattern[pi] == '*' {
		pi++
	}
	return pi == len(pattern)
}
