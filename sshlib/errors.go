package sshlib

import (
	"errors"
	"fmt"
	"strings"
)

// Algorithm classes, as named in negotiation errors and reports.
const (
	ClassKex         = "kex"
	ClassHostKey     = "hostkey"
	ClassCipher      = "cipher"
	ClassMAC         = "mac"
	ClassCompression = "compression"
)

// NegotiationError is returned when a class of algorithms has no name in
// common (RFC 4253 §7.1). It carries both lists so a caller can say what
// each side offered.
type NegotiationError struct {
	Class     string   // one of the Class constants
	Direction string   // "client-to-server", "server-to-client", or "" for kex and hostkey
	Ours      []string // what sshlib offered, in order
	Theirs    []string // what the server offered, in order
}

func (e *NegotiationError) Error() string {
	dir := ""
	if e.Direction != "" {
		dir = " (" + e.Direction + ")"
	}
	return fmt.Sprintf("sshlib: no common %s algorithm%s; we offered [%s], server offered [%s]",
		e.Class, dir, strings.Join(e.Ours, ","), strings.Join(e.Theirs, ","))
}

// DisconnectError is an SSH_MSG_DISCONNECT received from the server
// (RFC 4253 §11.1).
type DisconnectError struct {
	Reason  DisconnectReason
	Message string
}

func (e *DisconnectError) Error() string {
	return fmt.Sprintf("sshlib: server disconnected: %s: %q", e.Reason, e.Message)
}

// VersionError is a failed identification exchange (RFC 4253 §4.2).
type VersionError struct {
	Line string // the offending line, truncated for display
	Err  error
}

func (e *VersionError) Error() string {
	if e.Line == "" {
		return fmt.Sprintf("sshlib: version exchange: %v", e.Err)
	}
	return fmt.Sprintf("sshlib: version exchange: %v (line %q)", e.Err, e.Line)
}
func (e *VersionError) Unwrap() error { return e.Err }

// ProtocolError is a violation of the transport protocol by the server: a
// message that is not allowed where it arrived, or one that does not parse.
type ProtocolError struct {
	Where  string // e.g. "initial key exchange", "EXT_INFO", "CHANNEL_DATA"
	Msg    byte   // message number, 0 if not applicable
	Detail string // what was wrong, when Err alone does not say it
	Err    error
}

func (e *ProtocolError) Error() string {
	if e.Detail != "" {
		return fmt.Sprintf("sshlib: protocol error in %s: %s", e.Where, e.Detail)
	}
	if e.Msg != 0 {
		return fmt.Sprintf("sshlib: protocol error in %s: message %d: %v", e.Where, e.Msg, e.Err)
	}
	return fmt.Sprintf("sshlib: protocol error in %s: %v", e.Where, e.Err)
}
func (e *ProtocolError) Unwrap() error { return e.Err }

// HostAuthError is a failed server host authentication (RFC 4253 §8): the
// signature over H does not verify, a host certificate is rejected, the key
// changed in a re-exchange, or the caller's HostKeyCallback refused the key
// (then Err is that callback's error, e.g. a *HostKeyError from known_hosts).
type HostAuthError struct {
	Algorithm string
	Err       error
}

func (e *HostAuthError) Error() string {
	return fmt.Sprintf("sshlib: server host authentication (%s): %v", e.Algorithm, e.Err)
}
func (e *HostAuthError) Unwrap() error { return e.Err }

// Sentinel errors, matched with errors.Is.
var (
	ErrClosed           = errors.New("sshlib: connection closed")
	ErrStrictKex        = errors.New("strict kex violation")
	ErrUnexpectedMsg    = errors.New("unexpected message")
	ErrVersionTooLong   = errors.New("identification line too long")
	ErrTooManyLines     = errors.New("too many lines before the identification string")
	ErrProtocolVersion  = errors.New("unsupported protocol version")
	ErrHandshakeTimeout = errors.New("sshlib: handshake timed out")
	ErrUnknownAlgorithm = errors.New("sshlib: unknown algorithm")
)
