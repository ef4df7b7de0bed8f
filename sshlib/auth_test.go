package sshlib

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/sshmatrix/sshmatrix/sshlib/internal/wire"
	"golang.org/x/crypto/ssh"
)

var (
	testKeysOnce sync.Once
	testRSA      *rsa.PrivateKey
	testEd       ed25519.PrivateKey
)

func testSigners(t testing.TB) (rsaSigner, edSigner Signer) {
	t.Helper()
	testKeysOnce.Do(func() {
		var err error
		if testRSA, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if _, testEd, err = ed25519.GenerateKey(rand.Reader); err != nil {
			panic(err)
		}
	})
	r, err := NewSigner(testRSA)
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewSigner(testEd)
	if err != nil {
		t.Fatal(err)
	}
	return r, e
}

// authServer is a scripted RFC 4252 server over the fake transport.
type authServer struct {
	t   *testing.T
	srv *fakeServer
}

func startAuth(t *testing.T, cfg *ClientConfig, sigAlgs []string) (*authServer, *fakeTransport, chan error) {
	ft, srv := newFakePair()
	ft.sigAlgs, ft.hasSigAlgs = sigAlgs, sigAlgs != nil
	t.Cleanup(func() { ft.Close() })
	done := make(chan error, 1)
	go func() { done <- authenticate(context.Background(), ft, cfg) }()
	a := &authServer{t: t, srv: srv}
	p := srv.expect(t, msgServiceRequest)
	if svc := wire.NewReader(p[1:]).Text("service"); svc != "ssh-userauth" {
		t.Fatalf("service %q", svc)
	}
	srv.send(wire.NewBuilder([]byte{msgServiceAccept}).Text("ssh-userauth").Bytes())
	return a, ft, done
}

type authReq struct {
	user, service, method string
	rest                  *wire.Reader
	raw                   []byte
}

func (a *authServer) next(method string) *authReq {
	a.t.Helper()
	p := a.srv.expect(a.t, msgUserAuthRequest)
	r := wire.NewReader(p[1:])
	q := &authReq{user: r.Text("user"), service: r.Text("service"), method: r.Text("method"), rest: r, raw: p}
	if q.method != method {
		a.t.Fatalf("method %q, want %q", q.method, method)
	}
	if q.service != "ssh-connection" {
		a.t.Fatalf("service %q", q.service)
	}
	return q
}

func (a *authServer) failure(partial bool, methods ...string) {
	a.srv.send(wire.NewBuilder([]byte{msgUserAuthFailure}).NameList(methods).Bool(partial).Bytes())
}

func (a *authServer) success() { a.srv.send([]byte{msgUserAuthSuccess}) }

func TestAuthPasswordAndBanner(t *testing.T) {
	var banners []string
	cfg := &ClientConfig{User: "alice", Auth: []AuthMethod{Password("s3cret")},
		BannerCallback: func(m string) error { banners = append(banners, m); return nil }}
	a, ft, done := startAuth(t, cfg, nil)
	a.srv.send(wire.NewBuilder([]byte{msgUserAuthBanner}).Text("welcome\n").Text("").Bytes())
	q := a.next("none")
	if q.user != "alice" {
		t.Fatalf("user %q", q.user)
	}
	a.failure(false, "publickey", "password")
	q = a.next("password")
	if q.rest.Bool("change") || q.rest.Text("password") != "s3cret" {
		t.Fatal("bad password request")
	}
	a.success()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !ft.authDone {
		t.Error("transport not told of success (delayed compression)")
	}
	if !slices.Equal(banners, []string{"welcome\n"}) {
		t.Errorf("banners %q", banners)
	}
}

func TestAuthFailureListsMethods(t *testing.T) {
	cfg := &ClientConfig{User: "bob", Auth: []AuthMethod{Password("wrong")}}
	a, _, done := startAuth(t, cfg, nil)
	a.next("none")
	a.failure(false, "publickey", "password")
	a.next("password")
	a.failure(false, "publickey", "password")
	err := <-done
	var ae *AuthError
	if !errors.As(err, &ae) || !slices.Equal(ae.Tried, []string{"none", "password"}) ||
		!slices.Equal(ae.Allowed, []string{"publickey", "password"}) {
		t.Fatalf("got %v", err)
	}
}

