package kex

import (
	"crypto"
	"encoding/binary"
	"errors"
	"io"
	"math/big"
	"testing"
)

// This file holds the test-only server side. Everything here is written
// independently of the client code (no wire package, no helpers from the
// package under test), straight from the RFC text, so that a mistake shared
// by both sides cannot hide.

var testMagics = &Magics{
	ClientVersion: []byte("SSH-2.0-sshmatrix_test"),
	ServerVersion: []byte("SSH-2.0-OpenSSH_9.9"),
	ClientKexInit: []byte("\x14client kexinit payload"),
	ServerKexInit: []byte("\x14server kexinit payload, a different one"),
}

var (
	testHostKey = []byte("\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20host-key-bytes-host-key-bytes-32")
	testSig     = []byte("\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x40signature")
)

// tString is an RFC 4251 §5 string.
func tString(b []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(b)))
	return append(out, b...)
}

// tMPInt is an RFC 4251 §5 mpint of a non-negative integer: big-endian, no
// leading zero byte unless the top bit would otherwise be set.
func tMPInt(x *big.Int) []byte {
	b := x.Bytes()
	if len(b) > 0 && b[0]&0x80 != 0 {
		b = append([]byte{0}, b...)
	}
	return tString(b)
}

func tUint32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

// tHash hashes the concatenation of parts.
func tHash(h crypto.Hash, parts ...[]byte) []byte {
	d := h.New()
	for _, p := range parts {
		d.Write(p)
	}
	return d.Sum(nil)
}

// tPrefix is V_C || V_S || I_C || I_S || K_S (RFC 4253 §8).
func tPrefix() [][]byte {
	return [][]byte{
		tString(testMagics.ClientVersion), tString(testMagics.ServerVersion),
		tString(testMagics.ClientKexInit), tString(testMagics.ServerKexInit),
		tString(testHostKey),
	}
}

// tReadString reads one string from b, failing the test on short input.
func tReadString(t testing.TB, b []byte) (s, rest []byte) {
	t.Helper()
	if len(b) < 4 || uint32(len(b)-4) < binary.BigEndian.Uint32(b) {
		t.Fatalf("test server: short string in %x", b)
	}
	n := binary.BigEndian.Uint32(b)
	return b[4 : 4+n], b[4+n:]
}

// testServer is the server half of one method, for tests.
type testServer interface {
	// handle answers one client packet with zero or more packets.
	handle(t testing.TB, msg []byte) [][]byte
	// want is the K (encoded) and H the server computed.
	want() (k, h []byte)
}

// testConn delivers client packets to a testServer and queues its replies.
type testConn struct {
	t      testing.TB
	srv    testServer
	queue  [][]byte
	writes int
	// mutate, when set, rewrites every server packet before the client reads it.
	mutate func(p []byte) []byte
}

func (c *testConn) WritePacket(p []byte) error {
	c.writes++
	c.queue = append(c.queue, c.srv.handle(c.t, append([]byte(nil), p...))...)
	return nil
}

func (c *testConn) ReadPacket() ([]byte, error) {
	if len(c.queue) == 0 {
		return nil, io.ErrUnexpectedEOF
	}
	p := c.queue[0]
	c.queue = c.queue[1:]
	if c.mutate != nil {
		p = c.mutate(p)
	}
	return p, nil
}

// runExchange starts m's client, sends First through srv and finishes.
func runExchange(t testing.TB, m *Method, srv testServer, mutate func([]byte) []byte) (*Result, error) {
	t.Helper()
	return runExchangeP(t, m, &Params{}, srv, mutate)
}

func runExchangeP(t testing.TB, m *Method, p *Params, srv testServer, mutate func([]byte) []byte) (*Result, error) {
	t.Helper()
	cl, err := m.Start(p)
	if err != nil {
		t.Fatalf("%s: Start: %v", m.Name, err)
	}
	c := &testConn{t: t, srv: srv, mutate: mutate}
	if err := c.WritePacket(cl.First()); err != nil {
		t.Fatal(err)
	}
	return cl.Finish(c, testMagics)
}

// checkKexError asserts err is a *Error for method m wrapping target.
func checkKexError(t testing.TB, m *Method, err, target error) {
	t.Helper()
	var ke *Error
	if !errors.As(err, &ke) {
		t.Fatalf("%s: error %v (%T) is not a *kex.Error", m.Name, err, err)
	}
	if ke.Method != m.Name || ke.Step == "" {
		t.Fatalf("%s: error names method %q step %q", m.Name, ke.Method, ke.Step)
	}
	if target != nil && !errors.Is(err, target) {
		t.Fatalf("%s: error %v does not wrap %v", m.Name, err, target)
	}
	if s := err.Error(); len(s) < 8 || s[:8] != "sshlib: " {
		t.Fatalf("%s: error string %q lacks the sshlib: prefix", m.Name, s)
	}
}

// replayConn returns fixed packets in order and records what the client writes.
type replayConn struct {
	pkts   [][]byte
	writes [][]byte
}

func (c *replayConn) WritePacket(p []byte) error {
	c.writes = append(c.writes, append([]byte(nil), p...))
	return nil
}

func (c *replayConn) ReadPacket() ([]byte, error) {
	if len(c.pkts) == 0 {
		return nil, io.ErrUnexpectedEOF
	}
	p := c.pkts[0]
	c.pkts = c.pkts[1:]
	return p, nil
}

// fuzzFinish feeds pkts to a fresh client of each named method: it must
// return a *Error or a complete Result, and never panic.
func fuzzFinish(t *testing.T, names []string, pkts ...[]byte) {
	fuzzFinishP(t, names, &Params{}, pkts...)
}

func fuzzFinishP(t *testing.T, names []string, params *Params, pkts ...[]byte) {
	for _, name := range names {
		m, ok := Lookup(name)
		if !ok {
			t.Fatalf("no method %s", name)
		}
		cl, err := m.Start(params)
		if err != nil {
			t.Fatal(err)
		}
		res, err := cl.Finish(&replayConn{pkts: append([][]byte(nil), pkts...)}, testMagics)
		if err != nil {
			checkKexError(t, m, err, nil)
			continue
		}
		if len(res.H) != m.Hash.Size() || len(res.K) < 4 {
			t.Fatalf("%s: accepted reply gave H %x K %x", name, res.H, res.K)
		}
	}
}

// recordReplies runs a normal exchange and returns the server's packets.
func recordReplies(t testing.TB, name string, o srvOpts) [][]byte {
	m, _ := Lookup(name)
	var pkts [][]byte
	if _, err := runExchange(t, m, newSrv(t, name, o), func(p []byte) []byte { pkts = append(pkts, p); return p }); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return pkts
}
