package sshlib

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/sshmatrix/sshmatrix/sshlib/internal/packet"
	"github.com/sshmatrix/sshmatrix/sshlib/internal/wire"
)

// transport is the client side of the SSH transport layer (RFC 4253): the
// binary packet protocol with per-direction state, the key exchange state
// machine (handshake.go) and the transport messages. It implements
// packetConn for the layers above.
//
// Concurrency: one reader goroutine (readLoop) owns the read direction and
// runs every key exchange after the first; writers share the write direction
// under wmu. While a key exchange is in progress (kexActive) only key
// exchange messages are written; other writers wait on wcond (RFC 4253 §7:
// after KEXINIT, only kex messages until NEWKEYS).
type transport struct {
	conn       net.Conn
	br         *bufio.Reader
	cfg        Config
	rand       io.Reader
	keyLog     *keyLogger
	hostname   string
	hostVerify func(PublicKey) error

	clientVersion, serverVersion []byte
	preBanner                    []string

	// Write direction, guarded by wmu.
	wmu         sync.Mutex
	wcond       *sync.Cond
	sealer      packet.Sealer
	wseq        uint32
	wbuf        []byte
	wcomp       *compressor
	wBytes      int64 // since the last NEWKEYS sent
	wPackets    int64
	wLimBytes   int64 // rekey limits of the keys in force (RFC 4344 §3)
	wLimPackets int64
	kexActive   bool   // our KEXINIT is out and NEWKEYS is not
	ourKexInit  []byte // the KEXINIT payload of the current exchange
	ourKexMsg   *kexInitMsg
	guessClient kexGuess // a first kex packet sent as a guess, if any
	kexGen      int      // completed exchanges; waiters watch it change
	writeErr    error

	// Read direction, owned by the reader (the handshake, then readLoop).
	opener                 packet.Opener
	rseq                   uint32
	rcomp                  *decompressor
	rBytes                 int64
	rPackets               int64
	rLimBytes, rLimPackets int64

	// Connection state, guarded by mu.
	mu            sync.Mutex
	sessID        []byte
	firstHostKey  []byte
	strict        bool
	neg           Negotiated
	sigAlgs       []string
	sigAlgsOK     bool
	authDone      bool
	pendingC2S    string // compression to start at authentication (zlib@openssh.com)
	pendingS2C    string
	rekeyTimer    *time.Timer
	kexWatchdog   *time.Timer
	lastKexFinish time.Time

	incoming  chan []byte
	readErr   error // set before incoming is closed
	closed    chan struct{}
	closeOnce sync.Once
	failOnce  sync.Once
	failErr   error
}

