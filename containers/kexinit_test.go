package containers

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// TestReadKEXINITFromXCrypto reads the KEXINIT of an independent server
// (golang.org/x/crypto/ssh, in process over a pipe) configured with known lists.
func TestReadKEXINITFromXCrypto(t *testing.T) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &ssh.ServerConfig{NoClientAuth: true, ServerVersion: "SSH-2.0-xcrypto_peer"}
	cfg.KeyExchanges = []string{"curve25519-sha256", "ecdh-sha2-nistp256"}
	cfg.Ciphers = []string{"aes128-ctr", "chacha20-poly1305@openssh.com"}
	cfg.MACs = []string{"hmac-sha2-256", "hmac-sha1"}
	cfg.AddHostKey(signer)

	client, server := net.Pipe()
	defer client.Close()
	go func() {
		defer server.Close()
		_, _, _, _ = ssh.NewServerConn(server, cfg)
	}()
	_ = client.SetDeadline(time.Now().Add(10 * time.Second))
	a, err := ReadKEXINIT(client)
	if err != nil {
		t.Fatal(err)
	}
	if a.Banner != "SSH-2.0-xcrypto_peer" {
		t.Errorf("banner %q", a.Banner)
	}
	// x/crypto/ssh adds the @libssh.org alias and its strict-kex marker.
	if want := []string{"curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256", "kex-strict-s-v00@openssh.com"}; !slices.Equal(a.Kex, want) {
		t.Errorf("kex %v, want %v", a.Kex, want)
	}
	for _, l := range [][]string{a.CiphersClientServer, a.CiphersServerClient} {
		if !slices.Equal(l, cfg.Ciphers) {
			t.Errorf("ciphers %v, want %v", l, cfg.Ciphers)
		}
	}
	for _, l := range [][]string{a.MACsClientServer, a.MACsServerClient} {
		if !slices.Equal(l, cfg.MACs) {
			t.Errorf("MACs %v, want %v", l, cfg.MACs)
		}
	}
	if !Contains(a.HostKey, "ssh-ed25519") {
		t.Errorf("host keys %v lack ssh-ed25519", a.HostKey)
	}
	if !slices.Equal(a.CompressionClientServer, []string{"none"}) {
		t.Errorf("compression %v", a.CompressionClientServer)
	}
}

// kexinit encodes a KEXINIT payload (RFC 4253 §7.1): a few-line re-derivation
// of the format the parser reads, used to build valid and broken inputs.
func kexinit(lists [10]string, follows bool) []byte {
	p := []byte{msgKexInit}
	p = append(p, make([]byte, 16)...)
	for _, l := range lists {
		p = binary.BigEndian.AppendUint32(p, uint32(len(l)))
		p = append(p, l...)
	}
	if follows {
		p = append(p, 1)
	} else {
		p = append(p, 0)
	}
	return binary.BigEndian.AppendUint32(p, 0)
}

// packet frames a payload as a binary packet with 4..11 bytes of padding.
func packet(payload []byte, pad int) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(1+len(payload)+pad))
	b = append(b, byte(pad))
	b = append(b, payload...)
	return append(b, make([]byte, pad)...)
}

var lists = [10]string{"curve25519-sha256,kex-strict-s-v00@openssh.com", "ssh-ed25519", "aes128-ctr", "aes256-ctr",
	"hmac-sha2-256", "hmac-sha1", "none", "none,zlib@openssh.com", "", ""}

// rw is a scripted peer: reads come from in, writes are recorded.
type rw struct {
	in  io.Reader
	out bytes.Buffer
}

func (r *rw) Read(p []byte) (int, error)  { return r.in.Read(p) }
func (r *rw) Write(p []byte) (int, error) { return r.out.Write(p) }

