// Package sshlib is an SSH-2 client written from the specifications (RFC
// 4250-4254 and their extensions, OpenSSH's PROTOCOL files, the hybrid
// post-quantum drafts) on Go's standard crypto and golang.org/x/crypto
// primitives.
//
// It speaks every algorithm OpenSSH 10.x and Dropbear 2026 speak. The
// defaults (defaults.go) are modern; legacy algorithms (SHA-1, MD5, CBC,
// 3DES, DSA, group1) are implemented but offered only when named in a
// Config list, which is the opt-in. Algorithms lists everything with its
// class, whether it is legacy and whether it is a default.
//
// The API follows golang.org/x/crypto/ssh: Dial or NewClientConn give a
// *Client; a Client opens Sessions (Run, Output, Start, pipes, pty, shell,
// subsystems), forwards ports (DialContext, Listen) and reports what was
// negotiated in each direction (Negotiated). Every blocking call takes a
// context or honours a deadline, and Close unblocks everything.
//
// Errors are typed: *NegotiationError (no common algorithm; carries the
// class and both lists), *DisconnectError, *VersionError, *ProtocolError,
// *HostAuthError (the server failed host authentication), *HostKeyError
// (known_hosts said no), *AuthError, *ExitError, *UnknownAlgorithmError.
//
// Config.KeyLog writes every derived secret in a documented format, for
// debugging only; nothing secret is written anywhere else.
package sshlib
