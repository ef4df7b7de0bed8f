package sshlib

// In-process interop against golang.org/x/crypto/ssh's server: an
// independent implementation, so a bug sshlib shares with itself (the kind
// this project exists to catch) still fails here. Each subtest forces exactly
// one algorithm on both sides (no fallback list), moves data both ways
// through a channel the server echoes, re-keys from both ends mid-stream, and
// asserts what was negotiated.

import (
	"bytes"
	"context"
	"crypto"
	"crypto/dsa"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/sshmatrix/sshmatrix/sshlib/internal/packet"
	"github.com/sshmatrix/sshmatrix/sshlib/internal/wire"
)

// xcryptoAlgorithms is what the x/crypto peer implements, secure and not.
func xcryptoAlgorithms() ssh.Algorithms {
	s, i := ssh.SupportedAlgorithms(), ssh.InsecureAlgorithms()
	return ssh.Algorithms{
		// x/crypto accepts the libssh.org alias of curve25519-sha256 without listing it.
		KeyExchanges: slices.Concat(s.KeyExchanges, i.KeyExchanges, []string{"curve25519-sha256@libssh.org"}),
		Ciphers:      slices.Concat(s.Ciphers, i.Ciphers),
		MACs:         slices.Concat(s.MACs, i.MACs),
		HostKeys:     slices.Concat(s.HostKeys, i.HostKeys),
	}
}

// hostSigners makes one x/crypto host signer per key type, and a CA.
type testHostKeys struct {
	byType map[string]ssh.Signer // key format name -> signer
	ca     ssh.Signer
}

var (
	hostKeysOnce sync.Once
	hostKeysVal  *testHostKeys
)

func testHostSigners(t testing.TB) *testHostKeys {
	hostKeysOnce.Do(func() {
		hk := &testHostKeys{byType: map[string]ssh.Signer{}}
		add := func(k any) ssh.Signer {
			s, err := ssh.NewSignerFromKey(k)
			if err != nil {
				panic(err)
			}
			hk.byType[s.PublicKey().Type()] = s
			return s
		}
		_, ed, _ := ed25519.GenerateKey(rand.Reader)
		add(ed)
		for _, c := range []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()} {
			k, _ := ecdsa.GenerateKey(c, rand.Reader)
			add(k)
		}
		rk, _ := rsa.GenerateKey(rand.Reader, 2048)
		add(rk)
		var dk dsa.PrivateKey
		if err := dsa.GenerateParameters(&dk.Parameters, rand.Reader, dsa.L1024N160); err != nil {
			panic(err)
		}
		if err := dsa.GenerateKey(&dk, rand.Reader); err != nil {
			panic(err)
		}
		add(&dk)
		_, caKey, _ := ed25519.GenerateKey(rand.Reader)
		hk.ca, _ = ssh.NewSignerFromKey(caKey)
		hostKeysVal = hk
	})
	return hostKeysVal
}

