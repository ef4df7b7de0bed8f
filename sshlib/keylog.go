package sshlib

import (
	"encoding/hex"
	"fmt"
	"io"
	"sync"
)

// Key log format (Config.KeyLog), one line per value, for debugging and for
// tests that recompute the derivation independently:
//
//	SSHLIB_KEYLOG <session-id-hex> <kex-number> <label> <hex>
//
// kex-number counts key exchanges from 1. Labels: KEX (the method name, as
// hex of its ASCII), HASH (the hash name, ditto), K (the shared secret as
// encoded in H), H, and IV_C2S, IV_S2C, KEY_C2S, KEY_S2C, MAC_C2S, MAC_S2C
// (RFC 4253 §7.2 letters A..F). An empty value (an AEAD cipher's MAC key,
// chacha20-poly1305's IV) is written as "-". Nothing secret is written
// anywhere else.
type keyLogger struct {
	mu sync.Mutex
	w  io.Writer
}

func (k *keyLogger) log(sessionID []byte, n int, kexName, hashName string, K, H []byte, keys *sessionKeys) {
	if k == nil || k.w == nil {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	sid := hex.EncodeToString(sessionID)
	for _, v := range []struct {
		label string
		val   []byte
	}{
		{"KEX", []byte(kexName)}, {"HASH", []byte(hashName)}, {"K", K}, {"H", H},
		{"IV_C2S", keys.c2s.IV}, {"IV_S2C", keys.s2c.IV},
		{"KEY_C2S", keys.c2s.Key}, {"KEY_S2C", keys.s2c.Key},
		{"MAC_C2S", keys.c2s.MACKey}, {"MAC_S2C", keys.s2c.MACKey},
	} {
		val := hex.EncodeToString(v.val)
		if val == "" {
			val = "-"
		}
		fmt.Fprintf(k.w, "SSHLIB_KEYLOG %s %d %s %s\n", sid, n, v.label, val)
	}
}
