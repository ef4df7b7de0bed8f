package sshlib

import (
	"bytes"
	"crypto"
	_ "crypto/sha1"
	_ "crypto/sha256"
	_ "crypto/sha512"
	"fmt"
	"testing"
)

// refKDF is a separate, deliberately naive reading of RFC 4253 §7.2:
// "K1 = HASH(K || H || X || session_id); K2 = HASH(K || H || K1);
// K3 = HASH(K || H || K1 || K2); ... key = K1 || K2 || K3 || ...".
func refKDF(h crypto.Hash, K, H []byte, X byte, sid []byte, n int) []byte {
	hash := func(parts ...[]byte) []byte {
		d := h.New()
		d.Write(bytes.Join(parts, nil))
		return d.Sum(nil)
	}
	key := hash(K, H, []byte{X}, sid)
	for len(key) < n {
		key = append(key, hash(K, H, key)...)
	}
	return key[:n]
}

// TestDeriveKeyExtensionRounds covers every (kex hash, key length) pair the
// registries can produce, including 2 and 3 extension rounds (SHA-1 kex with
// 64-byte keys: chacha20-poly1305 or hmac-sha2-512), the pairs real bugs hid
// in (past-bugs.md: sshj #156, twisted #8258, SSH.NET #1660).
func TestDeriveKeyExtensionRounds(t *testing.T) {
	K := []byte("\x00\x00\x00\x21\x00\x9a\x37\x8f\x9b\x2e\x33\x2a\x07\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff\x01\x02\x03\x04\x05\x06\x07")
	H := bytes.Repeat([]byte{0x5a}, 32)
	sid := bytes.Repeat([]byte{0xa5}, 32)
	lengths := []int{0, 8, 12, 16, 20, 24, 32, 33, 40, 48, 63, 64, 65, 128}
	rounds := map[string]bool{}
	for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA256, crypto.SHA384, crypto.SHA512} {
		for _, n := range lengths {
			for _, X := range []byte("ABCDEF") {
				got := deriveKey(h, K, H, X, sid, n)
				want := refKDF(h, K, H, X, sid, n)
				if !bytes.Equal(got, want) {
					t.Fatalf("%v n=%d X=%c:\n got %x\nwant %x", h, n, X, got, want)
				}
			}
			if n > 0 {
				rounds[fmt.Sprintf("%v/%d", h, (n+h.Size()-1)/h.Size()-1)] = true
			}
		}
	}
	for _, want := range []string{"SHA-1/2", "SHA-1/3", "SHA-256/1", "SHA-512/0", "SHA-512/1"} {
		if !rounds[want] {
			t.Errorf("extension rounds %s not covered", want)
		}
	}
}

// TestDeriveSessionKeysUsesKexHash: with a SHA-1 kex and a SHA-2 MAC, every
// key must come from SHA-1 (the paramiko 2015 bug derived them with the MAC's hash).
func TestDeriveSessionKeysUsesKexHash(t *testing.T) {
	algs := &algorithms{kex: "diffie-hellman-group14-sha1",
		c2s: DirectionAlgorithms{Cipher: "aes256-ctr", MAC: "hmac-sha2-512"},
		s2c: DirectionAlgorithms{Cipher: "aes256-ctr", MAC: "hmac-sha2-512"}}
	if _, ok := lookupCipherAEAD("aes256-ctr"); !ok {
		t.Fatal("aes256-ctr missing from the cipher registry")
	}
	K, H, sid := []byte("\x00\x00\x00\x01\x05"), []byte("hash"), []byte("session")
	sk, err := deriveSessionKeys(crypto.SHA1, K, H, sid, algs)
	if err != nil {
		t.Fatal(err)
	}
	if want := refKDF(crypto.SHA1, K, H, 'E', sid, 64); !bytes.Equal(sk.c2s.MACKey, want) {
		t.Fatalf("MAC key c2s not derived with the kex hash")
	}
	if want := refKDF(crypto.SHA1, K, H, 'D', sid, 32); !bytes.Equal(sk.s2c.Key, want) {
		t.Fatalf("key s2c not derived with the kex hash")
	}
	if len(sk.c2s.IV) != 16 || len(sk.s2c.MACKey) != 64 {
		t.Fatalf("lengths: iv %d mac %d", len(sk.c2s.IV), len(sk.s2c.MACKey))
	}
}
