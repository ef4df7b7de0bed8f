package sshlib

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/sshmatrix/sshmatrix/sshlib/internal/keys"
	"github.com/sshmatrix/sshmatrix/sshlib/internal/wire"
)

// User authentication, client side (RFC 4252, RFC 4256).

// AuthMethod is one way to authenticate. Make one with Password,
// PasswordCallback, PublicKeys, PublicKeysCallback, KeyboardInteractive
// or Agent.
type AuthMethod interface {
	// newAttempt returns the per-connection state of the method.
	newAttempt() authAttempt
}

type authResult int

const (
	authFailure authResult = iota
	authPartial            // this method succeeded, more are required (RFC 4252 §5.1)
	authSuccess
)

// authAttempt is a method's state during one authentication.
type authAttempt interface {
	name() string
	// try runs the method once; allowed is updated from the server's
	// reply. A method may be tried again after a partial success if it
	// is not done.
	try(ctx context.Context, a *authConn) (authResult, error)
	done() bool
	close()
}

// AuthError is a failed authentication: no method that the server still
// allowed succeeded.
type AuthError struct {
	User    string
	Tried   []string // methods tried, in order ("none" first)
	Allowed []string // methods the server still allowed at the end
	Partial bool     // some method succeeded partially
	Errs    []error  // errors of methods that failed on our side (a signer, a callback)
}

func (e *AuthError) Error() string {
	s := fmt.Sprintf("sshlib: authentication of user %q failed: tried %s; server allows %s",
		e.User, strings.Join(e.Tried, ","), strings.Join(e.Allowed, ","))
	if e.Partial {
		s += " (after partial success)"
	}
	for _, err := range e.Errs {
		s += "; " + err.Error()
	}
	return s
}

func (e *AuthError) Unwrap() []error { return e.Errs }

// authConn is the authentication layer's view of the transport.
type authConn struct {
	conn    packetConn
	user    string
	cfg     *ClientConfig
	allowed []string // from the latest USERAUTH_FAILURE
	partial bool
	errs    []error
}

const serviceConnection = "ssh-connection"

