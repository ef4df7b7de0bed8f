package sshlib

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/sshmatrix/sshmatrix/sshlib/internal/packet"
	"github.com/sshmatrix/sshmatrix/sshlib/internal/wire"
)

// scriptedServer is a fault-injecting fake: it speaks the plaintext part of
// the transport (before the first NEWKEYS) by script, so every misbehaviour
// a real server could show before keys are in force can be replayed.
type scriptedServer struct {
	t      *testing.T
	conn   net.Conn
	br     *bufio.Reader
	sealer packet.Sealer
	opener packet.Opener
	wseq   uint32
	rseq   uint32
}

func newScripted(t *testing.T) (*scriptedServer, net.Conn) {
	cc, sc := connPair(t)
	return &scriptedServer{t: t, conn: sc, br: bufio.NewReader(sc), sealer: packet.NewPlainSealer(rand.Reader), opener: packet.NewPlainOpener()}, cc
}

func (s *scriptedServer) raw(b []byte) error {
	_, err := s.conn.Write(b)
	return err
}

func (s *scriptedServer) send(p []byte) error {
	out, err := s.sealer.Seal(nil, s.wseq, p)
	if err != nil {
		return err
	}
	s.wseq++
	return s.raw(out)
}

func (s *scriptedServer) recv() ([]byte, error) {
	p, err := s.opener.Open(s.rseq, s.br)
	s.rseq++
	return p, err
}

// greet sends the banner and reads the client's banner and KEXINIT.
func (s *scriptedServer) greet() error {
	if err := s.raw([]byte("SSH-2.0-scripted\r\n")); err != nil {
		return err
	}
	if _, err := readLine(s.br, 255); err != nil {
		return err
	}
	_, err := s.recv()
	return err
}

func serverKexInit(strict bool, mod func(*kexInitMsg)) []byte {
	m := kexInitFor([]string{"curve25519-sha256"}, []string{"ssh-ed25519"}, []string{"aes128-ctr"}, []string{"hmac-sha2-256"}, []string{"none"})
	if strict {
		m.KexAlgos = append(m.KexAlgos, strictKexServer)
	}
	if mod != nil {
		mod(m)
	}
	return m.marshal()
}

// dialScripted runs the client handshake against a script and returns its error.
func dialScripted(t *testing.T, script func(s *scriptedServer) error, cfg *Config) error {
	t.Helper()
	s, cc := newScripted(t)
	done := make(chan error, 1)
	go func() {
		err := script(s)
		done <- err
	}()
	if cfg == nil {
		cfg = &Config{}
	}
	if cfg.HandshakeTimeout == 0 {
		cfg.HandshakeTimeout = 5 * time.Second
	}
	tr, err := newClientTransport(context.Background(), cc, cfg, nil, "h")
	if err == nil {
		tr.Close()
		t.Fatal("handshake succeeded against a faulty script")
	}
	s.conn.Close()
	<-done
	return err
}

func TestTransportFaultsBeforeKeys(t *testing.T) {
	ignore := wire.NewBuilder(nil).Byte(msgIgnore).Text("x").Bytes()
	cases := []struct {
		name   string
		script func(s *scriptedServer) error
		check  func(error) bool
	}{
		{"strict kex: IGNORE before KEXINIT", func(s *scriptedServer) error {
			s.greet()
			s.send(ignore)
			return s.send(serverKexInit(true, nil))
		}, func(err error) bool { return errors.Is(err, ErrStrictKex) }},
		{"strict kex: IGNORE inside the initial exchange", func(s *scriptedServer) error {
			s.greet()
			s.send(serverKexInit(true, nil))
			s.recv() // the client's ECDH_INIT
			return s.send(ignore)
		}, func(err error) bool { return errors.Is(err, ErrStrictKex) }},
		{"no common cipher names both lists", func(s *scriptedServer) error {
			s.greet()
			s.send(ignore) // allowed without strict kex
			return s.send(serverKexInit(false, func(m *kexInitMsg) { m.CiphersS2C = []string{"twofish-cbc"} }))
		}, func(err error) bool {
			var ne *NegotiationError
			return errors.As(err, &ne) && ne.Class == ClassCipher && ne.Theirs[0] == "twofish-cbc" && len(ne.Ours) > 0
		}},
		{"unknown message before KEXINIT", func(s *scriptedServer) error {
			s.greet()
			return s.send([]byte{200, 1, 2})
		}, func(err error) bool {
			var pe *ProtocolError
			return errors.As(err, &pe) && pe.Msg == 200
		}},
		{"service message during the initial exchange", func(s *scriptedServer) error {
			s.greet()
			s.send(serverKexInit(false, nil))
			s.recv()
			return s.send([]byte{msgChannelData, 0, 0, 0, 0})
		}, func(err error) bool { return errors.Is(err, ErrUnexpectedMsg) }},
		{"garbage packet length (2 GB)", func(s *scriptedServer) error {
			s.greet()
			return s.raw([]byte{0x7f, 0xff, 0xff, 0xf0, 4, 1, 2, 3})
		}, func(err error) bool { return errors.Is(err, packet.ErrLength) }},
		{"truncated packet", func(s *scriptedServer) error {
			s.greet()
			s.raw([]byte{0, 0, 0, 100, 4, 20})
			return s.conn.Close()
		}, func(err error) bool { return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) }},
		{"DISCONNECT with a reason", func(s *scriptedServer) error {
			s.greet()
			return s.send(wire.NewBuilder(nil).Byte(msgDisconnect).Uint32(uint32(DisconnectTooManyConnections)).Text("go away").Text("").Bytes())
		}, func(err error) bool {
			var de *DisconnectError
			return errors.As(err, &de) && de.Reason == DisconnectTooManyConnections && de.Message == "go away"
		}},
		{"malformed KEXINIT", func(s *scriptedServer) error {
			s.greet()
			return s.send(serverKexInit(false, nil)[:40])
		}, func(err error) bool {
			var pe *ProtocolError
			return errors.As(err, &pe) && pe.Where == "KEXINIT"
		}},
		{"SSH-1 server", func(s *scriptedServer) error {
			return s.raw([]byte("SSH-1.5-old\r\n"))
		}, func(err error) bool { return errors.Is(err, ErrProtocolVersion) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := dialScripted(t, tc.script, nil)
			if !tc.check(err) {
				t.Fatalf("unexpected error: %v", err)
			}
		})
	}
}