func TestReadKEXINITScripted(t *testing.T) {
	good := append([]byte("a greeting line\r\nSSH-2.0-peer_1.0 comment\r\n"), packet(kexinit(lists, true), 7)...)
	peer := &rw{in: bytes.NewReader(good)}
	a, err := ReadKEXINIT(peer)
	if err != nil {
		t.Fatal(err)
	}
	if peer.out.String() != probeBanner {
		t.Errorf("sent %q, want our version line", peer.out.String())
	}
	want := &Algorithms{
		Banner: "SSH-2.0-peer_1.0 comment", Kex: []string{"curve25519-sha256", "kex-strict-s-v00@openssh.com"},
		HostKey: []string{"ssh-ed25519"}, CiphersClientServer: []string{"aes128-ctr"}, CiphersServerClient: []string{"aes256-ctr"},
		MACsClientServer: []string{"hmac-sha2-256"}, MACsServerClient: []string{"hmac-sha1"},
		CompressionClientServer: []string{"none"}, CompressionServerClient: []string{"none", "zlib@openssh.com"},
		FirstKexPacketFollows: true,
	}
	if got, w := strings.Join(flatten(a), "|"), strings.Join(flatten(want), "|"); got != w {
		t.Errorf("got  %s\nwant %s", got, w)
	}
}

func flatten(a *Algorithms) []string {
	out := []string{a.Banner}
	for _, l := range [][]string{a.Kex, a.HostKey, a.CiphersClientServer, a.CiphersServerClient, a.MACsClientServer,
		a.MACsServerClient, a.CompressionClientServer, a.CompressionServerClient, a.LanguagesClientServer, a.LanguagesServerClient} {
		out = append(out, strings.Join(l, ","))
	}
	if a.FirstKexPacketFollows {
		out = append(out, "follows")
	}
	return out
}

// TestReadKEXINITBad: malformed peers get typed errors, never a panic or a
// peer-sized allocation.
func TestReadKEXINITBad(t *testing.T) {
	banner := []byte("SSH-2.0-x\r\n")
	withBanner := func(b []byte) []byte { return append(slices.Clone(banner), b...) }
	good := kexinit(lists, false)
	cases := []struct {
		name   string
		in     []byte
		banner bool // a *BannerError, else a *KexInitError
	}{
		{"eof before version", []byte("hello\r\n"), true},
		{"line too long", bytes.Repeat([]byte("a"), 300), true},
		{"ssh 1.5", []byte("SSH-1.5-old\r\n"), true},
		{"too many lines", bytes.Repeat([]byte("x\r\n"), 40), true},
		{"huge packet_length", withBanner([]byte{0x7f, 0xff, 0xff, 0xff, 4}), false},
		{"tiny packet_length", withBanner([]byte{0, 0, 0, 1, 0}), false},
		{"padding eats payload", withBanner([]byte{0, 0, 0, 8, 9, 1, 2, 3, 4, 5, 6, 7}), false},
		{"truncated packet", withBanner(packet(good, 4)[:30]), false},
		{"not kexinit", withBanner(packet([]byte{21}, 4)), false},
		{"short kexinit", withBanner(packet(good[:10], 4)), false},
		{"name-list overrun", withBanner(packet(append(good[:17:17], 0, 0, 1, 0, 'a'), 4)), false},
		{"empty name", withBanner(packet(kexinit([10]string{"a,,b"}, false), 4)), false},
		{"no trailer", withBanner(packet(good[:len(good)-5], 4)), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadKEXINIT(&rw{in: bytes.NewReader(c.in)})
			var be *BannerError
			var ke *KexInitError
			switch {
			case c.banner && !errors.As(err, &be):
				t.Errorf("got %v, want *BannerError", err)
			case !c.banner && !errors.As(err, &ke):
				t.Errorf("got %v, want *KexInitError", err)
			}
		})
	}
}

// FuzzParseKEXINIT: any payload parses or fails with a *KexInitError; what
// parses re-encodes to the same lists.
func FuzzParseKEXINIT(f *testing.F) {
	f.Add(kexinit(lists, false))
	f.Add(kexinit([10]string{}, true))
	f.Add([]byte{20})
	f.Fuzz(func(t *testing.T, p []byte) {
		a, err := ParseKEXINIT(p)
		if err != nil {
			var ke *KexInitError
			if !errors.As(err, &ke) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		var l [10]string
		for i, s := range flatten(a)[1:11] {
			l[i] = s
		}
		b, err := ParseKEXINIT(kexinit(l, a.FirstKexPacketFollows))
		if err != nil || strings.Join(flatten(b), "|") != strings.Join(flatten(a), "|") {
			t.Fatalf("round trip: %v", err)
		}
	})
}
