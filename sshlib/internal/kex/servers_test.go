package kex

import (
	"crypto"
	"crypto/ecdh"
	"crypto/rand"
	"math/big"
	"testing"

	"golang.org/x/crypto/curve25519"
)

// srvOpts steer a test server.
type srvOpts struct {
	// zeroSecret loops over server keys until the classical shared secret
	// (X25519 output, ECDH x-coordinate, DH K) starts with a zero byte.
	zeroSecret bool
	// zeroK loops until the hybrid K (a hash output) starts with a zero byte.
	zeroK bool
	// pub, when set, replaces the server's public value on the wire.
	pub []byte
}

// serverSpecs names, for every method, the independent server side and the
// hash the method's specification prescribes. A row in Methods without an
// entry here fails TestRegistry.
var serverSpecs = map[string]struct {
	hash crypto.Hash
	new  func(o srvOpts) testServer
}{
	"curve25519-sha256":                    {crypto.SHA256, func(o srvOpts) testServer { return &x25519Server{hash: crypto.SHA256, o: o} }},
	"curve25519-sha256@libssh.org":         {crypto.SHA256, func(o srvOpts) testServer { return &x25519Server{hash: crypto.SHA256, o: o} }},
	"ecdh-sha2-nistp256":                   {crypto.SHA256, func(o srvOpts) testServer { return &nistServer{curve: ecdh.P256(), hash: crypto.SHA256, o: o} }},
	"ecdh-sha2-nistp384":                   {crypto.SHA384, func(o srvOpts) testServer { return &nistServer{curve: ecdh.P384(), hash: crypto.SHA384, o: o} }},
	"ecdh-sha2-nistp521":                   {crypto.SHA512, func(o srvOpts) testServer { return &nistServer{curve: ecdh.P521(), hash: crypto.SHA512, o: o} }},
	"diffie-hellman-group1-sha1":           {crypto.SHA1, func(o srvOpts) testServer { return newDHServer(crypto.SHA1, 1024, o) }},
	"diffie-hellman-group14-sha1":          {crypto.SHA1, func(o srvOpts) testServer { return newDHServer(crypto.SHA1, 2048, o) }},
	"diffie-hellman-group14-sha256":        {crypto.SHA256, func(o srvOpts) testServer { return newDHServer(crypto.SHA256, 2048, o) }},
	"diffie-hellman-group16-sha512":        {crypto.SHA512, func(o srvOpts) testServer { return newDHServer(crypto.SHA512, 4096, o) }},
	"diffie-hellman-group18-sha512":        {crypto.SHA512, func(o srvOpts) testServer { return newDHServer(crypto.SHA512, 8192, o) }},
	"diffie-hellman-group-exchange-sha1":   {crypto.SHA1, func(o srvOpts) testServer { return newGexServer(crypto.SHA1, o) }},
	"diffie-hellman-group-exchange-sha256": {crypto.SHA256, func(o srvOpts) testServer { return newGexServer(crypto.SHA256, o) }},
	"mlkem768x25519-sha256": {crypto.SHA256, func(o srvOpts) testServer {
		return &hybridServer{hash: crypto.SHA256, pkLen: 1184, encap: mlkemEncap, o: o}
	}},
	"mlkem768nistp256-sha256": {crypto.SHA256, func(o srvOpts) testServer {
		return &hybridServer{hash: crypto.SHA256, pkLen: 1184, encap: mlkemEncap, p256: true, o: o}
	}},
	"sntrup761x25519-sha512": {crypto.SHA512, func(o srvOpts) testServer {
		return &hybridServer{hash: crypto.SHA512, pkLen: 1158, encap: sntrupEncap, o: o}
	}},
	"sntrup761x25519-sha512@openssh.com": {crypto.SHA512, func(o srvOpts) testServer {
		return &hybridServer{hash: crypto.SHA512, pkLen: 1158, encap: sntrupEncap, o: o}
	}},
}

// newSrv returns the test server for a method, failing the test if there is none.
func newSrv(t testing.TB, name string, o srvOpts) testServer {
	t.Helper()
	spec, ok := serverSpecs[name]
	if !ok {
		t.Fatalf("no test server for %s", name)
	}
	return spec.new(o)
}

// ecdhReply is SSH_MSG_KEX_ECDH_REPLY (RFC 5656 §4).
func ecdhReply(qs []byte) []byte {
	p := []byte{31}
	p = append(p, tString(testHostKey)...)
	p = append(p, tString(qs)...)
	return append(p, tString(testSig)...)
}

// readInit parses SSH_MSG_KEX_ECDH_INIT: byte 30, string Q_C.
func readInit(t testing.TB, msg []byte) []byte {
	t.Helper()
	if len(msg) == 0 || msg[0] != 30 {
		t.Fatalf("test server: want message 30, got %x", msg)
	}
	qc, rest := tReadString(t, msg[1:])
	if len(rest) != 0 {
		t.Fatalf("test server: %d trailing bytes after Q_C", len(rest))
	}
	return qc
}

// x25519Server is the server of RFC 8731 §3, over x/crypto/curve25519.
type x25519Server struct {
	hash crypto.Hash
	o    srvOpts
	z    []byte // the raw X25519 output
	k, h []byte
}

func (s *x25519Server) handle(t testing.TB, msg []byte) [][]byte {
	qc := readInit(t, msg)
	var qs []byte
	for {
		sk := make([]byte, 32)
		rand.Read(sk)
		var err error
		qs, err = curve25519.X25519(sk, curve25519.Basepoint)
		if err != nil {
			t.Fatal(err)
		}
		s.z, err = curve25519.X25519(sk, qc)
		if err != nil {
			t.Fatalf("test server: X25519: %v", err)
		}
		if !s.o.zeroSecret || s.z[0] == 0 {
			break
		}
	}
	if s.o.pub != nil {
		qs = s.o.pub
	}
	// RFC 8731 §3.1: K is the X25519 output as an mpint.
	s.k = tMPInt(new(big.Int).SetBytes(s.z))
	s.h = tHash(s.hash, append(tPrefix(), tString(qc), tString(qs), s.k)...)
	return [][]byte{ecdhReply(qs)}
}

func (s *x25519Server) want() ([]byte, []byte) { return s.k, s.h }

// nistServer is the server of RFC 5656 §4.
type nistServer struct {
	curve ecdh.Curve
	hash  crypto.Hash
	o     srvOpts
	z     []byte // the x-coordinate, fixed length
	k, h  []byte
}

func (s *nistServer) handle(t testing.TB, msg []byte) [][]byte {
	qc := readInit(t, msg)
	pc, err := s.curve.NewPublicKey(qc)
	if err != nil {
		t.Fatalf("test server: client point: %v", err)
	}
	var qs []byte
	for {
		sk, err := s.curve.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		qs = sk.PublicKey().Bytes()
		if s.z, err = sk.ECDH(pc); err != nil {
			t.Fatal(err)
		}
		if !s.o.zeroSecret || s.z[0] == 0 {
			break
		}
	}
	if s.o.pub != nil {
		qs = s.o.pub
	}
	// RFC 5656 §4: K is the x-coordinate of the shared point, as an mpint.
	s.k = tMPInt(new(big.Int).SetBytes(s.z))
	s.h = tHash(s.hash, append(tPrefix(), tString(qc), tString(qs), s.k)...)
	return [][]byte{ecdhReply(qs)}
}

func (s *nistServer) want() ([]byte, []byte) { return s.k, s.h }
