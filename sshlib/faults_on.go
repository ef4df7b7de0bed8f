//go:build sshlibfaults

package sshlib

// Planted bugs for proving the matrix has teeth (make mutants). Built only
// with -tags sshlibfaults; the fault is chosen at run time by SSHLIB_FAULT so
// one test binary serves every mutant. Each reproduces a real bug class from
// ../shared/reference/past-bugs.md.

import (
	"crypto"
	"os"
	"strings"
)

// Fault names (SSHLIB_FAULT values).
const (
	// FaultKDFMACHash derives session keys with the MAC's hash instead of
	// the key exchange's (paramiko PR #356, 2015).
	FaultKDFMACHash = "kdf-mac-hash"
	// FaultKDFExtension feeds only the previous block into each extension
	// round, K(n) = HASH(K || H || K(n-1)): right for one round, wrong from
	// two on (SSH.NET #1660).
	FaultKDFExtension = "kdf-extension"
	// FaultHybridMPInt encodes the hybrid post-quantum shared secret as an
	// mpint instead of a string (erlang/otp #11208): see internal/kex.
	FaultHybridMPInt = "hybrid-mpint"
)

func activeFault() string { return os.Getenv("SSHLIB_FAULT") }

func faultKDFHash(h crypto.Hash, mac string) crypto.Hash {
	if activeFault() != FaultKDFMACHash {
		return h
	}
	m := strings.TrimSuffix(mac, "-etm@openssh.com")
	switch {
	case strings.HasPrefix(m, "hmac-sha2-256"):
		return crypto.SHA256
	case strings.HasPrefix(m, "hmac-sha2-512"):
		return crypto.SHA512
	case strings.HasPrefix(m, "hmac-sha1"):
		return crypto.SHA1
	case strings.HasPrefix(m, "hmac-md5"):
		return crypto.MD5
	}
	return h
}

func faultExtensionInput(soFar []byte, hashSize int) []byte {
	if activeFault() != FaultKDFExtension || len(soFar) <= hashSize {
		return soFar
	}
	return soFar[len(soFar)-hashSize:]
}
