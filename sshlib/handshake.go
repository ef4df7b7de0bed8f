package sshlib

import (
	"bytes"
	"crypto"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/sshmatrix/sshmatrix/sshlib/internal/kex"
	"github.com/sshmatrix/sshmatrix/sshlib/internal/keys"
	"github.com/sshmatrix/sshmatrix/sshlib/internal/packet"
)

// kexGuess is a first kex packet sent right after our KEXINIT
// (first_kex_packet_follows, RFC 4253 §7).
type kexGuess struct {
	method string
	client kex.Client
}

// Rekey defaults (RFC 4344 §3).
const (
	maxRekeyBytes   = 1 << 30       // cap for every cipher
	defaultRekeyPkt = 1 << 31       // RFC 4344 §3.1: well before 2^32 packets
	defaultRekeyAge = time.Hour     // as OpenSSH's RekeyLimit default time is none; an hour bounds key lifetime
	smallBlockBytes = (1 << 16) * 8 // RFC 4344 §3.2: 2^(L/4) blocks for L = 64-bit block ciphers
)

// buildKexInit makes our KEXINIT. The first one also carries the
// pseudo-algorithms ext-info-c (RFC 8308 §2.1) and
// kex-strict-c-v00@openssh.com (PROTOCOL §1.10); later ones do not, as
// OpenSSH does.
func (t *transport) buildKexInit() (*kexInitMsg, error) {
	m := new(kexInitMsg)
	if _, err := t.rand.Read(m.Cookie[:]); err != nil {
		return nil, fmt.Errorf("sshlib: KEXINIT cookie: %w", err)
	}
	var err error
	if m.KexAlgos, err = t.cfg.offered(ClassKex); err != nil {
		return nil, err
	}
	if t.kexGen == 0 {
		if !t.cfg.DisableExtInfo {
			m.KexAlgos = append(m.KexAlgos, extInfoClient)
		}
		if !t.cfg.DisableStrictKex {
			m.KexAlgos = append(m.KexAlgos, strictKexClient)
		}
	}
	if m.HostKeyAlgos, err = t.cfg.offered(ClassHostKey); err != nil {
		return nil, err
	}
	if m.CiphersC2S, err = t.cfg.offered(ClassCipher); err != nil {
		return nil, err
	}
	if m.MACsC2S, err = t.cfg.offered(ClassMAC); err != nil {
		return nil, err
	}
	if m.CompressionC2S, err = t.cfg.offered(ClassCompression); err != nil {
		return nil, err
	}
	m.CiphersS2C, m.MACsS2C, m.CompressionS2C = m.CiphersC2S, m.MACsC2S, m.CompressionC2S
	m.FirstKexFollows = t.cfg.GuessKex
	return m, nil
}

// sendKexInitLocked starts a key exchange from our side (or answers the
// server's): it sends KEXINIT and, when guessing, the first kex packet.
// wmu must be held.
func (t *transport) sendKexInitLocked() error {
	if t.kexActive {
		return nil
	}
	m, err := t.buildKexInit()
	if err != nil {
		return err
	}
	t.ourKexMsg, t.ourKexInit = m, m.marshal()
	t.kexActive = true
	if err := t.writeLocked(t.ourKexInit); err != nil {
		return err
	}
	if t.kexGen > 0 {
		t.mu.Lock()
		t.kexWatchdog = time.AfterFunc(t.handshakeTimeout(), func() {
			t.fail(fmt.Errorf("%w: key re-exchange did not finish in %s", ErrHandshakeTimeout, t.handshakeTimeout()))
		})
		t.mu.Unlock()
	}
	if m.FirstKexFollows {
		name := m.KexAlgos[0]
		meth, ok := kex.Lookup(name)
		if !ok {
			return &UnknownAlgorithmError{Class: ClassKex, Name: name}
		}
		c, err := meth.Start(t.kexParams())
		if err != nil {
			return err
		}
		if err := t.writeLocked(c.First()); err != nil {
			return err
		}
		t.guessClient = kexGuess{method: name, client: c}
	}
	return nil
}

func (t *transport) kexParams() *kex.Params {
	return &kex.Params{Rand: t.rand, GexMin: t.cfg.GexMin, GexPreferred: t.cfg.GexPreferred, GexMax: t.cfg.GexMax}
}

// startKex begins a client-initiated key re-exchange unless one is running.
func (t *transport) startKex() error {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	if t.writeErr != nil {
		return t.writeErr
	}
	return t.sendKexInitLocked()
}

