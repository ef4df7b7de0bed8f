package sshlib

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"github.com/sshmatrix/sshmatrix/sshlib/internal/keys"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// HostKeyCallback decides whether key, presented by the server at remote
// and dialled as hostname ("host:port"), is trusted. It runs after the
// transport has verified the key's signature over the exchange hash
// (RFC 4253 §8), so the server holds the private key.
type HostKeyCallback func(hostname string, remote net.Addr, key PublicKey) error

// HostKeyPolicy is what KnownHosts does with a host it has no key for.
type HostKeyPolicy int

const (
	// StrictHostKeyChecking rejects unknown hosts and changed keys, like
	// OpenSSH's StrictHostKeyChecking=yes. It is the default.
	StrictHostKeyChecking HostKeyPolicy = iota
	// AcceptNewHostKeys trusts a host seen for the first time and appends
	// its key to the first known_hosts file; a changed key is still
	// rejected (StrictHostKeyChecking=accept-new).
	AcceptNewHostKeys
)

// HostKeyProblem says why a host key was rejected.
type HostKeyProblem int

const (
	HostKeyUnknown  HostKeyProblem = iota + 1 // no key is known for the host
	HostKeyMismatch                           // the host is known with other keys
	HostKeyRevoked                            // the key is marked @revoked
	HostKeyInvalid                            // e.g. a certificate that fails the CA check
)

// KnownHostKey is one known_hosts entry that applies to a host.
type KnownHostKey struct {
	Type        string
	Fingerprint string // SHA256:base64, as ssh-keygen -l prints
	File        string
	Line        int
}

// HostKeyError is a host key that KnownHosts or FixedHostKey rejected;
// Dial returns it inside the transport's *HostAuthError. For a mismatch,
// Known lists the keys on record, so both fingerprints are in the message.
type HostKeyError struct {
	Problem     HostKeyProblem
	Host        string
	Type        string // the server's key type
	Fingerprint string // the server's key, SHA256:base64
	Known       []KnownHostKey
	Err         error // the underlying check's error, if any
}

func (e *HostKeyError) Error() string {
	switch e.Problem {
	case HostKeyUnknown:
		s := fmt.Sprintf("sshlib: host key for %s is unknown: server sent %s %s", e.Host, e.Type, e.Fingerprint)
		if len(e.Known) > 0 {
			s += fmt.Sprintf(" (keys of other types are known, e.g. %s at %s:%d)", e.Known[0].Type, e.Known[0].File, e.Known[0].Line)
		}
		return s
	case HostKeyMismatch:
		var known []string
		for _, k := range e.Known {
			known = append(known, fmt.Sprintf("%s %s (%s:%d)", k.Type, k.Fingerprint, k.File, k.Line))
		}
		return fmt.Sprintf("sshlib: HOST KEY MISMATCH for %s: server sent %s %s, known_hosts has %s",
			e.Host, e.Type, e.Fingerprint, strings.Join(known, ", "))
	case HostKeyRevoked:
		return fmt.Sprintf("sshlib: host key for %s is revoked: %s %s (%s:%d)", e.Host, e.Type, e.Fingerprint,
			e.Known[0].File, e.Known[0].Line)
	}
	return fmt.Sprintf("sshlib: host key for %s rejected: %s %s: %v", e.Host, e.Type, e.Fingerprint, e.Err)
}

func (e *HostKeyError) Unwrap() error { return e.Err }

// DefaultKnownHostsFile is ~/.ssh/known_hosts.
func DefaultKnownHostsFile() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".ssh", "known_hosts")
}

// KnownHosts checks host keys against OpenSSH known_hosts files (sshd(8)
// "SSH_KNOWN_HOSTS FILE FORMAT"): plain and hashed host names, patterns,
// @cert-authority lines for host certificates and @revoked lines. No files
// means DefaultKnownHostsFile. Files are read on every check, so a key
// added by another process or by AcceptNewHostKeys is seen at once; a
// missing file is an empty one.
func KnownHosts(policy HostKeyPolicy, files ...string) (HostKeyCallback, error) {
	if len(files) == 0 {
		f := DefaultKnownHostsFile()
		if f == "" {
			return nil, errors.New("sshlib: known_hosts: no home directory")
		}
		files = []string{f}
	}
	var mu sync.Mutex // one append at a time from this callback
	return func(hostname string, remote net.Addr, key PublicKey) error {
		mu.Lock()
		defer mu.Unlock()
		return checkKnownHosts(policy, files, hostname, remote, key)
	}, nil
}

