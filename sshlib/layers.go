package sshlib

// packetConn is the transport (RFC 4253) as the layers above it, user
// authentication (RFC 4252) and the connection protocol (RFC 4254), see it.
// Transport messages (IGNORE, DEBUG, UNIMPLEMENTED, KEXINIT and the key
// exchange, EXT_INFO, DISCONNECT) never reach them: the transport handles those
// and turns DISCONNECT into a *DisconnectError from readPacket.
//
// Tests of the layers above use an in-memory fake of this interface.
type packetConn interface {
	// writePacket sends one payload (message number first). It blocks while a
	// key exchange is in progress and is safe for concurrent use. It does not
	// keep p: the caller may reuse it once writePacket returns.
	writePacket(p []byte) error
	// readPacket returns the next payload for the layers above. The slice is
	// the caller's to keep. It returns an error once the connection is closed.
	readPacket() ([]byte, error)
	// sessionID is H of the first key exchange (RFC 4253 §7.2).
	sessionID() []byte
	// serverSigAlgs is the server-sig-algs extension of EXT_INFO (RFC 8308
	// §3.1); ok is false if the server sent none.
	serverSigAlgs() (algs []string, ok bool)
	// authenticated tells the transport that user authentication succeeded,
	// which starts delayed compression (zlib@openssh.com).
	authenticated()
	// Close closes the connection; blocked readPacket and writePacket calls return.
	Close() error
}

// The transport's constructor, as the client (client.go) calls it:
//
//	func newClientTransport(ctx context.Context, c net.Conn, cfg *Config,
//		hostVerify func(key PublicKey) error, hostname string) (*transport, error)
//
// It runs the version exchange and the first key exchange; hostVerify
// receives the host key after its signature over H has been verified (and,
// for a certificate, after the CA check) and decides whether it is trusted.
// *transport implements packetConn and also has:
//
//	negotiated() Negotiated            // the latest key exchange's outcome
//	requestKeyChange() error           // a client-initiated rekey; returns when it is done