// requestKeyChange runs a client-initiated key re-exchange and returns when
// it has finished (or failed). If an exchange is already running it waits for
// that one first, so the caller always gets fresh keys from an exchange it
// started.
func (t *transport) requestKeyChange() error {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	for t.kexActive && t.writeErr == nil {
		t.wcond.Wait()
	}
	if t.writeErr != nil {
		return t.writeErr
	}
	gen := t.kexGen
	if err := t.sendKexInitLocked(); err != nil {
		return err
	}
	for t.kexGen == gen && t.writeErr == nil {
		t.wcond.Wait()
	}
	if t.kexGen == gen {
		return t.writeErr
	}
	return nil
}

// kexConn is what a kex method sees: writes bypass the kex barrier, reads
// return only key exchange messages.
type kexConn struct {
	t           *transport
	strictFirst bool // the initial exchange under strict kex: nothing else may arrive
	ignoreNext  bool // the server guessed wrong: drop its first kex packet (RFC 4253 §7)
	method      string
}

func (c *kexConn) WritePacket(p []byte) error {
	c.t.wmu.Lock()
	defer c.t.wmu.Unlock()
	return c.t.writeLocked(p)
}

func (c *kexConn) ReadPacket() ([]byte, error) {
	for {
		p, err := c.t.readDuringKex(c.strictFirst, "key exchange "+c.method)
		if err != nil {
			return nil, err
		}
		if p[0] == msgNewKeys {
			return nil, &ProtocolError{Where: "key exchange " + c.method, Msg: msgNewKeys, Err: fmt.Errorf("%w: NEWKEYS before the exchange finished", ErrUnexpectedMsg)}
		}
		if c.ignoreNext {
			c.ignoreNext = false
			continue
		}
		return p, nil
	}
}

// readDuringKex returns the next kex message (30..49) or NEWKEYS. IGNORE and
// DEBUG are skipped, except in the initial exchange under strict kex, where
// any other message is fatal (PROTOCOL §1.10).
func (t *transport) readDuringKex(strictFirst bool, where string) ([]byte, error) {
	for {
		p, err := t.readRaw()
		if err != nil {
			return nil, err
		}
		switch {
		case p[0] == msgNewKeys || (p[0] >= msgKexFirst && p[0] <= msgKexLast):
			return p, nil
		case p[0] == msgDisconnect:
			return nil, parseDisconnect(p)
		case strictFirst:
			return nil, &ProtocolError{Where: where, Msg: p[0], Err: fmt.Errorf("%w: message not allowed in the initial key exchange", ErrStrictKex)}
		case p[0] == msgIgnore || p[0] == msgDebug || p[0] == msgUnimplemented:
			continue
		default:
			return nil, &ProtocolError{Where: where, Msg: p[0], Err: fmt.Errorf("%w during a key exchange", ErrUnexpectedMsg)}
		}
	}
}

