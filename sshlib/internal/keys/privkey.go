package keys

import (
	"crypto/x509"
	"errors"
	"fmt"

	"golang.org/x/crypto/ssh"
)

// Private key file errors.
var (
	ErrPassphraseNeeded = errors.New("private key is protected by a passphrase")
	ErrBadPassphrase    = errors.New("wrong passphrase for private key")
)

// ParsePrivateKey reads a private key file: OpenSSH format
// ("OPENSSH PRIVATE KEY") or PEM with PKCS#1, SEC1, PKCS#8 or OpenSSL DSA
// contents, and returns a Signer. An encrypted key returns an *Error
// wrapping ErrPassphraseNeeded.
//
// File formats are decoded by golang.org/x/crypto/ssh (ParseRawPrivateKey),
// a decision of the project lead: they are local storage, not wire interop,
// and re-implementing bcrypt-pbkdf and legacy PEM encryption here would add
// risk without testing anything about SSH peers. The key is then wrapped in
// this package's Signer, so every signature on the wire is made by our code.
func ParsePrivateKey(pemBytes []byte) (Signer, error) {
	raw, err := ssh.ParseRawPrivateKey(pemBytes)
	if err != nil {
		return nil, privateKeyErr(err)
	}
	return NewSigner(raw)
}

// ParsePrivateKeyWithPassphrase is ParsePrivateKey for an encrypted file. A
// wrong passphrase is an *Error wrapping ErrBadPassphrase.
func ParsePrivateKeyWithPassphrase(pemBytes, passphrase []byte) (Signer, error) {
	raw, err := ssh.ParseRawPrivateKeyWithPassphrase(pemBytes, passphrase)
	if err != nil {
		return nil, privateKeyErr(err)
	}
	return NewSigner(raw)
}

func privateKeyErr(err error) error {
	var missing *ssh.PassphraseMissingError
	switch {
	case errors.As(err, &missing):
		return &Error{Op: "parse", Alg: "private key", Err: ErrPassphraseNeeded}
	case errors.Is(err, x509.IncorrectPasswordError):
		return &Error{Op: "parse", Alg: "private key", Err: ErrBadPassphrase}
	}
	return &Error{Op: "parse", Alg: "private key", Err: fmt.Errorf("%w: %v", ErrBadKey, err)}
}
