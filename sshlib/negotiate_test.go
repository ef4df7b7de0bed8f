package sshlib

import (
	"errors"
	"slices"
	"testing"
)

func kexInitFor(kexs, hks, ciphers, macs, comps []string) *kexInitMsg {
	return &kexInitMsg{KexAlgos: kexs, HostKeyAlgos: hks, CiphersC2S: ciphers, CiphersS2C: ciphers,
		MACsC2S: macs, MACsS2C: macs, CompressionC2S: comps, CompressionS2C: comps}
}

func TestKexInitRoundTrip(t *testing.T) {
	m := kexInitFor([]string{"curve25519-sha256", "ext-info-c"}, []string{"ssh-ed25519"}, []string{"aes128-ctr"}, []string{"hmac-sha2-256"}, []string{"none"})
	m.Cookie[3] = 7
	m.FirstKexFollows = true
	got, err := parseKexInit(m.marshal())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.KexAlgos, m.KexAlgos) || !got.FirstKexFollows || got.Cookie != m.Cookie {
		t.Fatalf("round trip: %+v", got)
	}
	// Trailing bytes are rejected.
	if _, err := parseKexInit(append(m.marshal(), 0)); err == nil {
		t.Fatal("trailing byte accepted")
	}
	// Truncation anywhere is a typed error, never a panic.
	full := m.marshal()
	for i := 0; i < len(full); i++ {
		var pe *ProtocolError
		if _, err := parseKexInit(full[:i]); !errors.As(err, &pe) {
			t.Fatalf("truncated at %d: %v", i, err)
		}
	}
}

func TestNegotiateClientPreferenceAndPseudo(t *testing.T) {
	client := kexInitFor([]string{"ext-info-c", "kex-strict-c-v00@openssh.com", "curve25519-sha256", "ecdh-sha2-nistp256"},
		[]string{"rsa-sha2-512", "ssh-ed25519"}, []string{"aes256-ctr", "aes128-ctr"}, []string{"hmac-sha2-512", "hmac-sha2-256"}, []string{"none"})
	server := kexInitFor([]string{"ecdh-sha2-nistp256", "curve25519-sha256", "ext-info-c"},
		[]string{"ssh-ed25519", "rsa-sha2-512"}, []string{"aes128-ctr", "aes256-ctr"}, []string{"hmac-sha2-256", "hmac-sha2-512"}, []string{"none"})
	a, err := negotiate(client, server)
	if err != nil {
		t.Fatal(err)
	}
	if a.kex != "curve25519-sha256" || a.hostKey != "rsa-sha2-512" || a.c2s.Cipher != "aes256-ctr" || a.s2c.MAC != "hmac-sha2-512" {
		t.Fatalf("negotiated %+v", a)
	}
	// A pseudo-algorithm is never negotiated, even if both list it.
	client.KexAlgos = []string{"ext-info-c"}
	_, err = negotiate(client, server)
	var ne *NegotiationError
	if !errors.As(err, &ne) || ne.Class != ClassKex {
		t.Fatalf("want kex NegotiationError, got %v", err)
	}
}

func TestNegotiateErrorsNameClassAndLists(t *testing.T) {
	base := func() (*kexInitMsg, *kexInitMsg) {
		return kexInitFor([]string{"curve25519-sha256"}, []string{"ssh-ed25519"}, []string{"aes128-ctr"}, []string{"hmac-sha2-256"}, []string{"none"}),
			kexInitFor([]string{"curve25519-sha256"}, []string{"ssh-ed25519"}, []string{"aes128-ctr"}, []string{"hmac-sha2-256"}, []string{"none"})
	}
	for _, tc := range []struct {
		class string
		edit  func(s *kexInitMsg)
	}{
		{ClassKex, func(s *kexInitMsg) { s.KexAlgos = []string{"diffie-hellman-group1-sha1"} }},
		{ClassHostKey, func(s *kexInitMsg) { s.HostKeyAlgos = []string{"ssh-dss"} }},
		{ClassCipher, func(s *kexInitMsg) { s.CiphersS2C = []string{"3des-cbc"} }},
		{ClassMAC, func(s *kexInitMsg) { s.MACsC2S = []string{"hmac-md5"} }},
		{ClassCompression, func(s *kexInitMsg) { s.CompressionC2S = []string{"zlib"} }},
	} {
		c, s := base()
		tc.edit(s)
		_, err := negotiate(c, s)
		var ne *NegotiationError
		if !errors.As(err, &ne) || ne.Class != tc.class || len(ne.Ours) == 0 || len(ne.Theirs) == 0 {
			t.Errorf("%s: got %v", tc.class, err)
		}
	}
}

// AEAD ciphers take no MAC: the MAC lists are ignored even with nothing in
// common (user-configs.md #6, the AEAD-only variant).
func TestNegotiateAEADIgnoresMAC(t *testing.T) {
	if aead, ok := lookupCipherAEAD("aes256-gcm@openssh.com"); !ok || !aead {
		t.Fatal("aes256-gcm@openssh.com not in the registry as AEAD")
	}
	c := kexInitFor([]string{"curve25519-sha256"}, []string{"ssh-ed25519"}, []string{"aes256-gcm@openssh.com"}, []string{"hmac-sha2-256"}, []string{"none"})
	s := kexInitFor([]string{"curve25519-sha256"}, []string{"ssh-ed25519"}, []string{"aes256-gcm@openssh.com"}, []string{"umac-128-etm@openssh.com"}, []string{"none"})
	a, err := negotiate(c, s)
	if err != nil {
		t.Fatal(err)
	}
	if a.c2s.MAC != "" || a.s2c.MAC != "" {
		t.Fatalf("MAC negotiated for an AEAD cipher: %+v", a)
	}
}

func TestGuessRight(t *testing.T) {
	c := kexInitFor([]string{"curve25519-sha256", "ecdh-sha2-nistp256"}, []string{"ssh-ed25519"}, nil, nil, nil)
	s := kexInitFor([]string{"curve25519-sha256"}, []string{"ssh-ed25519", "rsa-sha2-256"}, nil, nil, nil)
	if !guessRight(c, s) {
		t.Fatal("same first kex and host key: guess should be right")
	}
	// RFC 4253 §7: the negotiated algorithm may be the client's first and
	// the guess still be wrong, because the server prefers another.
	s.KexAlgos = []string{"ecdh-sha2-nistp256", "curve25519-sha256"}
	if guessRight(c, s) {
		t.Fatal("different first kex: guess should be wrong")
	}
}
