package sshlib

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"

	"github.com/sshmatrix/sshmatrix/sshlib/internal/keys"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// Signer holds a private key (or a certificate and its key) for publickey
// authentication (RFC 4252 §7).
type Signer = keys.Signer

// Certificate is an OpenSSH certificate (PROTOCOL.certkeys); ParsePublicKey
// returns one for a certificate blob.
type Certificate = keys.Certificate

// ErrPassphraseNeeded is wrapped by the error of ParsePrivateKey for an
// encrypted key file; ErrBadPassphrase by that of
// ParsePrivateKeyWithPassphrase for a wrong passphrase.
var (
	ErrPassphraseNeeded = keys.ErrPassphraseNeeded
	ErrBadPassphrase    = keys.ErrBadPassphrase
)

// ParsePrivateKey reads a private key file, OpenSSH or PEM format.
func ParsePrivateKey(pemBytes []byte) (Signer, error) { return keys.ParsePrivateKey(pemBytes) }

// ParsePrivateKeyWithPassphrase reads an encrypted private key file.
func ParsePrivateKeyWithPassphrase(pemBytes, passphrase []byte) (Signer, error) {
	return keys.ParsePrivateKeyWithPassphrase(pemBytes, passphrase)
}

// NewSigner wraps an ed25519, ECDSA, RSA or DSA private key from the
// standard library.
func NewSigner(key crypto.PrivateKey) (Signer, error) { return keys.NewSigner(key) }

// NewCertSigner pairs a user certificate (a *Certificate, as
// ParsePublicKey or ParseAuthorizedKey return for a -cert.pub file) with the
// signer of its key; the server sees the certificate.
func NewCertSigner(cert PublicKey, s Signer) (Signer, error) {
	c, ok := cert.(*keys.Certificate)
	if !ok {
		return nil, fmt.Errorf("sshlib: NewCertSigner: %s is not a certificate", cert.Type())
	}
	return keys.NewCertSigner(c, s)
}

// ParseAuthorizedKey parses one line of an authorized_keys or .pub file:
// options (returned in prefix), the key and its comment.
func ParseAuthorizedKey(line []byte) (key PublicKey, prefix, comment string, err error) {
	return keys.ParseAuthorizedKey(line)
}

// MarshalAuthorizedKey formats key as an authorized_keys line.
func MarshalAuthorizedKey(key PublicKey) []byte { return keys.MarshalAuthorizedKey(key) }

// FingerprintSHA256 is the OpenSSH SHA256 fingerprint of a key.
func FingerprintSHA256(key PublicKey) string { return keys.FingerprintSHA256(key) }

// keyAlgorithms lists the signature algorithms a key of format keyType
// can make, best first (RFC 8332 §3 for RSA; PROTOCOL.certkeys for the
// certificate forms).
func keyAlgorithms(keyType string) []string {
	switch keyType {
	case "ssh-rsa":
		return []string{"rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"}
	case "ssh-rsa-cert-v01@openssh.com":
		return []string{"rsa-sha2-512-cert-v01@openssh.com", "rsa-sha2-256-cert-v01@openssh.com", "ssh-rsa-cert-v01@openssh.com"}
	}
	return []string{keyType}
}

// SignerFromSSH adapts a golang.org/x/crypto/ssh Signer, such as one from
// ssh.ParsePrivateKey or ssh.NewCertSigner, to a Signer.
func SignerFromSSH(s ssh.Signer) Signer { return sshSigner{s} }

type sshSigner struct{ s ssh.Signer }

func (s sshSigner) PublicKey() PublicKey { return s.s.PublicKey() }
func (s sshSigner) Algorithms() []string { return keyAlgorithms(s.s.PublicKey().Type()) }

func (s sshSigner) Sign(rand io.Reader, data []byte, alg string) ([]byte, error) {
	var sig *ssh.Signature
	var err error
	base := sigAlgBase(alg)
	if as, ok := s.s.(ssh.AlgorithmSigner); ok {
		sig, err = as.SignWithAlgorithm(rand, data, base)
	} else if base == keyAlgorithms(s.s.PublicKey().Type())[0] || base == s.s.PublicKey().Type() {
		sig, err = s.s.Sign(rand, data)
	} else {
		return nil, fmt.Errorf("sshlib: signer cannot make %s signatures", alg)
	}
	if err != nil {
		return nil, err
	}
	return ssh.Marshal(sig), nil
}

// Agent authenticates with the keys of the ssh-agent at $SSH_AUTH_SOCK
// (draft-miller-ssh-agent). The agent is connected when the method is
// first tried and disconnected when authentication ends.
func Agent() AuthMethod {
	return pubkeyMethod{get: func(ctx context.Context) ([]Signer, func(), error) {
		sock := os.Getenv("SSH_AUTH_SOCK")
		if sock == "" {
			return nil, nil, errors.New("agent: SSH_AUTH_SOCK is not set")
		}
		var d net.Dialer
		c, err := d.DialContext(ctx, "unix", sock)
		if err != nil {
			return nil, nil, fmt.Errorf("agent: %w", err)
		}
		signers, err := agentSigners(agent.NewClient(c))
		if err != nil {
			c.Close()
			return nil, nil, err
		}
		return signers, func() { c.Close() }, nil
	}}
}

// AgentClient authenticates with the keys of an agent the caller has
// connected, for example one from agent.NewClient or agent.NewKeyring.
func AgentClient(ag agent.ExtendedAgent) AuthMethod {
	return pubkeyMethod{get: func(context.Context) ([]Signer, func(), error) {
		s, err := agentSigners(ag)
		return s, func() {}, err
	}}
}

func agentSigners(ag agent.ExtendedAgent) ([]Signer, error) {
	list, err := ag.List()
	if err != nil {
		return nil, fmt.Errorf("agent: list keys: %w", err)
	}
	signers := make([]Signer, 0, len(list))
	for _, k := range list {
		signers = append(signers, &agentSigner{ag: ag, key: k})
	}
	return signers, nil
}

// agentSigner signs through the agent. For RSA it asks for SHA-2 with the
// flags of draft-miller-ssh-agent §5.3 (also for certificates, whose
// signatures are made by the certified key).
type agentSigner struct {
	ag  agent.ExtendedAgent
	key *agent.Key
}

func (s *agentSigner) PublicKey() PublicKey { return s.key }
func (s *agentSigner) Algorithms() []string { return keyAlgorithms(s.key.Type()) }

func (s *agentSigner) Sign(_ io.Reader, data []byte, alg string) ([]byte, error) {
	var flags agent.SignatureFlags
	switch {
	case strings.HasPrefix(alg, "rsa-sha2-256"):
		flags = agent.SignatureFlagRsaSha256
	case strings.HasPrefix(alg, "rsa-sha2-512"):
		flags = agent.SignatureFlagRsaSha512
	}
	sig, err := s.ag.SignWithFlags(s.key, data, flags)
	if err != nil {
		return nil, fmt.Errorf("agent: sign: %w", err)
	}
	if sig.Format != sigAlgBase(alg) {
		return nil, fmt.Errorf("agent: made a %s signature, not %s", sig.Format, sigAlgBase(alg))
	}
	return ssh.Marshal(sig), nil
}