// runKex completes a key exchange whose server KEXINIT (payload p) has just
// been read. before counts the packets the server sent ahead of its first
// KEXINIT. It runs in the reader: the handshake, then readLoop.
func (t *transport) runKex(p []byte, before int) error {
	// p aliases the opener's buffer, which the next read reuses; I_S must
	// survive the whole exchange (it enters H).
	p = append([]byte(nil), p...)
	theirs, err := parseKexInit(p)
	if err != nil {
		return err
	}
	t.wmu.Lock()
	// Whoever sent KEXINIT first started this exchange.
	byServer := !t.kexActive
	err = t.sendKexInitLocked()
	ours, ourRaw, guess, first := t.ourKexMsg, t.ourKexInit, t.guessClient, t.kexGen == 0
	t.guessClient = kexGuess{}
	t.wmu.Unlock()
	if err != nil {
		return err
	}

	strict := t.strict
	if first {
		strict = !t.cfg.DisableStrictKex && slices.Contains(theirs.KexAlgos, strictKexServer)
		if strict && before > 0 {
			return &ProtocolError{Where: "initial key exchange", Msg: msgKexInit, Err: fmt.Errorf("%w: KEXINIT was not the first packet (%d before it)", ErrStrictKex, before)}
		}
		t.mu.Lock()
		t.strict = strict
		t.mu.Unlock()
	}

	algs, err := negotiate(ours, theirs)
	if err != nil {
		t.sendDisconnect(DisconnectKeyExchangeFailed, "no matching algorithms")
		return err
	}
	meth, ok := kex.Lookup(algs.kex)
	if !ok {
		return &UnknownAlgorithmError{Class: ClassKex, Name: algs.kex}
	}
	right := guessRight(ours, theirs)
	var client kex.Client
	if guess.client != nil && right && guess.method == algs.kex {
		client = guess.client
	} else {
		// No guess, or a wrong one: the server ignores our guessed packet
		// (RFC 4253 §7), and we start over with the agreed method.
		if client, err = meth.Start(t.kexParams()); err != nil {
			return err
		}
		kc := &kexConn{t: t}
		if err := kc.WritePacket(client.First()); err != nil {
			return err
		}
	}
	kc := &kexConn{t: t, strictFirst: strict && first, ignoreNext: theirs.FirstKexFollows && !right, method: algs.kex}
	res, err := client.Finish(kc, &kex.Magics{
		ClientVersion: t.clientVersion, ServerVersion: t.serverVersion,
		ClientKexInit: ourRaw, ServerKexInit: p,
	})
	if err != nil {
		t.sendDisconnect(DisconnectKeyExchangeFailed, "key exchange failed")
		return err
	}
	if err := t.checkHostKey(algs.hostKey, res, first); err != nil {
		t.sendDisconnect(DisconnectHostKeyNotVerifiable, "host key not verifiable")
		return err
	}
	t.mu.Lock()
	if first {
		t.sessID = append([]byte(nil), res.H...)
	}
	sid := t.sessID
	t.mu.Unlock()

	keys, err := deriveSessionKeys(res.Hash, res.K, res.H, sid, algs)
	if err != nil {
		return err
	}
	t.keyLog.log(sid, t.kexGen+1, algs.kex, hashName(res.Hash), res.K, res.H, keys)
	sealer, err := packet.NewSealer(algs.c2s.Cipher, algs.c2s.MAC, keys.c2s, t.rand)
	if err != nil {
		return err
	}
	opener, err := packet.NewOpener(algs.s2c.Cipher, algs.s2c.MAC, keys.s2c)
	if err != nil {
		return err
	}

	// Our NEWKEYS goes out under the old keys; everything after it under the
	// new ones (RFC 4253 §7.3). Strict kex resets the sequence number.
	t.wmu.Lock()
	err = t.writeLocked([]byte{msgNewKeys})
	if err == nil {
		t.sealer = sealer
		if strict {
			t.wseq = 0
		}
		t.wBytes, t.wPackets = 0, 0
		t.wLimBytes, t.wLimPackets = t.limits(algs.c2s.Cipher)
		t.wcomp = t.nextCompressor(t.wcomp, algs.c2s.Compression, true)
	}
	t.wmu.Unlock()
	if err != nil {
		return err
	}

	np, err := t.readDuringKex(strict && first, "key exchange "+algs.kex)
	if err != nil {
		return err
	}
	if np[0] != msgNewKeys || len(np) != 1 {
		return &ProtocolError{Where: "key exchange " + algs.kex, Msg: np[0], Err: fmt.Errorf("%w: want NEWKEYS", ErrUnexpectedMsg)}
	}
	t.opener = opener
	if strict {
		t.rseq = 0
	}
	t.rBytes, t.rPackets = 0, 0
	t.rLimBytes, t.rLimPackets = t.limits(algs.s2c.Cipher)
	t.rcomp = t.nextDecompressor(t.rcomp, algs.s2c.Compression)

	t.mu.Lock()
	t.neg.KeyExchange = algs.kex
	t.neg.HostKey = algs.hostKey
	t.neg.ClientToServer = algs.c2s
	t.neg.ServerToClient = algs.s2c
	t.neg.StrictKex = strict
	t.neg.KeyExchanges++
	if !first {
		if byServer {
			t.neg.RekeysByServer++
		} else {
			t.neg.RekeysByClient++
		}
	}
	t.neg.ServerVersion = string(t.serverVersion)
	if t.kexWatchdog != nil {
		t.kexWatchdog.Stop()
		t.kexWatchdog = nil
	}
	t.lastKexFinish = time.Now()
	t.mu.Unlock()

	t.wmu.Lock()
	t.kexActive = false
	t.kexGen++
	t.wcond.Broadcast()
	t.wmu.Unlock()
	if !first {
		t.armRekeyTimer()
	}
	return nil
}