// TestAuthPartialSuccess: password, then keyboard-interactive (RFC 4252
// §5.1 partial success, RFC 4256 rounds including an empty one).
func TestAuthPartialSuccess(t *testing.T) {
	var rounds [][]string
	kbd := KeyboardInteractive(func(name, instr string, qs []string, echos []bool) ([]string, error) {
		rounds = append(rounds, qs)
		ans := make([]string, len(qs))
		for i, q := range qs {
			ans[i] = strings.ToUpper(q)
		}
		return ans, nil
	})
	cfg := &ClientConfig{User: "u", Auth: []AuthMethod{kbd, Password("pw")}}
	a, _, done := startAuth(t, cfg, nil)
	a.next("none")
	a.failure(false, "password")
	a.next("password")
	a.failure(true, "keyboard-interactive")
	q := a.next("keyboard-interactive")
	if q.rest.Text("lang") != "" || q.rest.Text("submethods") != "" || q.rest.Done("end") != nil {
		t.Fatal("bad keyboard-interactive request")
	}
	a.srv.send(wire.NewBuilder([]byte{msgUserAuth60}).Text("n").Text("i").Text("").Uint32(2).
		Text("otp").Bool(false).Text("pin").Bool(true).Bytes())
	p := a.srv.expect(t, msgUserAuth61)
	r := wire.NewReader(p[1:])
	if n := r.Uint32("n"); n != 2 || r.Text("a") != "OTP" || r.Text("b") != "PIN" || r.Done("b") != nil {
		t.Fatal("bad INFO_RESPONSE")
	}
	a.srv.send(wire.NewBuilder([]byte{msgUserAuth60}).Text("").Text("").Text("").Uint32(0).Bytes())
	p = a.srv.expect(t, msgUserAuth61)
	if wire.NewReader(p[1:]).Uint32("n") != 0 {
		t.Fatal("bad empty INFO_RESPONSE")
	}
	a.success()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(rounds) != 2 {
		t.Fatalf("%d rounds", len(rounds))
	}
}

// checkPubkeyRequest verifies the signed request with x/crypto as the
// independent verifier (RFC 4252 §7).
func (a *authServer) pubkey(wantAlg string, signer Signer, answerQuery bool) {
	a.t.Helper()
	q := a.next("publickey")
	if q.rest.Bool("has sig") {
		a.t.Fatal("signed before the query")
	}
	alg, blob := q.rest.Text("alg"), q.rest.String("blob")
	if alg != wantAlg {
		a.t.Fatalf("algorithm %q, want %q", alg, wantAlg)
	}
	if !answerQuery {
		a.failure(false, "publickey")
		return
	}
	a.srv.send(wire.NewBuilder([]byte{msgUserAuth60}).Text(alg).String(blob).Bytes())
	q = a.next("publickey")
	if !q.rest.Bool("has sig") || q.rest.Text("alg") != alg {
		a.t.Fatal("bad signed request")
	}
	q.rest.String("blob")
	sigBlob := q.rest.String("signature")
	if err := q.rest.Done("signature"); err != nil {
		a.t.Fatal(err)
	}
	signedPart := q.raw[:len(q.raw)-4-len(sigBlob)]
	data := wire.NewBuilder(nil).String([]byte("fake session id")).Raw(signedPart).Bytes()
	pub, err := ssh.ParsePublicKey(blob)
	if err != nil {
		a.t.Fatal(err)
	}
	var sig ssh.Signature
	if err := ssh.Unmarshal(sigBlob, &sig); err != nil {
		a.t.Fatal(err)
	}
	if sig.Format != sigAlgBase(alg) {
		a.t.Fatalf("signature format %q for %q", sig.Format, alg)
	}
	if err := pub.Verify(data, &sig); err != nil {
		a.t.Fatalf("x/crypto rejects the signature: %v", err)
	}
}