func TestHandshakeTimeoutAndCancel(t *testing.T) {
	// A server that accepts and says nothing: the deadline fires.
	_, cc := newScripted(t)
	start := time.Now()
	_, err := newClientTransport(context.Background(), cc, &Config{HandshakeTimeout: 200 * time.Millisecond}, nil, "h")
	if !errors.Is(err, ErrHandshakeTimeout) {
		t.Fatalf("want ErrHandshakeTimeout, got %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("timeout took %v", d)
	}
	// A cancelled context unblocks the handshake too.
	_, cc2 := newScripted(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err = newClientTransport(ctx, cc2, &Config{}, nil, "h")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
}

func TestUnknownConfiguredAlgorithmFailsBeforeDialing(t *testing.T) {
	_, cc := newScripted(t)
	_, err := newClientTransport(context.Background(), cc, &Config{MACs: []string{"hmac-sha3-256"}}, nil, "h")
	var ue *UnknownAlgorithmError
	if !errors.As(err, &ue) || ue.Class != ClassMAC {
		t.Fatalf("want UnknownAlgorithmError for the MAC, got %v", err)
	}
}

// TestServerWrongGuessIsIgnored: a server that sets first_kex_packet_follows
// with a wrong guess (RFC 4253 §7) sends a kex packet the client must drop.
// The scripted server sends garbage as its guess and then DISCONNECT: a
// client that dropped the guess is still waiting for the real reply and
// reports the DISCONNECT; one that did not fails parsing the garbage.
// With a right guess (same first kex and host key), the same garbage is the
// reply and must fail to parse.
func TestServerWrongGuessIsIgnored(t *testing.T) {
	bogus := []byte{30, 0xde, 0xad, 0xbe, 0xef}
	disc := wire.NewBuilder(nil).Byte(msgDisconnect).Uint32(uint32(DisconnectByApplication)).Text("after the guess").Text("").Bytes()
	for name, tc := range map[string]struct {
		serverKex []string
		wantDisc  bool
	}{
		"wrong guess is dropped": {[]string{"ecdh-sha2-nistp256", "curve25519-sha256"}, true},
		"right guess is used":    {[]string{"curve25519-sha256", "ecdh-sha2-nistp256"}, false},
	} {
		t.Run(name, func(t *testing.T) {
			err := dialScripted(t, func(s *scriptedServer) error {
				s.greet()
				s.send(serverKexInit(false, func(m *kexInitMsg) {
					m.KexAlgos = tc.serverKex
					m.HostKeyAlgos = []string{"ssh-ed25519"}
					m.FirstKexFollows = true
				}))
				s.send(bogus)
				s.recv() // the client's ECDH_INIT
				return s.send(disc)
			}, &Config{KeyExchanges: []string{"curve25519-sha256", "ecdh-sha2-nistp256"}, HostKeyAlgorithms: []string{"ssh-ed25519"},
				Ciphers: []string{"aes128-ctr"}, MACs: []string{"hmac-sha2-256"}})
			var de *DisconnectError
			if got := errors.As(err, &de); got != tc.wantDisc {
				t.Fatalf("DISCONNECT reached the client: %v, want %v (error: %v)", got, tc.wantDisc, err)
			}
		})
	}
}