// checkHostKey verifies the server's signature over H with the negotiated
// host-key algorithm, checks a certificate against the configured CAs, and
// asks the caller to trust the key (first exchange) or checks that it did
// not change (re-exchange).
func (t *transport) checkHostKey(alg string, res *kex.Result, first bool) error {
	a, ok := keys.Lookup(alg)
	if !ok {
		return &UnknownAlgorithmError{Class: ClassHostKey, Name: alg}
	}
	key, err := keys.ParsePublicKey(res.HostKey)
	if err != nil {
		return &HostAuthError{Algorithm: alg, Err: err}
	}
	if key.Type() != a.KeyType {
		return &HostAuthError{Algorithm: alg, Err: fmt.Errorf("server sent a %s key for algorithm %s", key.Type(), alg)}
	}
	if err := keys.Verify(alg, key, res.H, res.Signature); err != nil {
		return &HostAuthError{Algorithm: alg, Err: err}
	}
	if a.Cert && len(t.cfg.HostAuthorities) > 0 {
		cert, ok := key.(*keys.Certificate)
		if !ok {
			return &HostAuthError{Algorithm: alg, Err: errors.New("certificate algorithm without a certificate")}
		}
		if err := keys.CheckHostCertificate(cert, t.hostname, t.cfg.HostAuthorities, time.Now()); err != nil {
			return &HostAuthError{Algorithm: alg, Err: err}
		}
	}
	if !first {
		t.mu.Lock()
		same := bytes.Equal(t.firstHostKey, res.HostKey)
		t.mu.Unlock()
		if !same {
			return &HostAuthError{Algorithm: alg, Err: errors.New("host key changed during key re-exchange")}
		}
		return nil
	}
	if t.hostVerify != nil {
		if err := t.hostVerify(key); err != nil {
			return &HostAuthError{Algorithm: alg, Err: err}
		}
	}
	t.mu.Lock()
	t.firstHostKey = append([]byte(nil), res.HostKey...)
	t.mu.Unlock()
	return nil
}

// limits returns the rekey limits for the cipher in force (RFC 4344 §3).
func (t *transport) limits(cipher string) (bytes, packets int64) {
	bytes = maxRekeyBytes
	if c, ok := packet.LookupCipher(cipher); ok && c.BlockSize == 8 && !c.AEAD {
		bytes = smallBlockBytes
	}
	if t.cfg.RekeyBytes > 0 {
		bytes = t.cfg.RekeyBytes
	} else if t.cfg.RekeyBytes < 0 {
		bytes = 1<<63 - 1
	}
	packets = defaultRekeyPkt
	if t.cfg.RekeyPackets > 0 {
		packets = t.cfg.RekeyPackets
	} else if t.cfg.RekeyPackets < 0 {
		packets = 1<<63 - 1
	}
	return bytes, packets
}

// writeLimitReachedLocked: wmu held. The limits are those of the keys in
// force, computed when they were installed: this runs for every packet,
// and looking them up took the connection mutex and a registry scan.
func (t *transport) writeLimitReachedLocked() bool {
	return t.wBytes >= t.wLimBytes || t.wPackets >= t.wLimPackets
}

// readLimitReached: reader only.
func (t *transport) readLimitReached() bool {
	return t.rBytes >= t.rLimBytes || t.rPackets >= t.rLimPackets
}

func (t *transport) armRekeyTimer() {
	d := defaultRekeyAge
	if t.cfg.RekeyInterval > 0 {
		d = t.cfg.RekeyInterval
	} else if t.cfg.RekeyInterval < 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.failErr != nil {
		return
	}
	if t.rekeyTimer != nil {
		t.rekeyTimer.Stop()
	}
	t.rekeyTimer = time.AfterFunc(d, func() {
		if err := t.startKex(); err != nil {
			t.fail(err)
		}
	})
}

func hashName(h crypto.Hash) string {
	if h == 0 {
		return "none"
	}
	return h.String()
}

// nextCompressor returns the outgoing compressor after NEWKEYS. RFC 4253
// §6.2: "The compression context is initialized after each key exchange",
// so a new stream starts with every NEWKEYS (OpenSSH's
// start_compression_out does the same); the delayed form waits for
// authentication the first time (PROTOCOL §1.3).
func (t *transport) nextCompressor(_ *compressor, alg string, _ bool) *compressor {
	switch alg {
	case "zlib":
		return newCompressor()
	case "zlib@openssh.com":
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.authDone {
			return newCompressor()
		}
		t.pendingC2S = alg
	}
	return nil
}

// nextDecompressor is nextCompressor's incoming twin.
func (t *transport) nextDecompressor(cur *decompressor, alg string) *decompressor {
	if cur != nil {
		cur.close()
	}
	switch alg {
	case "zlib":
		return newDecompressor()
	case "zlib@openssh.com":
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.authDone {
			return newDecompressor()
		}
		t.pendingS2C = alg
	}
	return nil
}
