package sshlib

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sshmatrix/sshmatrix/sshlib/internal/wire"
)

// splitMessages cuts fuzz input into messages: each is a one-byte length
// (0..255) and that many bytes.
func splitMessages(b []byte) [][]byte {
	var msgs [][]byte
	for len(b) > 0 {
		n := int(b[0])
		b = b[1:]
		n = min(n, len(b))
		msgs = append(msgs, b[:n])
		b = b[n:]
	}
	return msgs
}

func joinMessages(msgs ...[]byte) []byte {
	var b []byte
	for _, m := range msgs {
		b = append(b, byte(len(m)))
		b = append(b, m...)
	}
	return b
}

// FuzzConnMessages feeds arbitrary server messages to the connection layer
// with one open session (server id 9, client id 0). Nothing may panic; any
// error must be a *ProtocolError or the fake's end.
func FuzzConnMessages(f *testing.F) {
	f.Add(joinMessages(dataMsg(0, []byte("hi")), exitStatusMsg(0, 1), channelMsg(msgChannelEOF, 0), channelMsg(msgChannelClose, 0)))
	f.Add(joinMessages(windowAdjustMsg(0, 100), extDataMsg(0, 1, []byte("e"))))
	f.Add(joinMessages((&globalRequestMsg{name: "keepalive@openssh.com", wantReply: true}).marshal()))
	f.Add(joinMessages((&channelOpenMsg{chanType: "forwarded-tcpip", sender: 1, window: 10, maxPacket: 10,
		extra: wire.NewBuilder(nil).Text("127.0.0.1").Uint32(1).Text("1.2.3.4").Uint32(2).Bytes()}).marshal()))
	f.Add(joinMessages((&channelRequestMsg{recipient: 0, name: "exit-signal",
		payload: wire.NewBuilder(nil).Text("KILL").Bool(false).Text("").Text("").Bytes()}).marshal()))
	f.Add(joinMessages([]byte{msgRequestSuccess}, []byte{msgChannelSuccess, 0, 0, 0, 0}))
	f.Fuzz(func(t *testing.T, in []byte) {
		ft, srv := newFakePair()
		c := newClient(ft, nil, &ClientConfig{})
		defer c.Close()
		ch, err := c.mux.newChannel("session")
		if err != nil {
			t.Fatal(err)
		}
		ch.accepted(9, 1<<20, 1<<15)
		s := &Session{ch: ch}
		ch.onRequest = s.handleRequest
		c.mux.forward.add("127.0.0.1", 1)
		for _, m := range splitMessages(in) {
			srv.send(m)
		}
		// The input runs out: the fake then reports its end.
		ft.toClient.close()
		werr := make(chan error, 1)
		go func() { werr <- c.Wait() }()
		select {
		case err = <-werr:
		case <-time.After(10 * time.Second):
			t.Fatal("connection does not end")
		}
		var pe *ProtocolError
		if !errors.As(err, &pe) && err.Error() != errFakeClosed.Error() {
			t.Fatalf("connection ended with %T %v", err, err)
		}
	})
}

// FuzzAuthMessages feeds arbitrary server replies to authentication with
// every method configured. Nothing may panic or hang; the outcome is
// success or an error.
func FuzzAuthMessages(f *testing.F) {
	ok := []byte{msgUserAuthSuccess}
	fail := wire.NewBuilder([]byte{msgUserAuthFailure}).NameList([]string{"publickey", "password", "keyboard-interactive"}).Bool(false).Bytes()
	partial := wire.NewBuilder([]byte{msgUserAuthFailure}).NameList([]string{"keyboard-interactive"}).Bool(true).Bytes()
	info := wire.NewBuilder([]byte{msgUserAuth60}).Text("n").Text("i").Text("").Uint32(1).Text("p").Bool(false).Bytes()
	banner := wire.NewBuilder([]byte{msgUserAuthBanner}).Text("hello").Text("").Bytes()
	accept := wire.NewBuilder([]byte{msgServiceAccept}).Text("ssh-userauth").Bytes()
	f.Add(joinMessages(accept, ok))
	f.Add(joinMessages(accept, banner, fail, fail, partial, info, ok))
	f.Add(joinMessages(accept, fail, []byte{msgUserAuth60, 0, 0, 0, 1, 'x', 0, 0, 0, 0}))
	f.Add(joinMessages(accept, fail, wire.NewBuilder([]byte{msgUserAuth60}).Text("prompt").Text("").Bytes()))
	_, ed := testSigners(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		ft, srv := newFakePair()
		defer ft.Close()
		cfg := &ClientConfig{User: "u", Auth: []AuthMethod{
			PublicKeys(ed),
			Password("pw"),
			KeyboardInteractive(func(_, _ string, q []string, _ []bool) ([]string, error) { return make([]string, len(q)), nil }),
		}}
		for _, m := range splitMessages(in) {
			srv.send(m)
		}
		// The input runs out: the fake then reports its end.
		ft.toClient.close()
		done := make(chan error, 1)
		go func() { done <- authenticate(context.Background(), ft, cfg) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("authentication hangs")
		}
	})
}
