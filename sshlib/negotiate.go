package sshlib

import (
	"slices"

	"github.com/sshmatrix/sshmatrix/sshlib/internal/packet"
	"github.com/sshmatrix/sshmatrix/sshlib/internal/wire"
)

// kexInitMsg is SSH_MSG_KEXINIT (RFC 4253 §7.1).
type kexInitMsg struct {
	Cookie          [16]byte
	KexAlgos        []string
	HostKeyAlgos    []string
	CiphersC2S      []string
	CiphersS2C      []string
	MACsC2S         []string
	MACsS2C         []string
	CompressionC2S  []string
	CompressionS2C  []string
	LanguagesC2S    []string
	LanguagesS2C    []string
	FirstKexFollows bool
	Reserved        uint32
}

func (m *kexInitMsg) marshal() []byte {
	b := wire.NewBuilder(make([]byte, 0, 512)).Byte(msgKexInit).Raw(m.Cookie[:])
	for _, l := range [][]string{m.KexAlgos, m.HostKeyAlgos, m.CiphersC2S, m.CiphersS2C,
		m.MACsC2S, m.MACsS2C, m.CompressionC2S, m.CompressionS2C, m.LanguagesC2S, m.LanguagesS2C} {
		b.NameList(l)
	}
	return b.Bool(m.FirstKexFollows).Uint32(m.Reserved).Bytes()
}

// parseKexInit parses a KEXINIT payload (message number included) and
// rejects trailing bytes.
func parseKexInit(p []byte) (*kexInitMsg, error) {
	r := wire.NewReader(p)
	if t := r.Byte("message number"); r.Err() == nil && t != msgKexInit {
		return nil, &ProtocolError{Where: "KEXINIT", Msg: t, Err: ErrUnexpectedMsg}
	}
	m := new(kexInitMsg)
	copy(m.Cookie[:], r.Bytes("cookie", 16))
	m.KexAlgos = r.NameList("kex_algorithms")
	m.HostKeyAlgos = r.NameList("server_host_key_algorithms")
	m.CiphersC2S = r.NameList("encryption_algorithms_client_to_server")
	m.CiphersS2C = r.NameList("encryption_algorithms_server_to_client")
	m.MACsC2S = r.NameList("mac_algorithms_client_to_server")
	m.MACsS2C = r.NameList("mac_algorithms_server_to_client")
	m.CompressionC2S = r.NameList("compression_algorithms_client_to_server")
	m.CompressionS2C = r.NameList("compression_algorithms_server_to_client")
	m.LanguagesC2S = r.NameList("languages_client_to_server")
	m.LanguagesS2C = r.NameList("languages_server_to_client")
	m.FirstKexFollows = r.Bool("first_kex_packet_follows")
	m.Reserved = r.Uint32("reserved")
	if err := r.Done("KEXINIT"); err != nil {
		return nil, &ProtocolError{Where: "KEXINIT", Msg: msgKexInit, Err: err}
	}
	return m, nil
}

// algorithms is the outcome of negotiation.
type algorithms struct {
	kex     string
	hostKey string
	c2s     DirectionAlgorithms // what we write
	s2c     DirectionAlgorithms // what we read
}

// findCommon returns the first name on the client's list that the server
// also has (RFC 4253 §7.1), skipping pseudo-algorithms for the kex class.
func findCommon(class, dir string, client, server []string) (string, error) {
	for _, c := range client {
		if class == ClassKex && isPseudoKex(c) {
			continue
		}
		if slices.Contains(server, c) {
			return c, nil
		}
	}
	return "", &NegotiationError{Class: class, Direction: dir, Ours: client, Theirs: server}
}

// negotiate picks the algorithms for one key exchange from the client's and
// the server's KEXINIT. It is a pure function: all state is in its inputs.
// A MAC is negotiated only for a direction whose cipher is not AEAD: for
// AEAD ciphers the MAC lists are ignored, even with nothing in common
// (RFC 5647 §5.1, OpenSSH PROTOCOL.chacha20poly1305).
func negotiate(client, server *kexInitMsg) (*algorithms, error) {
	a := new(algorithms)
	var err error
	if a.kex, err = findCommon(ClassKex, "", client.KexAlgos, server.KexAlgos); err != nil {
		return nil, err
	}
	if a.hostKey, err = findCommon(ClassHostKey, "", client.HostKeyAlgos, server.HostKeyAlgos); err != nil {
		return nil, err
	}
	type dirLists struct {
		name                   string
		out                    *DirectionAlgorithms
		cc, sc, cm, sm, cz, sz []string
	}
	for _, d := range []dirLists{
		{"client-to-server", &a.c2s, client.CiphersC2S, server.CiphersC2S, client.MACsC2S, server.MACsC2S, client.CompressionC2S, server.CompressionC2S},
		{"server-to-client", &a.s2c, client.CiphersS2C, server.CiphersS2C, client.MACsS2C, server.MACsS2C, client.CompressionS2C, server.CompressionS2C},
	} {
		if d.out.Cipher, err = findCommon(ClassCipher, d.name, d.cc, d.sc); err != nil {
			return nil, err
		}
		if c, ok := packet.LookupCipher(d.out.Cipher); !ok || !c.AEAD {
			if d.out.MAC, err = findCommon(ClassMAC, d.name, d.cm, d.sm); err != nil {
				return nil, err
			}
		}
		if d.out.Compression, err = findCommon(ClassCompression, d.name, d.cz, d.sz); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// guessRight reports whether a first_kex_packet_follows guess by the side
// that sent guesser is right: RFC 4253 §7 says it is wrong unless both
// sides' preferred (first) kex and host-key algorithms are the same.
func guessRight(client, server *kexInitMsg) bool {
	first := func(l []string) string {
		for _, n := range l {
			if !isPseudoKex(n) {
				return n
			}
		}
		return ""
	}
	return first(client.KexAlgos) == first(server.KexAlgos) &&
		len(client.HostKeyAlgos) > 0 && len(server.HostKeyAlgos) > 0 &&
		client.HostKeyAlgos[0] == server.HostKeyAlgos[0]
}