func checkKnownHosts(policy HostKeyPolicy, files []string, hostname string, remote net.Addr, key PublicKey) error {
	skey, err := ssh.ParsePublicKey(key.Marshal())
	if err != nil {
		return &HostKeyError{Problem: HostKeyInvalid, Host: hostname, Type: key.Type(), Err: err}
	}
	herr := &HostKeyError{Host: hostname, Type: skey.Type(), Fingerprint: ssh.FingerprintSHA256(skey)}
	var existing []string
	for _, f := range files {
		if _, err := os.Stat(f); err == nil {
			existing = append(existing, f)
		} else if !errors.Is(err, fs.ErrNotExist) {
			herr.Problem, herr.Err = HostKeyInvalid, err
			return herr
		}
	}
	if remote == nil {
		remote = &net.TCPAddr{}
	}
	var check ssh.HostKeyCallback
	if len(existing) > 0 {
		if check, err = knownhosts.New(existing...); err != nil {
			herr.Problem, herr.Err = HostKeyInvalid, err
			return herr
		}
		err = check(hostname, remote, skey)
	} else {
		err = &knownhosts.KeyError{}
	}
	if err == nil {
		return nil
	}
	var kerr *knownhosts.KeyError
	var rerr *knownhosts.RevokedError
	switch {
	case errors.As(err, &rerr):
		herr.Problem = HostKeyRevoked
		herr.Known = []KnownHostKey{knownKey(rerr.Revoked)}
		return herr
	case errors.As(err, &kerr) && sameTypeKnown(kerr.Want, skey):
		herr.Problem = HostKeyMismatch
		for _, w := range kerr.Want {
			herr.Known = append(herr.Known, knownKey(w))
		}
		return herr
	case errors.As(err, &kerr):
		// Keys of other types only: like ssh(1), the host is new for this
		// key type (a server may have several host keys); the others are
		// listed.
		for _, w := range kerr.Want {
			herr.Known = append(herr.Known, knownKey(w))
		}
		if _, isCert := skey.(*ssh.Certificate); isCert {
			// A certificate from an unknown CA: no key to pin.
			herr.Problem, herr.Err = HostKeyInvalid, err
			return herr
		}
		herr.Problem = HostKeyUnknown
		if policy == AcceptNewHostKeys {
			if err := appendKnownHost(files[0], hostname, skey); err != nil {
				herr.Err = err
				return herr
			}
			return nil
		}
		return herr
	}
	herr.Problem, herr.Err = HostKeyInvalid, err
	return herr
}

// sameTypeKnown reports whether a key of key's type is on record: only
// then is a different key a change (ssh(1) compares within a type).
func sameTypeKnown(known []knownhosts.KnownKey, key ssh.PublicKey) bool {
	for _, k := range known {
		if k.Key.Type() == key.Type() {
			return true
		}
	}
	return false
}

func knownKey(k knownhosts.KnownKey) KnownHostKey {
	return KnownHostKey{Type: k.Key.Type(), Fingerprint: ssh.FingerprintSHA256(k.Key), File: k.Filename, Line: k.Line}
}

// appendKnownHost adds a line for hostname to file, creating the file and
// its directory if needed (mode 0600 and 0700, as ssh(1) does).
func appendKnownHost(file, hostname string, key ssh.PublicKey) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	line := knownhosts.Line([]string{knownhosts.Normalize(hostname)}, key) + "\n"
	// Start on a new line if the file does not end with one.
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		if b, err := os.ReadFile(file); err == nil && !bytes.HasSuffix(b, []byte("\n")) {
			line = "\n" + line
		}
	}
	if _, err := f.WriteString(line); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// InsecureIgnoreHostKey accepts any host key. It makes the connection
// open to a man in the middle; use it only for tests.
func InsecureIgnoreHostKey() HostKeyCallback {
	return func(string, net.Addr, PublicKey) error { return nil }
}

// FixedHostKey accepts only key.
func FixedHostKey(key PublicKey) HostKeyCallback {
	want := key.Marshal()
	return func(hostname string, _ net.Addr, got PublicKey) error {
		if bytes.Equal(got.Marshal(), want) {
			return nil
		}
		herr := &HostKeyError{Problem: HostKeyMismatch, Host: hostname, Type: got.Type(), Fingerprint: fingerprint(got)}
		herr.Known = []KnownHostKey{{Type: key.Type(), Fingerprint: fingerprint(key), File: "FixedHostKey"}}
		return herr
	}
}

// fingerprint is the SHA256 fingerprint of a key.
func fingerprint(k PublicKey) string {
	sk, err := ssh.ParsePublicKey(k.Marshal())
	if err != nil {
		return "(unparsable key)"
	}
	return ssh.FingerprintSHA256(sk)
}

// KnownHostKeyAlgorithms orders the host-key algorithms to offer to addr
// ("host:port", as given to Dial) the way ssh(1) does: the algorithms of the
// key types known_hosts already holds for that host first, then the rest of
// DefaultAlgorithms(ClassHostKey). Without that, a host known only by, say,
// its RSA key would be asked for its Ed25519 key first, which the strict
// policy must then refuse as unknown. It returns nil (meaning the defaults)
// when no file knows the host. No files means DefaultKnownHostsFile.
func KnownHostKeyAlgorithms(addr string, files ...string) ([]string, error) {
	if len(files) == 0 {
		files = []string{DefaultKnownHostsFile()}
	}
	var existing []string
	for _, f := range files {
		if _, err := os.Stat(f); err == nil {
			existing = append(existing, f)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("sshlib: known_hosts: %w", err)
		}
	}
	if len(existing) == 0 {
		return nil, nil
	}
	check, err := knownhosts.New(existing...)
	if err != nil {
		return nil, fmt.Errorf("sshlib: known_hosts: %w", err)
	}
	// Ask about a key nobody has: the KeyError lists every known key for
	// the host (knownhosts has no other lookup).
	probe, err := ssh.NewPublicKey(ed25519.PublicKey(make([]byte, ed25519.PublicKeySize)))
	if err != nil {
		return nil, err
	}
	var kerr *knownhosts.KeyError
	if err := check(addr, &net.TCPAddr{}, probe); !errors.As(err, &kerr) || len(kerr.Want) == 0 {
		return nil, nil
	}
	known := map[string]bool{}
	for _, w := range kerr.Want {
		known[w.Key.Type()] = true
	}
	defaults := DefaultAlgorithms(ClassHostKey)
	var first, rest []string
	for _, alg := range defaults {
		a, ok := keys.Lookup(alg)
		if ok && known[a.KeyType] {
			first = append(first, alg)
		} else {
			rest = append(rest, alg)
		}
	}
	if len(first) == 0 {
		return nil, nil
	}
	return append(first, rest...), nil
}