func TestAuthPublicKeyAlgorithmChoice(t *testing.T) {
	rsaS, edS := testSigners(t)
	cases := []struct {
		name     string
		signer   Signer
		sigAlgs  []string // nil: no server-sig-algs
		allowed  []string // ClientConfig.PublicKeyAlgorithms
		attempts []string // algorithms offered, in order (each refused but the last)
	}{
		{"rsa server lists 256", rsaS, []string{"ssh-ed25519", "rsa-sha2-256"}, nil, []string{"rsa-sha2-256"}},
		{"rsa server lists both", rsaS, []string{"rsa-sha2-256", "rsa-sha2-512"}, nil, []string{"rsa-sha2-512"}},
		{"rsa no ext-info", rsaS, nil, nil, []string{"rsa-sha2-512", "rsa-sha2-256"}},
		{"rsa only ssh-rsa listed", rsaS, []string{"ssh-rsa"}, nil, nil},
		{"rsa ssh-rsa allowed", rsaS, []string{"ssh-rsa"}, []string{"ssh-rsa"}, []string{"ssh-rsa"}},
		{"rsa caller restricts", rsaS, []string{"rsa-sha2-256", "rsa-sha2-512"}, []string{"rsa-sha2-256"}, []string{"rsa-sha2-256"}},
		{"ed25519", edS, []string{"rsa-sha2-256", "ssh-ed25519"}, nil, []string{"ssh-ed25519"}},
		{"ed25519 unlisted", edS, []string{"rsa-sha2-256"}, nil, []string{"ssh-ed25519"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := &ClientConfig{User: "u", Auth: []AuthMethod{PublicKeys(tc.signer)}, PublicKeyAlgorithms: tc.allowed}
			a, _, done := startAuth(t, cfg, tc.sigAlgs)
			a.next("none")
			a.failure(false, "publickey")
			for i, alg := range tc.attempts {
				last := i == len(tc.attempts)-1
				a.pubkey(alg, tc.signer, last)
				if last {
					a.success()
				}
			}
			err := <-done
			if len(tc.attempts) == 0 {
				var ae *AuthError
				if !errors.As(err, &ae) {
					t.Fatalf("got %v, want *AuthError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestAuthMalformed: malformed server messages are protocol errors.
func TestAuthMalformed(t *testing.T) {
	cases := []struct {
		name string
		msg  []byte
	}{
		{"failure trailing", wire.NewBuilder([]byte{msgUserAuthFailure}).NameList([]string{"password"}).Bool(false).Byte(0).Bytes()},
		{"failure bad name-list", wire.NewBuilder([]byte{msgUserAuthFailure}).Text("a,,b").Bool(false).Bytes()},
		{"banner short", []byte{msgUserAuthBanner, 0, 0, 0, 9}},
		{"channel message", []byte{msgChannelData, 0, 0, 0, 0}},
		{"too many prompts", wire.NewBuilder([]byte{msgUserAuth60}).Text("").Text("").Text("").Uint32(1 << 30).Bytes()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := &ClientConfig{User: "u", Auth: []AuthMethod{KeyboardInteractive(
				func(string, string, []string, []bool) ([]string, error) { return nil, nil })}}
			a, _, done := startAuth(t, cfg, nil)
			a.next("none")
			if tc.name == "too many prompts" {
				a.failure(false, "keyboard-interactive")
				a.next("keyboard-interactive")
			}
			a.srv.send(tc.msg)
			err := <-done
			var pe *ProtocolError
			if !errors.As(err, &pe) {
				t.Fatalf("got %T %v, want *ProtocolError", err, err)
			}
		})
	}
}

// TestAuthSuccessTrailingBytes: USERAUTH_SUCCESS with bytes after the
// message number is accepted, as OpenSSH's client accepts it; TinySSH
// 20190101 sends 18 of them (found by the matrix).
func TestAuthSuccessTrailingBytes(t *testing.T) {
	cfg := &ClientConfig{User: "u"}
	a, _, done := startAuth(t, cfg, nil)
	a.next("none")
	a.srv.send(append([]byte{msgUserAuthSuccess}, make([]byte, 18)...))
	if err := <-done; err != nil {
		t.Fatalf("USERAUTH_SUCCESS with trailing bytes refused: %v", err)
	}
}