// hostSignerFor returns an x/crypto signer for a host-key algorithm, with a
// certificate signed by the test CA for the cert forms.
func (hk *testHostKeys) signerFor(t testing.TB, alg string) ssh.Signer {
	sigAlg := strings.TrimSuffix(alg, "-cert-v01@openssh.com")
	keyType := sigAlg
	switch keyType {
	case "rsa-sha2-256", "rsa-sha2-512":
		keyType = "ssh-rsa"
	}
	base, ok := hk.byType[keyType]
	if !ok {
		t.Fatalf("no test host key for %s", alg)
	}
	// Restrict the key to exactly the signature algorithm under test, so the
	// server cannot sign with another (x/crypto would otherwise pick).
	s, err := ssh.NewSignerWithAlgorithms(base.(ssh.AlgorithmSigner), []string{sigAlg})
	if err != nil {
		t.Fatalf("restrict host key to %s: %v", sigAlg, err)
	}
	if !strings.HasSuffix(alg, "-cert-v01@openssh.com") {
		return s
	}
	cert := &ssh.Certificate{
		Key: s.PublicKey(), CertType: ssh.HostCert, KeyId: "test-host",
		ValidPrincipals: []string{"testhost"},
		ValidAfter:      uint64(time.Now().Add(-time.Hour).Unix()),
		ValidBefore:     uint64(time.Now().Add(time.Hour).Unix()),
	}
	if err := cert.SignCert(rand.Reader, hk.ca); err != nil {
		t.Fatal(err)
	}
	cs, err := ssh.NewCertSigner(cert, s)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// interopCase forces one algorithm per class on both sides.
type interopCase struct {
	kex, hostKey, cipher, mac string

	serverKex []string // overrides the server's kex list (default: just kex)
	clientKex []string // overrides sshlib's kex list (default: just kex)
	tweak     func(*Config)
}

func (c interopCase) String() string {
	return fmt.Sprintf("kex=%s/hostkey=%s/cipher=%s/mac=%s", c.kex, c.hostKey, c.cipher, c.mac)
}

// xcryptoServer runs x/crypto's server over conn, restricted to c, echoing
// every byte of every session channel back to the client.
func xcryptoServer(t testing.TB, conn net.Conn, c interopCase, rekeyBytes uint64) <-chan error {
	hk := testHostSigners(t)
	cfg := &ssh.ServerConfig{
		NoClientAuth: true,
		Config: ssh.Config{
			KeyExchanges:   orDefault(c.serverKex, c.kex),
			Ciphers:        []string{c.cipher},
			MACs:           []string{c.mac},
			RekeyThreshold: rekeyBytes,
		},
	}
	if c.mac == "" {
		cfg.MACs = nil
	}
	cfg.AddHostKey(hk.signerFor(t, c.hostKey))
	done := make(chan error, 1)
	go func() {
		sc, chans, reqs, err := ssh.NewServerConn(conn, cfg)
		if err != nil {
			done <- fmt.Errorf("x/crypto server handshake: %w", err)
			return
		}
		go ssh.DiscardRequests(reqs)
		var wg sync.WaitGroup
		for nc := range chans {
			ch, creqs, err := nc.Accept()
			if err != nil {
				done <- err
				return
			}
			go ssh.DiscardRequests(creqs)
			wg.Add(1)
			go func() {
				defer wg.Done()
				io.Copy(ch, ch)
				ch.CloseWrite()
			}()
		}
		wg.Wait()
		done <- sc.Wait()
	}()
	return done
}

// rawChannel is a minimal RFC 4254 session channel written against the
// transport alone, so transport interop is tested without the connection
// layer above it.
type rawChannel struct {
	tr       *transport
	remoteID uint32
	maxPkt   uint32
	mu       sync.Mutex
	window   uint32
	cond     *sync.Cond
	recv     bytes.Buffer
	eof      bool
	readErr  error
	done     chan struct{}
}

func openRawChannel(t testing.TB, tr *transport) *rawChannel {
	t.Helper()
	open := wire.NewBuilder(nil).Byte(msgChannelOpen).Text("session").Uint32(0).Uint32(1 << 30).Uint32(32 << 10).Bytes()
	if err := tr.writePacket(open); err != nil {
		t.Fatalf("CHANNEL_OPEN: %v", err)
	}
	p, err := tr.readPacket()
	if err != nil {
		t.Fatalf("read OPEN_CONFIRMATION: %v", err)
	}
	r := wire.NewReader(p)
	if m := r.Byte("msg"); m != msgChannelOpenConfirm {
		t.Fatalf("want OPEN_CONFIRMATION, got message %d", m)
	}
	r.Uint32("recipient")
	rc := &rawChannel{tr: tr, remoteID: r.Uint32("sender"), window: r.Uint32("window"), maxPkt: r.Uint32("max packet"), done: make(chan struct{})}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	rc.cond = sync.NewCond(&rc.mu)
	go rc.readLoop()
	return rc
}

func (rc *rawChannel) readLoop() {
	defer close(rc.done)
	for {
		p, err := rc.tr.readPacket()
		rc.mu.Lock()
		if err != nil {
			rc.readErr = err
			rc.cond.Broadcast()
			rc.mu.Unlock()
			return
		}
		r := wire.NewReader(p)
		switch r.Byte("msg") {
		case msgChannelData:
			r.Uint32("recipient")
			rc.recv.Write(r.String("data"))
		case msgChannelWindowAdjust:
			r.Uint32("recipient")
			rc.window += r.Uint32("bytes")
		case msgChannelEOF:
			rc.eof = true
		case msgChannelClose:
			rc.eof = true
			rc.cond.Broadcast()
			rc.mu.Unlock()
			return
		}
		rc.cond.Broadcast()
		rc.mu.Unlock()
	}
}

func (rc *rawChannel) write(data []byte) error {
	for len(data) > 0 {
		rc.mu.Lock()
		for rc.window == 0 && rc.readErr == nil {
			rc.cond.Wait()
		}
		if rc.readErr != nil {
			rc.mu.Unlock()
			return rc.readErr
		}
		n := min(uint32(len(data)), rc.window, rc.maxPkt)
		rc.window -= n
		rc.mu.Unlock()
		p := wire.NewBuilder(nil).Byte(msgChannelData).Uint32(rc.remoteID).String(data[:n]).Bytes()
		if err := rc.tr.writePacket(p); err != nil {
			return err
		}
		data = data[n:]
	}
	return nil
}

func (rc *rawChannel) closeWrite() error {
	return rc.tr.writePacket(wire.NewBuilder(nil).Byte(msgChannelEOF).Uint32(rc.remoteID).Bytes())
}

// waitFor waits until n bytes have come back.
func (rc *rawChannel) waitFor(n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for rc.recv.Len() < n && rc.readErr == nil && !rc.eof {
		if time.Now().After(deadline) {
			return errors.New("timed out waiting for the echo")
		}
		rc.mu.Unlock()
		time.Sleep(time.Millisecond)
		rc.mu.Lock()
	}
	return rc.readErr
}

// waitEOF waits for the server's EOF and returns everything it sent.
func (rc *rawChannel) waitEOF(timeout time.Duration) ([]byte, error) {
	timer := time.AfterFunc(timeout, func() {
		rc.mu.Lock()
		if rc.readErr == nil {
			rc.readErr = errors.New("timed out waiting for the echo")
		}
		rc.cond.Broadcast()
		rc.mu.Unlock()
	})
	defer timer.Stop()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for !rc.eof && rc.readErr == nil {
		rc.cond.Wait()
	}
	return rc.recv.Bytes(), rc.readErr
}

// runInterop connects sshlib to x/crypto's server restricted to c, echoes
// size bytes with a client re-key halfway and server re-keys every
// serverRekey bytes, and returns what sshlib negotiated.
func runInterop(t *testing.T, c interopCase, size int, serverRekey uint64) Negotiated {
	t.Helper()
	cc, sc := connPair(t)
	srv := xcryptoServer(t, sc, c, serverRekey)
	hk := testHostSigners(t)
	ca, err := ParsePublicKey(hk.ca.PublicKey().Marshal())
	if err != nil {
		t.Fatalf("parse CA key: %v", err)
	}
	cfg := &Config{
		KeyExchanges: orDefault(c.clientKex, c.kex), HostKeyAlgorithms: []string{c.hostKey},
		Ciphers: []string{c.cipher}, MACs: []string{c.mac},
		HostAuthorities: []PublicKey{ca},
	}
	if c.mac == "" {
		cfg.MACs = nil
	}
	if c.tweak != nil {
		c.tweak(cfg)
	}
	var gotKey PublicKey
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tr, err := newClientTransport(ctx, cc, cfg, func(k PublicKey) error { gotKey = k; return nil }, "testhost")
	if err != nil {
		sc.Close()
		t.Fatalf("handshake: %v (server: %v)", err, <-srv)
	}
	defer tr.Close()
	if gotKey == nil {
		t.Fatal("host key callback not called")
	}
	// Authenticate with "none" (the server allows it) so channels can open.
	mustWrite(t, tr, wire.NewBuilder(nil).Byte(msgServiceRequest).Text("ssh-userauth").Bytes())
	expectMsg(t, tr, msgServiceAccept)
	mustWrite(t, tr, wire.NewBuilder(nil).Byte(msgUserAuthRequest).Text("tester").Text("ssh-connection").Text("none").Bytes())
	expectMsg(t, tr, msgUserAuthSuccess)
	tr.authenticated()

	rc := openRawChannel(t, tr)
	data := make([]byte, size)
	rand.Read(data)
	errc := make(chan error, 1)
	go func() {
		if err := rc.write(data[:size/2]); err != nil {
			errc <- err
			return
		}
		// Wait for the first half's echo, so the client's re-key below is
		// its own and not merged with one the server started.
		if err := rc.waitFor(size/2, 30*time.Second); err != nil {
			errc <- err
			return
		}
		if err := tr.requestKeyChange(); err != nil {
			errc <- fmt.Errorf("client re-key: %w", err)
			return
		}
		if err := rc.write(data[size/2:]); err != nil {
			errc <- err
			return
		}
		errc <- rc.closeWrite()
	}()
	echo, err := rc.waitEOF(30 * time.Second)
	if err != nil {
		t.Fatalf("echo: %v", err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("send: %v", err)
	}
	if sha256.Sum256(echo) != sha256.Sum256(data) {
		t.Fatalf("echoed data differs: sent %d bytes, got %d back", len(data), len(echo))
	}
	if serverRekey > 0 {
		// x/crypto starts a re-key asynchronously once its threshold is
		// crossed; its KEXINIT may still be on its way after the echo.
		deadline := time.Now().Add(10 * time.Second)
		for tr.negotiated().RekeysByServer == 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
	}
	neg := tr.negotiated()
	tr.Close()
	<-srv
	return neg
}

func mustWrite(t testing.TB, tr *transport, p []byte) {
	t.Helper()
	if err := tr.writePacket(p); err != nil {
		t.Fatalf("write message %d: %v", p[0], err)
	}
}

func expectMsg(t testing.TB, tr *transport, want byte) []byte {
	t.Helper()
	for {
		p, err := tr.readPacket()
		if err != nil {
			t.Fatalf("waiting for message %d: %v", want, err)
		}
		if p[0] == msgUserAuthBanner || p[0] == msgGlobalRequest {
			continue
		}
		if p[0] != want {
			t.Fatalf("want message %d, got %d", want, p[0])
		}
		return p
	}
}

// interopCases is one case per algorithm both sides implement, each class
// forced in turn while the others stay at a fixed common choice.
func interopCases(t *testing.T) map[string]interopCase {
	x := xcryptoAlgorithms()
	base := interopCase{kex: "curve25519-sha256", hostKey: "ssh-ed25519", cipher: "aes128-ctr", mac: "hmac-sha2-256"}
	cases := map[string]interopCase{}
	both := func(class string, theirs []string) []string {
		var out []string
		for _, n := range SupportedNames(class) {
			if slices.Contains(theirs, n) {
				out = append(out, n)
			}
		}
		if len(out) == 0 {
			t.Fatalf("no %s algorithm in common with x/crypto: the registry is empty?", class)
		}
		return out
	}
	for _, n := range both(ClassKex, x.KeyExchanges) {
		c := base
		c.kex = n
		cases["kex="+n] = c
	}
	for _, n := range both(ClassHostKey, x.HostKeys) {
		c := base
		c.hostKey = n
		cases["hostkey="+n] = c
	}
	for _, n := range both(ClassCipher, x.Ciphers) {
		c := base
		c.cipher = n
		if cp, ok := lookupCipherAEAD(n); ok && cp {
			c.mac = ""
		}
		cases["cipher="+n] = c
	}
	for _, n := range both(ClassMAC, x.MACs) {
		c := base
		c.mac = n
		cases["mac="+n] = c
	}
	return cases
}

func TestInterop(t *testing.T) {
	cases := interopCases(t)
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range cases {
			if !yield(k) {
				return
			}
		}
	})
	for _, name := range names {
		c := cases[name]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			neg := runInterop(t, c, 256<<10, 48<<10)
			if neg.KeyExchange != c.kex || neg.HostKey != c.hostKey ||
				neg.ClientToServer.Cipher != c.cipher || neg.ServerToClient.Cipher != c.cipher ||
				neg.ClientToServer.MAC != c.mac || neg.ServerToClient.MAC != c.mac {
				t.Fatalf("negotiated %+v, forced %v", neg, c)
			}
			// The client re-keyed once by request; the server re-keys every
			// 48 KiB of the 256 KiB it echoes (x/crypto starts them
			// asynchronously, so ask only for one).
			if neg.RekeysByClient < 1 || neg.RekeysByServer < 1 {
				t.Fatalf("re-keys by client %d, by server %d: both directions must be exercised", neg.RekeysByClient, neg.RekeysByServer)
			}
			if !neg.StrictKex {
				t.Errorf("strict kex not negotiated with x/crypto (it offers kex-strict-s-v00)")
			}
		})
	}
}