// authenticate runs RFC 4252 over conn: the service request, "none" to
// learn the methods, then the configured methods in order.
func authenticate(ctx context.Context, conn packetConn, cfg *ClientConfig) error {
	a := &authConn{conn: conn, user: cfg.User, cfg: cfg}
	// RFC 4253 §10: ask for the user authentication service.
	if err := conn.writePacket(wire.NewBuilder([]byte{msgServiceRequest}).Text("ssh-userauth").Bytes()); err != nil {
		return err
	}
	p, err := a.recv()
	if err != nil {
		return err
	}
	if p[0] != msgServiceAccept {
		return protoErr(p[0], "expected SSH_MSG_SERVICE_ACCEPT")
	}
	r := wire.NewReader(p[1:])
	svc := r.Text("service name")
	// RFC 4253 §10 carries the name; some old servers sent an empty
	// accept, which is accepted too.
	if err := r.Done("service name"); err != nil && len(p) > 1 {
		return malformed(p[0], err)
	}
	if svc != "" && svc != "ssh-userauth" {
		return protoErr(p[0], "accepted service %q, not ssh-userauth", svc)
	}

	tried := []string{"none"}
	res, err := a.request(a.requestHeader("none"))
	if err != nil {
		return err
	}
	if res == authSuccess {
		conn.authenticated()
		return nil
	}
	attempts := make([]authAttempt, 0, len(cfg.Auth))
	for _, m := range cfg.Auth {
		if m != nil {
			attempts = append(attempts, m.newAttempt())
		}
	}
	defer func() {
		for _, at := range attempts {
			at.close()
		}
	}()
	for {
		var next authAttempt
		for _, at := range attempts {
			if !at.done() && slices.Contains(a.allowed, at.name()) {
				next = at
				break
			}
		}
		if next == nil {
			return &AuthError{User: a.user, Tried: tried, Allowed: a.allowed, Partial: a.partial, Errs: a.errs}
		}
		tried = append(tried, next.name())
		res, err := next.try(ctx, a)
		if err != nil {
			return err
		}
		switch res {
		case authSuccess:
			conn.authenticated()
			return nil
		case authPartial:
			a.partial = true
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// recv reads the next authentication message, passing banners (RFC 4252
// §5.4) to the callback on the way.
func (a *authConn) recv() ([]byte, error) {
	for {
		p, err := a.conn.readPacket()
		if err != nil {
			return nil, err
		}
		if len(p) == 0 {
			return nil, protoErr(0, "empty message")
		}
		if p[0] != msgUserAuthBanner {
			if p[0] >= msgGlobalRequest {
				// RFC 4252 §6: connection-protocol messages before success
				// are a protocol error.
				return nil, protoErr(p[0], "connection-protocol message before authentication succeeded")
			}
			return p, nil
		}
		r := wire.NewReader(p[1:])
		text := r.Text("message")
		r.Text("language tag")
		if err := r.Done("language tag"); err != nil {
			return nil, malformed(p[0], err)
		}
		if a.cfg.BannerCallback != nil {
			if err := a.cfg.BannerCallback(text); err != nil {
				return nil, err
			}
		}
	}
}

// requestHeader starts an SSH_MSG_USERAUTH_REQUEST (RFC 4252 §5).
func (a *authConn) requestHeader(method string) *wire.Builder {
	return wire.NewBuilder([]byte{msgUserAuthRequest}).Text(a.user).Text(serviceConnection).Text(method)
}

// request sends a request and reads the outcome: SUCCESS or FAILURE.
func (a *authConn) request(b *wire.Builder) (authResult, error) {
	if err := a.conn.writePacket(b.Bytes()); err != nil {
		return authFailure, err
	}
	p, err := a.recv()
	if err != nil {
		return authFailure, err
	}
	return a.outcome(p)
}

// outcome interprets SUCCESS or FAILURE; any other message is an error.
func (a *authConn) outcome(p []byte) (authResult, error) {
	switch p[0] {
	case msgUserAuthSuccess:
		if len(p) != 1 {
			return authFailure, malformed(p[0], fmt.Errorf("%w: %d bytes after the message number", wire.ErrTrailing, len(p)-1))
		}
		return authSuccess, nil
	case msgUserAuthFailure:
		methods, partial, err := parseUserAuthFailure(p)
		if err != nil {
			return authFailure, err
		}
		a.allowed = methods
		if partial {
			return authPartial, nil
		}
		return authFailure, nil
	}
	return authFailure, protoErr(p[0], "unexpected during user authentication")
}

// parseUserAuthFailure parses SSH_MSG_USERAUTH_FAILURE (RFC 4252 §5.1).
func parseUserAuthFailure(p []byte) ([]string, bool, error) {
	r := wire.NewReader(p[1:])
	methods := r.NameList("authentications that can continue")
	partial := r.Bool("partial success")
	if err := r.Done("partial success"); err != nil {
		return nil, false, malformed(p[0], err)
	}
	if len(methods) > 64 {
		return nil, false, protoErr(p[0], "%d methods listed", len(methods))
	}
	return methods, partial, nil
}

// --- password (RFC 4252 §8) ---

// Password authenticates with a fixed password.
func Password(secret string) AuthMethod {
	return PasswordCallback(func() (string, error) { return secret, nil })
}

// PasswordCallback authenticates with the password the callback returns.
func PasswordCallback(prompt func() (string, error)) AuthMethod { return passwordMethod(prompt) }

type passwordMethod func() (string, error)

func (m passwordMethod) newAttempt() authAttempt { return &passwordAttempt{prompt: m} }

type passwordAttempt struct {
	prompt func() (string, error)
	tried  bool
}

// PasswordChangeError is the server's SSH_MSG_USERAUTH_PASSWD_CHANGEREQ
// (RFC 4252 §8): the password has expired. sshlib does not change it.
type PasswordChangeError struct{ Prompt string }

func (e *PasswordChangeError) Error() string {
	return fmt.Sprintf("sshlib: server requires a password change: %q", e.Prompt)
}

func (p *passwordAttempt) name() string { return "password" }
func (p *passwordAttempt) done() bool   { return p.tried }
func (p *passwordAttempt) close()       {}

func (p *passwordAttempt) try(ctx context.Context, a *authConn) (authResult, error) {
	p.tried = true
	pw, err := p.prompt()
	if err != nil {
		a.errs = append(a.errs, fmt.Errorf("sshlib: password: %w", err))
		return authFailure, nil
	}
	b := a.requestHeader("password").Bool(false).Text(pw)
	if err := a.conn.writePacket(b.Bytes()); err != nil {
		return authFailure, err
	}
	reply, err := a.recv()
	if err != nil {
		return authFailure, err
	}
	if reply[0] == msgUserAuth60 { // SSH_MSG_USERAUTH_PASSWD_CHANGEREQ
		r := wire.NewReader(reply[1:])
		prompt := r.Text("prompt")
		r.Text("language tag")
		if err := r.Done("language tag"); err != nil {
			return authFailure, malformed(reply[0], err)
		}
		a.errs = append(a.errs, &PasswordChangeError{Prompt: prompt})
		// The server waits for a change request; asking for another
		// method instead is allowed (RFC 4252 §8) but the old password
		// will not work, so stop here.
		return authFailure, &AuthError{User: a.user, Tried: []string{"password"}, Allowed: a.allowed, Errs: a.errs}
	}
	return a.outcome(reply)
}

// --- keyboard-interactive (RFC 4256) ---

// KeyboardInteractiveChallenge answers one round of prompts (RFC 4256
// §3.2): one answer per question, in order. echos says whether each answer
// may be shown as typed.
type KeyboardInteractiveChallenge func(name, instruction string, questions []string, echos []bool) ([]string, error)

// KeyboardInteractive authenticates by answering the server's prompts.
func KeyboardInteractive(challenge KeyboardInteractiveChallenge) AuthMethod {
	return kbdintMethod(challenge)
}

type kbdintMethod KeyboardInteractiveChallenge

func (m kbdintMethod) newAttempt() authAttempt {
	return &kbdintAttempt{challenge: KeyboardInteractiveChallenge(m)}
}

type kbdintAttempt struct {
	challenge KeyboardInteractiveChallenge
	tried     bool
}

func (k *kbdintAttempt) name() string { return "keyboard-interactive" }
func (k *kbdintAttempt) done() bool   { return k.tried }
func (k *kbdintAttempt) close()       {}

// maxPrompts bounds the prompts of one INFO_REQUEST.
const maxPrompts = 128

type infoRequest struct {
	name, instruction string
	prompts           []string
	echos             []bool
}

// parseInfoRequest parses SSH_MSG_USERAUTH_INFO_REQUEST (RFC 4256 §3.2).
func parseInfoRequest(p []byte) (*infoRequest, error) {
	r := wire.NewReader(p[1:])
	q := &infoRequest{name: r.Text("name"), instruction: r.Text("instruction")}
	r.Text("language tag")
	n := r.Uint32("num-prompts")
	if r.Err() == nil && n > maxPrompts {
		return nil, protoErr(p[0], "%d prompts, at most %d accepted", n, maxPrompts)
	}
	for i := uint32(0); i < n && r.Err() == nil; i++ {
		q.prompts = append(q.prompts, r.Text("prompt"))
		q.echos = append(q.echos, r.Bool("echo"))
	}
	if err := r.Done("echo"); err != nil {
		return nil, malformed(p[0], err)
	}
	return q, nil
}

func (k *kbdintAttempt) try(ctx context.Context, a *authConn) (authResult, error) {
	k.tried = true
	// language tag and submethods are empty (RFC 4256 §3.1).
	if err := a.conn.writePacket(a.requestHeader("keyboard-interactive").Text("").Text("").Bytes()); err != nil {
		return authFailure, err
	}
	for {
		p, err := a.recv()
		if err != nil {
			return authFailure, err
		}
		if p[0] != msgUserAuth60 { // not INFO_REQUEST: SUCCESS or FAILURE
			return a.outcome(p)
		}
		q, err := parseInfoRequest(p)
		if err != nil {
			return authFailure, err
		}
		answers, err := k.challenge(q.name, q.instruction, q.prompts, q.echos)
		if err == nil && len(answers) != len(q.prompts) {
			err = fmt.Errorf("%d answers to %d prompts", len(answers), len(q.prompts))
		}
		if err != nil {
			// RFC 4256 has no way to cancel but a wrong answer; send empty
			// ones and let the server fail the method.
			a.errs = append(a.errs, fmt.Errorf("sshlib: keyboard-interactive: %w", err))
			answers = make([]string, len(q.prompts))
		}
		b := wire.NewBuilder([]byte{msgUserAuth61}).Uint32(uint32(len(answers)))
		for _, s := range answers {
			b.Text(s)
		}
		if err := a.conn.writePacket(b.Bytes()); err != nil {
			return authFailure, err
		}
		if err := ctx.Err(); err != nil {
			return authFailure, err
		}
	}
}

// --- publickey (RFC 4252 §7, RFC 8332 §3, RFC 8308 §3.1) ---

// PublicKeys authenticates with private keys, tried in order.
func PublicKeys(signers ...Signer) AuthMethod {
	return PublicKeysCallback(func() ([]Signer, error) { return signers, nil })
}

// PublicKeysCallback authenticates with the keys the callback returns,
// called once per connection when the method is first tried.
func PublicKeysCallback(get func() ([]Signer, error)) AuthMethod {
	return pubkeyMethod{get: func(context.Context) ([]Signer, func(), error) {
		s, err := get()
		return s, func() {}, err
	}}
}

type pubkeyMethod struct {
	get func(ctx context.Context) ([]Signer, func(), error)
}

func (m pubkeyMethod) newAttempt() authAttempt { return &pubkeyAttempt{get: m.get} }

type pubkeyAttempt struct {
	get     func(ctx context.Context) ([]Signer, func(), error)
	loaded  bool
	signers []Signer
	release func()
	next    int
}

func (p *pubkeyAttempt) name() string { return "publickey" }
func (p *pubkeyAttempt) done() bool   { return p.loaded && p.next >= len(p.signers) }
func (p *pubkeyAttempt) close() {
	if p.release != nil {
		p.release()
	}
}

func (p *pubkeyAttempt) try(ctx context.Context, a *authConn) (authResult, error) {
	if !p.loaded {
		p.loaded = true
		s, release, err := p.get(ctx)
		if err != nil {
			a.errs = append(a.errs, fmt.Errorf("sshlib: publickey: %w", err))
			return authFailure, nil
		}
		p.signers, p.release = s, release
	}
	// Each key gets a turn. After a partial success the next call goes
	// on with the next key: OpenSSH's "publickey,publickey" wants two.
	for p.next < len(p.signers) {
		s := p.signers[p.next]
		p.next++
		for _, alg := range a.pubkeyAlgorithms(s) {
			res, err := a.tryKey(ctx, s, alg)
			if err != nil {
				return authFailure, err
			}
			if res != authFailure {
				return res, nil
			}
			if !slices.Contains(a.allowed, "publickey") {
				return authFailure, nil
			}
		}
	}
	return authFailure, nil
}

// pubkeyAlgorithms chooses the signature algorithms to try for s. The
// caller's list filters the key's own; SHA-1 ssh-rsa is used only if named.
// When the server sent server-sig-algs (RFC 8308 §3.1) only algorithms it
// lists are used, falling back to the key's first algorithm for keys with
// one; without it each is tried in order, best first (RFC 8332 §3.3).
func (a *authConn) pubkeyAlgorithms(s Signer) []string {
	var algs []string
	for _, alg := range s.Algorithms() {
		if len(a.cfg.PublicKeyAlgorithms) > 0 {
			if !slices.Contains(a.cfg.PublicKeyAlgorithms, alg) {
				continue
			}
		} else if insecureSigAlg(alg) {
			continue
		}
		algs = append(algs, alg)
	}
	serverAlgs, ok := a.conn.serverSigAlgs()
	if !ok || len(algs) == 0 {
		return algs
	}
	var listed []string
	for _, alg := range algs {
		if slices.Contains(serverAlgs, sigAlgBase(alg)) {
			listed = append(listed, alg)
		}
	}
	if len(listed) > 0 {
		return listed[:1]
	}
	if isRSAAlg(algs[0]) {
		// The server named the RSA algorithms it takes and none of ours;
		// trying would fail and cost an attempt.
		return nil
	}
	return algs[:1]
}

// insecureSigAlg reports SHA-1 RSA and DSA signatures: the registry's
// Insecure rows.
func insecureSigAlg(alg string) bool {
	if a, ok := keys.Lookup(alg); ok {
		return a.Insecure
	}
	return false
}

func isRSAAlg(alg string) bool {
	switch sigAlgBase(alg) {
	case "ssh-rsa", "rsa-sha2-256", "rsa-sha2-512":
		return true
	}
	return false
}

// sigAlgBase maps a certificate algorithm to the signature algorithm it
// uses, the name server-sig-algs lists (RFC 8308 §3.1, PROTOCOL.certkeys).
func sigAlgBase(alg string) string {
	if a, ok := keys.Lookup(alg); ok {
		return a.SigName
	}
	// Security-key algorithms are not in the registry; their certificate
	// names drop the @openssh.com of the plain name.
	base, ok := strings.CutSuffix(alg, "-cert-v01@openssh.com")
	if !ok {
		return alg
	}
	if strings.HasPrefix(base, "sk-") {
		return base + "@openssh.com"
	}
	return base
}

// tryKey offers one key with one algorithm, then signs if the server will
// take it (RFC 4252 §7).
func (a *authConn) tryKey(ctx context.Context, s Signer, alg string) (authResult, error) {
	blob := s.PublicKey().Marshal()
	// First ask without a signature, so a key the server does not know
	// costs no signing (a hardware key or an agent would ask the user).
	query := a.requestHeader("publickey").Bool(false).Text(alg).String(blob)
	if err := a.conn.writePacket(query.Bytes()); err != nil {
		return authFailure, err
	}
	p, err := a.recv()
	if err != nil {
		return authFailure, err
	}
	if p[0] != msgUserAuth60 {
		return a.outcome(p)
	}
	// SSH_MSG_USERAUTH_PK_OK echoes the algorithm and key.
	r := wire.NewReader(p[1:])
	okAlg := r.Text("public key algorithm name")
	okBlob := r.String("public key blob")
	if err := r.Done("public key blob"); err != nil {
		return authFailure, malformed(p[0], err)
	}
	if okAlg != alg || !bytes.Equal(okBlob, blob) {
		return authFailure, protoErr(p[0], "PK_OK for %s, not the %s key offered", okAlg, alg)
	}

	req := a.requestHeader("publickey").Bool(true).Text(alg).String(blob)
	signed := wire.NewBuilder(nil).String(a.conn.sessionID()).Raw(req.Bytes()).Bytes()
	sig, err := s.Sign(a.random(), signed, alg)
	if err != nil {
		a.errs = append(a.errs, fmt.Errorf("sshlib: publickey %s %s: %w", alg, s.PublicKey().Type(), err))
		return authFailure, nil
	}
	if err := ctx.Err(); err != nil {
		return authFailure, err
	}
	return a.request(req.String(sig))
}

// random is the configured source of randomness, or crypto/rand.
func (a *authConn) random() io.Reader {
	if a.cfg.Rand != nil {
		return a.cfg.Rand
	}
	return rand.Reader
}
