package sshlib

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/sshmatrix/sshmatrix/sshlib/internal/wire"
)

// pktQueue is an unbounded in-memory packet queue, one direction of a fake
// connection.
type pktQueue struct {
	mu     sync.Mutex
	cond   *sync.Cond
	pkts   [][]byte
	closed bool
}

func newPktQueue() *pktQueue {
	q := &pktQueue{}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func (q *pktQueue) put(p []byte) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return io.ErrClosedPipe
	}
	q.pkts = append(q.pkts, append([]byte(nil), p...))
	q.cond.Broadcast()
	return nil
}

func (q *pktQueue) get() ([]byte, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.pkts) == 0 && !q.closed {
		q.cond.Wait()
	}
	if len(q.pkts) == 0 {
		return nil, io.EOF
	}
	p := q.pkts[0]
	q.pkts = q.pkts[1:]
	return p, nil
}

func (q *pktQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.cond.Broadcast()
	q.mu.Unlock()
}

var errFakeClosed = errors.New("sshlib: fake connection closed")

// fakeTransport is the client end of an in-memory connection. It
// implements clientTransport; the test drives the other end.
type fakeTransport struct {
	toServer, toClient *pktQueue
	sigAlgs            []string
	hasSigAlgs         bool
	authDone           bool
	rekeys             int
	once               sync.Once
}

func newFakePair() (*fakeTransport, *fakeServer) {
	t := &fakeTransport{toServer: newPktQueue(), toClient: newPktQueue()}
	return t, &fakeServer{t: t}
}

func (f *fakeTransport) writePacket(p []byte) error { return f.toServer.put(p) }
func (f *fakeTransport) readPacket() ([]byte, error) {
	p, err := f.toClient.get()
	if err != nil {
		return nil, errFakeClosed
	}
	return p, nil
}
func (f *fakeTransport) sessionID() []byte               { return []byte("fake session id") }
func (f *fakeTransport) serverSigAlgs() ([]string, bool) { return f.sigAlgs, f.hasSigAlgs }
func (f *fakeTransport) authenticated()                  { f.authDone = true }
func (f *fakeTransport) negotiated() Negotiated          { return Negotiated{KeyExchange: "fake"} }
func (f *fakeTransport) requestKeyChange() error         { f.rekeys++; return nil }
func (f *fakeTransport) Close() error {
	f.once.Do(func() { f.toServer.close(); f.toClient.close() })
	return nil
}

// fakeServer is the test's end of a fake connection.
type fakeServer struct{ t *fakeTransport }

func (s *fakeServer) send(p []byte) { s.t.toClient.put(p) }

// recv returns the next message from the client, failing the test after
// a few seconds.
func (s *fakeServer) recv(t testing.TB) []byte {
	t.Helper()
	type res struct {
		p   []byte
		err error
	}
	c := make(chan res, 1)
	go func() { p, err := s.t.toServer.get(); c <- res{p, err} }()
	select {
	case r := <-c:
		if r.err != nil {
			t.Fatalf("fake server: read: %v", r.err)
		}
		return r.p
	case <-time.After(5 * time.Second):
		t.Fatalf("fake server: no message from the client")
	}
	return nil
}

// expect reads the next message and checks its number.
func (s *fakeServer) expect(t testing.TB, msg byte) []byte {
	t.Helper()
	p := s.recv(t)
	if len(p) == 0 || p[0] != msg {
		t.Fatalf("fake server: got %v, want %s", describe(p), msgName(msg))
	}
	return p
}

func describe(p []byte) string {
	if len(p) == 0 {
		return "empty message"
	}
	return fmt.Sprintf("%s (%d bytes)", msgName(p[0]), len(p))
}

// newFakeClient returns a Client over a fake transport, skipping the
// handshake and authentication.
func newFakeClient(t testing.TB, cfg *ClientConfig) (*Client, *fakeServer) {
	ft, srv := newFakePair()
	if cfg == nil {
		cfg = &ClientConfig{User: "u"}
	}
	c := newClient(ft, nil, cfg)
	t.Cleanup(func() { c.Close() })
	return c, srv
}

// acceptOpen answers the client's CHANNEL_OPEN of chanType and returns the
// client's channel id.
func (s *fakeServer) acceptOpen(t testing.TB, chanType string, serverID, window, maxPacket uint32) uint32 {
	t.Helper()
	p := s.expect(t, msgChannelOpen)
	m, err := parseChannelOpen(p)
	if err != nil {
		t.Fatal(err)
	}
	if m.chanType != chanType {
		t.Fatalf("open %q, want %q", m.chanType, chanType)
	}
	s.send((&channelOpenConfirmMsg{recipient: m.sender, sender: serverID, window: window, maxPacket: maxPacket}).marshal())
	return m.sender
}

// expectRequest reads a CHANNEL_REQUEST named name and answers it if it
// wants a reply.
func (s *fakeServer) expectRequest(t testing.TB, clientID uint32, name string, ok bool) *channelRequestMsg {
	t.Helper()
	p := s.expect(t, msgChannelRequest)
	m, err := parseChannelRequest(p)
	if err != nil {
		t.Fatal(err)
	}
	if m.name != name {
		t.Fatalf("request %q, want %q", m.name, name)
	}
	if m.wantReply {
		reply := byte(msgChannelFailure)
		if ok {
			reply = msgChannelSuccess
		}
		s.send(channelMsg(reply, clientID))
	}
	return m
}

func dataMsg(recipient uint32, data []byte) []byte {
	return wire.NewBuilder([]byte{msgChannelData}).Uint32(recipient).String(data).Bytes()
}

func extDataMsg(recipient, code uint32, data []byte) []byte {
	return wire.NewBuilder([]byte{msgChannelExtendedData}).Uint32(recipient).Uint32(code).String(data).Bytes()
}

func exitStatusMsg(recipient, status uint32) []byte {
	return (&channelRequestMsg{recipient: recipient, name: "exit-status",
		payload: wire.NewBuilder(nil).Uint32(status).Bytes()}).marshal()
}
