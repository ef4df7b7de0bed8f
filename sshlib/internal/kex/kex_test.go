package kex

import (
	"bytes"
	"crypto/ecdh"
	"errors"
	"strings"
	"testing"
)

func TestRegistry(t *testing.T) {
	seen := map[string]bool{}
	for i := range Methods {
		m := &Methods[i]
		if seen[m.Name] {
			t.Errorf("duplicate row %s", m.Name)
		}
		seen[m.Name] = true
		spec, ok := serverSpecs[m.Name]
		if !ok {
			t.Errorf("%s: no test server in serverSpecs", m.Name)
			continue
		}
		if m.Hash != spec.hash {
			t.Errorf("%s: Hash %v, the specification says %v", m.Name, m.Hash, spec.hash)
		}
		if m.Start == nil || m.Spec == "" {
			t.Errorf("%s: row lacks Start or Spec", m.Name)
		}
		if got, ok := Lookup(m.Name); !ok || got != m {
			t.Errorf("Lookup(%q) = %v, %v", m.Name, got, ok)
		}
	}
	for name := range serverSpecs {
		if !seen[name] {
			t.Errorf("%s: test server but no row in Methods", name)
		}
	}
	if len(Methods) != 16 {
		t.Errorf("%d rows, want the 16 methods of the contract", len(Methods))
	}
	insecure := map[string]bool{"diffie-hellman-group1-sha1": true, "diffie-hellman-group14-sha1": true, "diffie-hellman-group-exchange-sha1": true}
	for _, m := range Methods {
		if m.Insecure != insecure[m.Name] {
			t.Errorf("%s: Insecure = %v", m.Name, m.Insecure)
		}
		if m.StringSecret != (strings.HasPrefix(m.Name, "mlkem") || strings.HasPrefix(m.Name, "sntrup")) {
			t.Errorf("%s: StringSecret = %v", m.Name, m.StringSecret)
		}
	}
	if _, ok := Lookup("no-such-kex"); ok {
		t.Error("Lookup of an unknown name succeeded")
	}
}

// TestExchange runs every method's client against its independent test
// server and compares K and H.
func TestExchange(t *testing.T) {
	for i := range Methods {
		m := &Methods[i]
		t.Run(m.Name, func(t *testing.T) {
			spec, ok := serverSpecs[m.Name]
			if !ok {
				t.Fatalf("no test server for %s", m.Name)
			}
			srv := spec.new(srvOpts{})
			res, err := runExchange(t, m, srv, nil)
			if err != nil {
				t.Fatalf("Finish: %v", err)
			}
			checkResult(t, m, srv, res)
		})
	}
}

func checkResult(t *testing.T, m *Method, srv testServer, res *Result) {
	t.Helper()
	k, h := srv.want()
	if !bytes.Equal(res.K, k) {
		t.Errorf("K = %x\nwant %x", res.K, k)
	}
	if !bytes.Equal(res.H, h) {
		t.Errorf("H = %x\nwant %x", res.H, h)
	}
	if res.Hash != m.Hash || len(res.H) != m.Hash.Size() {
		t.Errorf("Result.Hash %v, len(H) %d; row says %v", res.Hash, len(res.H), m.Hash)
	}
	if !bytes.Equal(res.HostKey, testHostKey) || !bytes.Equal(res.Signature, testSig) {
		t.Errorf("host key or signature not passed through")
	}
}

// TestLeadingZeroSecret steers the classical shared secret to start with a
// zero byte (about 1 in 256 exchanges) and checks K's encoding: an mpint
// drops the zero (RFC 8731 §3.1). See past-bugs.md (erlang/otp #11208).
func TestLeadingZeroSecret(t *testing.T) {
	for i := range Methods {
		m := &Methods[i]
		t.Run(m.Name, func(t *testing.T) {
			srv := newSrv(t, m.Name, srvOpts{zeroSecret: true})
			res, err := runExchange(t, m, srv, nil)
			if err != nil {
				t.Fatalf("Finish: %v", err)
			}
			checkResult(t, m, srv, res)
			if m.StringSecret {
				return // the hybrid's K is a hash: see TestHybridLeadingZero
			}
			// An mpint never starts with a zero byte unless the next has its top bit set.
			if len(res.K) > 5 && res.K[4] == 0 && res.K[5]&0x80 == 0 {
				t.Errorf("K %x keeps a needless leading zero", res.K)
			}
			if z := secretOf(srv); z != nil && len(res.K)-4 >= len(z)+1 {
				t.Errorf("K has %d bytes for a %d-byte secret with a leading zero", len(res.K)-4, len(z))
			}
		})
	}
}

// secretOf returns the raw classical secret of a test server, if it has one.
func secretOf(s testServer) []byte {
	switch s := s.(type) {
	case *x25519Server:
		return s.z
	case *nistServer:
		return s.z
	case *hybridServer:
		return s.kcl
	}
	return nil
}

