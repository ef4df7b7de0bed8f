package sshlib

import (
	"crypto"
	"fmt"
	"slices"

	"github.com/sshmatrix/sshmatrix/sshlib/internal/kex"
	"github.com/sshmatrix/sshmatrix/sshlib/internal/keys"
	"github.com/sshmatrix/sshmatrix/sshlib/internal/packet"
)

// Algorithm describes one algorithm sshlib implements.
type Algorithm struct {
	Class    string // ClassKex, ClassCipher, ClassMAC, ClassHostKey, ClassCompression
	Name     string // wire name
	Insecure bool   // legacy: offered only when named
	Default  bool   // in the default list (see defaults.go)
	Spec     string // where it is specified
}

// Algorithms lists everything sshlib implements, per class in default
// preference order first, then the opt-in names in registry order.
func Algorithms() []Algorithm {
	var out []Algorithm
	add := func(class string, defaults []string, rows []Algorithm) {
		for _, d := range defaults {
			for _, r := range rows {
				if r.Name == d {
					r.Default = true
					out = append(out, r)
				}
			}
		}
		for _, r := range rows {
			if !slices.Contains(defaults, r.Name) {
				out = append(out, r)
			}
		}
	}
	var ks, cs, ms, hs, zs []Algorithm
	for _, m := range kex.Methods {
		ks = append(ks, Algorithm{Class: ClassKex, Name: m.Name, Insecure: m.Insecure, Spec: m.Spec})
	}
	for _, c := range packet.Ciphers {
		cs = append(cs, Algorithm{Class: ClassCipher, Name: c.Name, Insecure: c.Insecure, Spec: c.Spec})
	}
	for _, m := range packet.MACs {
		ms = append(ms, Algorithm{Class: ClassMAC, Name: m.Name, Insecure: m.Insecure, Spec: m.Spec})
	}
	for _, a := range keys.Algorithms {
		hs = append(hs, Algorithm{Class: ClassHostKey, Name: a.Name, Insecure: a.Insecure, Spec: a.Spec})
	}
	for _, z := range supportedCompressions {
		spec := "RFC 4253 §6.2"
		if z == "zlib@openssh.com" {
			spec = "OpenSSH PROTOCOL §1.3"
		}
		zs = append(zs, Algorithm{Class: ClassCompression, Name: z, Spec: spec})
	}
	add(ClassKex, defaultKexOrder, ks)
	add(ClassCipher, defaultCipherOrder, cs)
	add(ClassMAC, defaultMACOrder, ms)
	add(ClassHostKey, append(slices.Clone(defaultHostKeyCertOrder), defaultHostKeyOrder...), hs)
	add(ClassCompression, defaultCompressionOrder, zs)
	return out
}

// SupportedNames returns every implemented name of one class.
func SupportedNames(class string) []string {
	var out []string
	for _, a := range Algorithms() {
		if a.Class == class {
			out = append(out, a.Name)
		}
	}
	return out
}

func supported(class, name string) bool {
	switch class {
	case ClassKex:
		_, ok := kex.Lookup(name)
		return ok
	case ClassCipher:
		_, ok := packet.LookupCipher(name)
		return ok
	case ClassMAC:
		_, ok := packet.LookupMAC(name)
		return ok
	case ClassHostKey:
		_, ok := keys.Lookup(name)
		return ok
	case ClassCompression:
		return slices.Contains(supportedCompressions, name)
	}
	return false
}

// UnknownAlgorithmError is a configured name sshlib does not implement.
type UnknownAlgorithmError struct {
	Class string
	Name  string
}

func (e *UnknownAlgorithmError) Error() string {
	return fmt.Sprintf("sshlib: %s algorithm %q is not supported by sshlib", e.Class, e.Name)
}
func (e *UnknownAlgorithmError) Unwrap() error { return ErrUnknownAlgorithm }

// offered returns the list sshlib sends for one class: the caller's list
// (checked: every name must be implemented; no default is appended) or
// the policy default.
func (c *Config) offered(class string) ([]string, error) {
	var list, def []string
	switch class {
	case ClassKex:
		list, def = c.KeyExchanges, defaultKexOrder
	case ClassCipher:
		list, def = c.Ciphers, defaultCipherOrder
	case ClassMAC:
		list, def = c.MACs, defaultMACOrder
	case ClassHostKey:
		list = c.HostKeyAlgorithms
		def = defaultHostKeyOrder
		if len(c.HostAuthorities) > 0 {
			def = append(slices.Clone(defaultHostKeyCertOrder), defaultHostKeyOrder...)
		}
	case ClassCompression:
		list, def = c.Compressions, defaultCompressionOrder
	}
	if len(list) == 0 {
		// Only names the registries really have: a default row missing from
		// a registry is a bug TestDefaultPolicy catches, not something to offer.
		var out []string
		for _, n := range def {
			if supported(class, n) {
				out = append(out, n)
			}
		}
		return out, nil
	}
	for _, n := range list {
		if !supported(class, n) {
			return nil, &UnknownAlgorithmError{Class: class, Name: n}
		}
	}
	return slices.Clone(list), nil
}

// KeyExchangeHash returns the hash a key exchange method uses for the
// exchange hash H and for key derivation (RFC 4253 §7.2).
func KeyExchangeHash(name string) (crypto.Hash, bool) {
	m, ok := kex.Lookup(name)
	if !ok {
		return 0, false
	}
	return m.Hash, true
}

// CipherIsAEAD reports whether a cipher carries its own integrity and so
// takes no MAC.
func CipherIsAEAD(name string) bool {
	c, ok := packet.LookupCipher(name)
	return ok && c.AEAD
}

// KeyMaterial returns the longest key the KDF must produce in one direction
// for a cipher and MAC (mac is ignored for AEAD ciphers): max(key, IV, MAC
// key). A kex whose hash yields n bytes per round needs ceil(KeyMaterial/n)-1
// extension rounds (RFC 4253 §7.2).
func KeyMaterial(cipher, mac string) (int, error) {
	c, ok := packet.LookupCipher(cipher)
	if !ok {
		return 0, &UnknownAlgorithmError{Class: ClassCipher, Name: cipher}
	}
	need := max(c.KeyLen, c.IVLen)
	if !c.AEAD && mac != "" {
		m, ok := packet.LookupMAC(mac)
		if !ok {
			return 0, &UnknownAlgorithmError{Class: ClassMAC, Name: mac}
		}
		need = max(need, m.KeyLen)
	}
	return need, nil
}

// ExtensionRounds is the number of RFC 4253 §7.2 extension rounds a kex
// hash needs for the key material of a cipher and MAC.
func ExtensionRounds(kexName, cipher, mac string) (int, error) {
	h, ok := KeyExchangeHash(kexName)
	if !ok {
		return 0, &UnknownAlgorithmError{Class: ClassKex, Name: kexName}
	}
	need, err := KeyMaterial(cipher, mac)
	if err != nil {
		return 0, err
	}
	return (need+h.Size()-1)/h.Size() - 1, nil
}

// DefaultAlgorithms returns the list sshlib offers for a class when the
// Config leaves it empty, in preference order (the policy of defaults.go).
// For ClassHostKey it is the list without HostAuthorities, so without the
// certificate forms. Tools use it for OpenSSH's "+name", "-name" and
// "^name" list forms, which modify a default list.
func DefaultAlgorithms(class string) []string {
	var c Config
	l, _ := c.offered(class)
	return l
}