func lookupCipherAEAD(name string) (aead, ok bool) {
	c, ok := packet.LookupCipher(name)
	if !ok {
		return false, false
	}
	return c.AEAD, true
}

func orDefault(l []string, one string) []string {
	if l != nil {
		return l
	}
	return []string{one}
}

// TestInteropKDFPairs runs the (kex hash, key length) pairs that real bugs
// hid in (past-bugs.md): a SHA-1 kex with 32- and 64-byte keys (one and three
// extension rounds), a SHA-256/384/512 kex with a MAC of another hash.
func TestInteropKDFPairs(t *testing.T) {
	x := xcryptoAlgorithms()
	for _, c := range []interopCase{
		{kex: "diffie-hellman-group14-sha1", hostKey: "ssh-ed25519", cipher: "aes256-ctr", mac: "hmac-sha2-512"},
		{kex: "diffie-hellman-group14-sha1", hostKey: "ssh-ed25519", cipher: "chacha20-poly1305@openssh.com"},
		{kex: "diffie-hellman-group1-sha1", hostKey: "ssh-ed25519", cipher: "aes256-gcm@openssh.com"},
		{kex: "diffie-hellman-group-exchange-sha1", hostKey: "ssh-ed25519", cipher: "aes128-ctr", mac: "hmac-sha2-512-etm@openssh.com"},
		{kex: "ecdh-sha2-nistp384", hostKey: "ssh-ed25519", cipher: "aes192-ctr", mac: "hmac-sha2-512"},
		{kex: "diffie-hellman-group16-sha512", hostKey: "ssh-ed25519", cipher: "aes128-ctr", mac: "hmac-sha1"},
		{kex: "mlkem768x25519-sha256", hostKey: "ssh-ed25519", cipher: "aes256-ctr", mac: "hmac-sha1-96"},
	} {
		if !slices.Contains(x.KeyExchanges, c.kex) {
			t.Fatalf("x/crypto lacks %s: pick another pair", c.kex)
		}
		t.Run(c.String(), func(t *testing.T) {
			t.Parallel()
			neg := runInterop(t, c, 64<<10, 0)
			if neg.KeyExchange != c.kex || neg.ClientToServer.MAC != c.mac {
				t.Fatalf("negotiated %+v", neg)
			}
		})
	}
}