func TestWrongMessage(t *testing.T) {
	for i := range Methods {
		m := &Methods[i]
		t.Run(m.Name, func(t *testing.T) {
			srv := newSrv(t, m.Name, srvOpts{})
			_, err := runExchange(t, m, srv, func(p []byte) []byte {
				q := append([]byte(nil), p...)
				q[0] = 20 // KEXINIT
				return q
			})
			checkKexError(t, m, err, ErrUnexpected)
			_, err = runExchange(t, m, newSrv(t, m.Name, srvOpts{}), func(p []byte) []byte { return nil })
			checkKexError(t, m, err, ErrUnexpected)
		})
	}
}

// TestTruncatedAndTrailing cuts every server packet short at every length
// and appends a byte to it: each must fail with a *Error and never panic.
func TestTruncatedAndTrailing(t *testing.T) {
	for i := range Methods {
		m := &Methods[i]
		t.Run(m.Name, func(t *testing.T) {
			srv := newSrv(t, m.Name, srvOpts{})
			var pkts [][]byte
			_, err := runExchange(t, m, srv, func(p []byte) []byte { pkts = append(pkts, p); return p })
			if err != nil {
				t.Fatal(err)
			}
			for pi := range pkts {
				// Cut points depend on the packet each run produces: its
				// length varies with the random public values.
				cuts := []func(n int) int{
					func(int) int { return 1 }, func(int) int { return 2 }, func(int) int { return 5 },
					func(n int) int { return n / 2 }, func(n int) int { return n - 1 },
				}
				for ci, cut := range cuts {
					_, err := runExchange(t, m, newSrv(t, m.Name, srvOpts{}), nthMutator(pi, func(p []byte) []byte { return p[:cut(len(p))] }))
					if err == nil {
						t.Fatalf("packet %d cut %d accepted", pi, ci)
					}
					checkKexError(t, m, err, nil)
				}
				_, err := runExchange(t, m, newSrv(t, m.Name, srvOpts{}), nthMutator(pi, func(p []byte) []byte { return append(p, 0) }))
				if err == nil {
					t.Fatalf("packet %d with a trailing byte accepted", pi)
				}
				checkKexError(t, m, err, nil)
			}
		})
	}
}

// nthMutator applies f to the n-th server packet only.
func nthMutator(n int, f func([]byte) []byte) func([]byte) []byte {
	i := -1
	return func(p []byte) []byte {
		i++
		if i == n {
			return f(append([]byte(nil), p...))
		}
		return p
	}
}

func TestBadECPoints(t *testing.T) {
	notOnCurve := func(c ecdh.Curve) []byte {
		k, _ := c.GenerateKey(nil)
		p := k.PublicKey().Bytes()
		p[len(p)-1] ^= 1 // flip a bit of y: off the curve
		return p
	}
	cases := map[string][][]byte{
		"curve25519-sha256": {
			make([]byte, 32),                       // u = 0: all-zero output (RFC 8731 §3)
			append([]byte{1}, make([]byte, 31)...), // u = 1, low order
			make([]byte, 31), make([]byte, 33), {},
		},
		"ecdh-sha2-nistp256": {notOnCurve(ecdh.P256()), {0}, {4}, make([]byte, 65), ecdh256Compressed()},
		"ecdh-sha2-nistp384": {notOnCurve(ecdh.P384()), make([]byte, 97)},
		"ecdh-sha2-nistp521": {notOnCurve(ecdh.P521()), make([]byte, 133)},
	}
	cases["curve25519-sha256@libssh.org"] = cases["curve25519-sha256"]
	for name, pubs := range cases {
		m, _ := Lookup(name)
		for _, pub := range pubs {
			_, err := runExchange(t, m, newSrv(t, name, srvOpts{pub: pub}), nil)
			if err == nil {
				t.Fatalf("%s: server value %x accepted", name, pub)
			}
			checkKexError(t, m, err, ErrPeerValue)
		}
	}
}

// ecdh256Compressed is a valid P-256 point in compressed form, which RFC 5656
// §4 does not allow without point compression being negotiated.
func ecdh256Compressed() []byte {
	k, _ := ecdh.P256().GenerateKey(nil)
	p := k.PublicKey().Bytes()
	c := []byte{2 | p[64]&1}
	return append(c, p[1:33]...)
}

func TestNoMagics(t *testing.T) {
	m := &Methods[0]
	cl, _ := m.Start(&Params{})
	_, err := cl.Finish(&testConn{t: t, srv: newSrv(t, m.Name, srvOpts{})}, nil)
	checkKexError(t, m, err, nil)
	if !errors.Is(err, errNoMagics) {
		t.Fatal(err)
	}
}