// newClientTransport runs the version exchange and the first key exchange
// over c (see layers.go for the contract).
func newClientTransport(ctx context.Context, c net.Conn, cfg *Config, hostVerify func(PublicKey) error, hostname string) (*transport, error) {
	t := &transport{
		conn:       c,
		br:         bufio.NewReaderSize(c, 64<<10),
		cfg:        *cfg,
		rand:       cfg.Rand,
		hostname:   hostname,
		hostVerify: hostVerify,
		incoming:   make(chan []byte, 16),
		closed:     make(chan struct{}),
	}
	if t.rand == nil {
		t.rand = rand.Reader
	}
	if cfg.KeyLog != nil {
		t.keyLog = &keyLogger{w: cfg.KeyLog}
	}
	t.wcond = sync.NewCond(&t.wmu)
	// Until the first NEWKEYS installs real ones (runKex).
	t.wLimBytes, t.wLimPackets = t.limits("")
	t.rLimBytes, t.rLimPackets = t.limits("")
	t.clientVersion = []byte(defaultVersion)
	if cfg.ClientVersion != "" {
		t.clientVersion = []byte(cfg.ClientVersion)
	}
	// Check the configuration before touching the network.
	for _, class := range []string{ClassKex, ClassHostKey, ClassCipher, ClassMAC, ClassCompression} {
		if _, err := t.cfg.offered(class); err != nil {
			return nil, err
		}
	}

	// The whole handshake runs under one deadline, and the context can
	// cancel it: both unblock reads and writes on c.
	deadline := time.Now().Add(t.handshakeTimeout())
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := c.SetDeadline(deadline); err != nil {
		return nil, fmt.Errorf("sshlib: set handshake deadline: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
	err := t.handshake()
	cancelled := !stop()
	if err == nil && cancelled {
		err = ctx.Err()
	}
	if err != nil {
		if cancelled && ctx.Err() != nil {
			err = fmt.Errorf("sshlib: handshake: %w (%v)", ctx.Err(), err)
		} else if isTimeout(err) {
			err = fmt.Errorf("%w (limit %s): %v", ErrHandshakeTimeout, t.handshakeTimeout(), err)
		}
		c.Close()
		return nil, err
	}
	if err := c.SetDeadline(time.Time{}); err != nil {
		c.Close()
		return nil, fmt.Errorf("sshlib: clear handshake deadline: %w", err)
	}
	t.armRekeyTimer()
	go t.readLoop()
	return t, nil
}

func (t *transport) handshakeTimeout() time.Duration {
	if t.cfg.HandshakeTimeout > 0 {
		return t.cfg.HandshakeTimeout
	}
	return defaultHandshakeTO * time.Second
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// handshake is the version exchange and the first key exchange.
func (t *transport) handshake() error {
	if _, err := t.conn.Write(append(append([]byte(nil), t.clientVersion...), '\r', '\n')); err != nil {
		return fmt.Errorf("sshlib: send identification: %w", err)
	}
	v, pre, err := readVersion(t.br)
	if err != nil {
		return err
	}
	t.serverVersion, t.preBanner = v, pre
	t.sealer = packet.NewPlainSealer(t.rand)
	t.opener = packet.NewPlainOpener()

	t.wmu.Lock()
	err = t.sendKexInitLocked()
	t.wmu.Unlock()
	if err != nil {
		return err
	}
	// The server's KEXINIT. Strict kex (PROTOCOL §1.10) requires it to be
	// the very first packet; we only learn whether kex is strict from it, so
	// remember whether anything came before.
	var before int
	for {
		p, err := t.readRaw()
		if err != nil {
			return err
		}
		switch p[0] {
		case msgKexInit:
			return t.runKex(p, before)
		case msgIgnore, msgDebug, msgUnimplemented:
			before++
		case msgDisconnect:
			return parseDisconnect(p)
		default:
			return &ProtocolError{Where: "initial key exchange", Msg: p[0], Err: fmt.Errorf("%w before KEXINIT", ErrUnexpectedMsg)}
		}
	}
}

// readRaw reads and decompresses one packet, counting it for rekey limits.
// Only the current reader may call it.
func (t *transport) readRaw() ([]byte, error) {
	p, err := t.opener.Open(t.rseq, t.br)
	if err != nil {
		if errors.Is(err, packet.ErrMAC) || errors.Is(err, packet.ErrLength) || errors.Is(err, packet.ErrPadding) {
			t.sendDisconnect(DisconnectMACError, "packet integrity failure")
		}
		return nil, err
	}
	t.rseq++
	t.rPackets++
	t.rBytes += int64(len(p))
	if t.rcomp != nil {
		if p, err = t.rcomp.decompress(p); err != nil {
			t.sendDisconnect(DisconnectCompressionError, "decompression failed")
			return nil, err
		}
	}
	if len(p) == 0 {
		return nil, &ProtocolError{Where: "packet", Err: errors.New("empty payload")}
	}
	return p, nil
}

// readLoop owns the read direction after the first key exchange: it handles
// transport messages and hands everything else to readPacket.
func (t *transport) readLoop() {
	defer func() {
		if t.rcomp != nil {
			t.rcomp.close()
		}
		close(t.incoming)
	}()
	for {
		p, err := t.readRaw()
		if err != nil {
			t.fail(err)
			return
		}
		switch p[0] {
		case msgIgnore, msgDebug:
			// RFC 4253 §11.2, §11.3: may be ignored.
			continue
		case msgUnimplemented:
			// RFC 4253 §11.4: the server did not understand one of ours. As
			// OpenSSH's client does, note it and go on: what we send after
			// authentication is either understood or answered by a failure
			// message of the layer above.
			continue
		case msgDisconnect:
			t.fail(parseDisconnect(p))
			return
		case msgExtInfo:
			if err := t.handleExtInfo(p); err != nil {
				t.fail(err)
				return
			}
			continue
		case msgKexInit:
			if err := t.runKex(p, 0); err != nil {
				t.fail(err)
				return
			}
			continue
		case msgNewKeys:
			t.fail(&ProtocolError{Where: "transport", Msg: p[0], Err: fmt.Errorf("%w outside a key exchange", ErrUnexpectedMsg)})
			return
		}
		if p[0] < msgUserAuthRequest && p[0] != msgServiceAccept {
			// An unassigned transport-layer number: answer UNIMPLEMENTED
			// with its sequence number (RFC 4253 §11.4) and go on.
			if p[0] < msgKexFirst || p[0] > msgKexLast {
				t.wmu.Lock()
				err := t.writeLocked(wire.NewBuilder(nil).Byte(msgUnimplemented).Uint32(t.rseq - 1).Bytes())
				t.wmu.Unlock()
				if err != nil {
					t.fail(err)
					return
				}
				continue
			}
		}
		if p[0] >= msgKexFirst && p[0] <= msgKexLast {
			t.fail(&ProtocolError{Where: "transport", Msg: p[0], Err: fmt.Errorf("%w: key exchange message outside a key exchange", ErrUnexpectedMsg)})
			return
		}
		if p[0] == msgUserAuthSuccess {
			// Delayed compression (zlib@openssh.com) starts with the packet
			// after USERAUTH_SUCCESS in both directions (PROTOCOL §1.3): the
			// server compresses from its next packet, so switch here, before
			// the next read, not when the auth layer gets to it.
			t.startDelayedCompression()
		}
		var msg []byte
		if p[0] == msgChannelData || p[0] == msgChannelExtendedData {
			msg = append(getRxBuf(len(p)), p...)
		} else {
			// Only data goes back to the pool; the rest (window
			// adjustments, requests) is small and left to the collector.
			msg = append([]byte(nil), p...)
		}
		select {
		case t.incoming <- msg:
		case <-t.closed:
			return
		}
		if t.readLimitReached() {
			if err := t.startKex(); err != nil {
				t.fail(err)
				return
			}
		}
	}
}

// Received payloads are handed to the layers above in buffers from rxPool
// (the opener's buffer is reused by the next read, so each payload must be
// copied out). The channel layer gives a buffer back once its data has
// been read (byteQueue), so a bulk download reuses a few buffers instead
// of allocating one per packet, which kept the garbage collector busy.
// rxBufSize holds the largest CHANNEL_EXTENDED_DATA we accept
// (channelMaxPacket of data plus its 13-byte header); larger payloads,
// rare, are allocated and left to the collector.
const rxBufSize = channelMaxPacket + 64

var rxPool = sync.Pool{New: func() any { b := make([]byte, 0, rxBufSize); return &b }}

// getRxBuf returns an empty slice with room for n bytes.
func getRxBuf(n int) []byte {
	if n > rxBufSize {
		return make([]byte, 0, n)
	}
	return (*rxPool.Get().(*[]byte))[:0]
}

// putRxBuf gives back a buffer from getRxBuf. The caller must own it (the
// packetConn contract: a payload is the reader's to keep) and must not use
// it, or any slice of it, afterwards. Buffers of another size are ignored.
func putRxBuf(b []byte) {
	if cap(b) != rxBufSize {
		return
	}
	b = b[:0]
	rxPool.Put(&b)
}

// readPacket implements packetConn.
func (t *transport) readPacket() ([]byte, error) {
	p, ok := <-t.incoming
	if !ok {
		return nil, t.err()
	}
	return p, nil
}

// writePacket implements packetConn: it waits out a key exchange in
// progress, then seals and sends p.
func (t *transport) writePacket(p []byte) error {
	if len(p) == 0 {
		return errors.New("sshlib: write of an empty packet")
	}
	t.wmu.Lock()
	defer t.wmu.Unlock()
	for t.kexActive && t.writeErr == nil {
		t.wcond.Wait()
	}
	if t.writeErr != nil {
		return t.writeErr
	}
	if err := t.writeLocked(p); err != nil {
		return err
	}
	if t.writeLimitReachedLocked() {
		return t.sendKexInitLocked()
	}
	return nil
}

// writeLocked compresses, seals and sends one packet. wmu must be held.
func (t *transport) writeLocked(p []byte) error {
	if t.writeErr != nil {
		return t.writeErr
	}
	if t.wcomp != nil {
		p = t.wcomp.compress(p)
	}
	var err error
	t.wbuf, err = t.sealer.Seal(t.wbuf[:0], t.wseq, p)
	if err != nil {
		t.writeErr = err
		return err
	}
	if _, err := t.conn.Write(t.wbuf); err != nil {
		t.writeErr = fmt.Errorf("sshlib: write packet #%d: %w", t.wseq, err)
		return t.writeErr
	}
	t.wseq++
	t.wPackets++
	t.wBytes += int64(len(p))
	return nil
}

// sessionID implements packetConn.
func (t *transport) sessionID() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.sessID
}

// serverSigAlgs implements packetConn.
func (t *transport) serverSigAlgs() ([]string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.sigAlgs, t.sigAlgsOK
}

// negotiated returns the outcome of the latest key exchange.
func (t *transport) negotiated() Negotiated {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.neg
}

// authenticated implements packetConn.
func (t *transport) authenticated() { t.startDelayedCompression() }

func (t *transport) startDelayedCompression() {
	t.mu.Lock()
	if t.authDone {
		t.mu.Unlock()
		return
	}
	t.authDone = true
	c2s, s2c := t.pendingC2S, t.pendingS2C
	t.pendingC2S, t.pendingS2C = "", ""
	t.mu.Unlock()
	// Only the reader calls this with s2c set (readLoop on USERAUTH_SUCCESS),
	// so rcomp needs no lock; wcomp is guarded by wmu.
	if s2c != "" {
		t.rcomp = newDecompressor()
	}
	if c2s != "" {
		t.wmu.Lock()
		t.wcomp = newCompressor()
		t.wmu.Unlock()
	}
}

// Close implements packetConn. It sends DISCONNECT (best effort) and closes
// the connection; blocked calls return ErrClosed.
func (t *transport) Close() error {
	t.sendDisconnect(DisconnectByApplication, "closed by client")
	t.fail(ErrClosed)
	return nil
}

// sendDisconnect sends SSH_MSG_DISCONNECT without waiting for a key
// exchange, with a short deadline: it is a courtesy, never a reason to hang.
func (t *transport) sendDisconnect(reason DisconnectReason, text string) {
	if !t.wmu.TryLock() {
		return
	}
	defer t.wmu.Unlock()
	if t.writeErr != nil || t.sealer == nil {
		return
	}
	t.conn.SetWriteDeadline(time.Now().Add(time.Second))
	p := wire.NewBuilder(nil).Byte(msgDisconnect).Uint32(uint32(reason)).Text(text).Text("").Bytes()
	t.writeLocked(p)
}

// fail records the first fatal error and tears the connection down.
func (t *transport) fail(err error) {
	t.failOnce.Do(func() {
		t.mu.Lock()
		t.failErr = err
		if t.rekeyTimer != nil {
			t.rekeyTimer.Stop()
		}
		if t.kexWatchdog != nil {
			t.kexWatchdog.Stop()
		}
		t.mu.Unlock()
		t.closeOnce.Do(func() { close(t.closed) })
		t.conn.Close()
		t.wmu.Lock()
		if t.writeErr == nil {
			t.writeErr = err
		}
		t.wcond.Broadcast()
		t.wmu.Unlock()
	})
}

func (t *transport) err() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.failErr == nil {
		return ErrClosed
	}
	return t.failErr
}

func parseDisconnect(p []byte) error {
	r := wire.NewReader(p[1:])
	reason := r.Uint32("reason code")
	desc := r.Text("description")
	r.Text("language tag")
	if err := r.Err(); err != nil {
		return &ProtocolError{Where: "DISCONNECT", Msg: msgDisconnect, Err: err}
	}
	return &DisconnectError{Reason: DisconnectReason(reason), Message: desc}
}

// maxExtensions bounds EXT_INFO's count before it drives a loop.
const maxExtensions = 64

// handleExtInfo records SSH_MSG_EXT_INFO (RFC 8308 §2.3). Unknown extensions
// are ignored (§2.5); server-sig-algs is kept for public-key authentication.
func (t *transport) handleExtInfo(p []byte) error {
	r := wire.NewReader(p[1:])
	n := r.Uint32("nr-extensions")
	if n > maxExtensions {
		return &ProtocolError{Where: "EXT_INFO", Msg: msgExtInfo, Err: fmt.Errorf("%d extensions (limit %d)", n, maxExtensions)}
	}
	var algs []string
	found := false
	for i := uint32(0); i < n; i++ {
		name := r.Text("extension-name")
		if name == "server-sig-algs" {
			algs = r.NameList("server-sig-algs")
			found = true
		} else {
			r.String("extension-value")
		}
	}
	if err := r.Done("EXT_INFO"); err != nil {
		return &ProtocolError{Where: "EXT_INFO", Msg: msgExtInfo, Err: err}
	}
	t.mu.Lock()
	t.neg.ExtInfo = true
	if found {
		t.sigAlgs, t.sigAlgsOK = algs, true
	}
	t.mu.Unlock()
	return nil
}