// TestInteropKexGuess sends the first kex packet as a guess
// (first_kex_packet_follows): right when both sides prefer the same kex and
// host key, wrong when the server prefers another kex, in which case the
// server drops our guessed packet and we start over (RFC 4253 §7).
func TestInteropKexGuess(t *testing.T) {
	guess := func(c *Config) { c.GuessKex = true }
	for name, c := range map[string]interopCase{
		"right": {kex: "curve25519-sha256", hostKey: "ssh-ed25519", cipher: "aes128-ctr", mac: "hmac-sha2-256",
			clientKex: []string{"curve25519-sha256", "ecdh-sha2-nistp256"}, serverKex: []string{"curve25519-sha256", "ecdh-sha2-nistp256"}, tweak: guess},
		"wrong": {kex: "curve25519-sha256", hostKey: "ssh-ed25519", cipher: "aes128-ctr", mac: "hmac-sha2-256",
			clientKex: []string{"curve25519-sha256", "ecdh-sha2-nistp256"}, serverKex: []string{"ecdh-sha2-nistp256", "curve25519-sha256"}, tweak: guess},
		"wrong method": {kex: "ecdh-sha2-nistp256", hostKey: "ssh-ed25519", cipher: "aes128-ctr", mac: "hmac-sha2-256",
			clientKex: []string{"curve25519-sha256", "ecdh-sha2-nistp256"}, serverKex: []string{"ecdh-sha2-nistp256"}, tweak: guess},
	} {
		t.Run(name, func(t *testing.T) {
			neg := runInterop(t, c, 32<<10, 0)
			if neg.KeyExchange != c.kex {
				t.Fatalf("negotiated %s, want %s", neg.KeyExchange, c.kex)
			}
		})
	}
}

// TestInteropRekeyLimits: client-side byte and packet limits start re-keys
// by themselves; x/crypto must follow.
func TestInteropRekeyLimits(t *testing.T) {
	for name, tweak := range map[string]func(*Config){
		"bytes":   func(c *Config) { c.RekeyBytes = 40 << 10 },
		"packets": func(c *Config) { c.RekeyPackets = 4 },
	} {
		t.Run(name, func(t *testing.T) {
			c := interopCase{kex: "curve25519-sha256", hostKey: "ssh-ed25519", cipher: "aes128-gcm@openssh.com", tweak: tweak}
			neg := runInterop(t, c, 256<<10, 0)
			// 1 explicit + at least 3 from the limit.
			if neg.RekeysByClient < 4 {
				t.Fatalf("%d key exchanges: the %s limit did not trigger re-keys", neg.KeyExchanges, name)
			}
		})
	}
}

// TestKeyLogRecomputes reads the key log of a real connection and
// recomputes every key from K, H and the session id with refKDF, a separate
// implementation of RFC 4253 §7.2.
func TestKeyLogRecomputes(t *testing.T) {
	var log bytes.Buffer
	c := interopCase{kex: "diffie-hellman-group14-sha1", hostKey: "ssh-ed25519", cipher: "chacha20-poly1305@openssh.com",
		tweak: func(cfg *Config) { cfg.KeyLog = &log }}
	runInterop(t, c, 16<<10, 0)
	type entry map[string][]byte
	byKex := map[string]entry{}
	for _, line := range strings.Split(strings.TrimSpace(log.String()), "\n") {
		f := strings.Fields(line)
		if len(f) != 5 || f[0] != "SSHLIB_KEYLOG" {
			t.Fatalf("bad key log line %q", line)
		}
		if f[4] == "-" {
			f[4] = ""
		}
		v, err := hex.DecodeString(f[4])
		if err != nil {
			t.Fatal(err)
		}
		if byKex[f[2]] == nil {
			byKex[f[2]] = entry{"SID": mustHex(t, f[1])}
		}
		byKex[f[2]][f[3]] = v
	}
	if len(byKex) < 2 {
		t.Fatalf("%d key exchanges logged, want the initial one and the re-key", len(byKex))
	}
	for n, e := range byKex {
		if string(e["HASH"]) != "SHA-1" {
			t.Fatalf("kex %s logged hash %q", n, e["HASH"])
		}
		for label, X := range map[string]byte{"IV_C2S": 'A', "IV_S2C": 'B', "KEY_C2S": 'C', "KEY_S2C": 'D'} {
			want := refKDF(crypto.SHA1, e["K"], e["H"], X, e["SID"], len(e[label]))
			if !bytes.Equal(e[label], want) {
				t.Fatalf("kex %s %s: logged %x, recomputed %x", n, label, e[label], want)
			}
		}
		if len(e["KEY_C2S"]) != 64 {
			t.Fatalf("chacha20-poly1305 key is %d bytes, want 64 (three SHA-1 extension rounds)", len(e["KEY_C2S"]))
		}
	}
	if bytes.Contains(log.Bytes(), []byte("SSHLIB_KEYLOG")) && !strings.HasPrefix(log.String(), "SSHLIB_KEYLOG ") {
		t.Fatal("key log has stray output")
	}
}

func mustHex(t *testing.T, s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
