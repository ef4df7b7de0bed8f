package sshlib

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sshmatrix/sshmatrix/sshlib/internal/wire"
)

// openFakeSession opens a session on c with the fake server accepting it
// as channel serverID; it returns the session and the client's channel id.
func openFakeSession(t *testing.T, c *Client, srv *fakeServer, window, maxPacket uint32) (*Session, uint32) {
	t.Helper()
	type res struct {
		s   *Session
		err error
	}
	done := make(chan res, 1)
	go func() {
		s, err := c.NewSession(context.Background())
		done <- res{s, err}
	}()
	id := srv.acceptOpen(t, "session", 9, window, maxPacket)
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.s, id
}

func TestFakeSessionOutput(t *testing.T) {
	c, srv := newFakeClient(t, nil)
	s, id := openFakeSession(t, c, srv, 1<<20, 32768)
	type res struct {
		out []byte
		err error
	}
	done := make(chan res, 1)
	go func() {
		out, err := s.CombinedOutput(context.Background(), "echo hi")
		done <- res{out, err}
	}()
	req := srv.expectRequest(t, id, "exec", true)
	if cmd := wire.NewReader(req.payload).Text("command"); cmd != "echo hi" {
		t.Fatalf("command %q", cmd)
	}
	srv.expect(t, msgChannelEOF) // no Stdin: EOF at once
	srv.send(dataMsg(id, []byte("hi\n")))
	srv.send(extDataMsg(id, 1, []byte("oops\n")))
	srv.send(exitStatusMsg(id, 0))
	srv.send(channelMsg(msgChannelEOF, id))
	srv.send(channelMsg(msgChannelClose, id))
	srv.expect(t, msgChannelClose)
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	// The two streams are copied concurrently; only each one's order holds.
	if out := string(r.out); out != "hi\noops\n" && out != "oops\nhi\n" {
		t.Fatalf("output %q", r.out)
	}
}

func TestFakeExitErrors(t *testing.T) {
	cases := []struct {
		name  string
		msg   func(id uint32) []byte
		check func(t *testing.T, err error)
	}{
		{"status", func(id uint32) []byte { return exitStatusMsg(id, 3) }, func(t *testing.T, err error) {
			var ee *ExitError
			if !errors.As(err, &ee) || ee.Status != 3 || ee.Signal != "" {
				t.Fatalf("got %v, want exit status 3", err)
			}
		}},
		{"signal", func(id uint32) []byte {
			return (&channelRequestMsg{recipient: id, name: "exit-signal",
				payload: wire.NewBuilder(nil).Text("TERM").Bool(true).Text("bye").Text("").Bytes()}).marshal()
		}, func(t *testing.T, err error) {
			var ee *ExitError
			if !errors.As(err, &ee) || ee.Signal != "TERM" || !ee.CoreDumped || ee.Message != "bye" {
				t.Fatalf("got %v, want signal TERM", err)
			}
		}},
		{"missing", func(id uint32) []byte { return nil }, func(t *testing.T, err error) {
			var ee *ExitMissingError
			if !errors.As(err, &ee) {
				t.Fatalf("got %v, want *ExitMissingError", err)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, srv := newFakeClient(t, nil)
			s, id := openFakeSession(t, c, srv, 1<<20, 32768)
			done := make(chan error, 1)
			go func() { done <- s.Run(context.Background(), "x") }()
			srv.expectRequest(t, id, "exec", true)
			srv.expect(t, msgChannelEOF)
			if m := tc.msg(id); m != nil {
				srv.send(m)
			}
			srv.send(channelMsg(msgChannelClose, id))
			tc.check(t, <-done)
		})
	}
}

// TestFakeSendFlowControl checks that the client never sends more than the
// server's window or maximum packet size (RFC 4254 §5.2).
func TestFakeSendFlowControl(t *testing.T) {
	c, srv := newFakeClient(t, nil)
	const window, maxPacket = 1000, 100
	s, id := openFakeSession(t, c, srv, window, maxPacket)
	w, err := s.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		if err := s.Start(context.Background(), "cat"); err != nil {
			t.Error(err)
		}
	}()
	srv.expectRequest(t, id, "exec", true)
	payload := bytes.Repeat([]byte("0123456789abcdef"), 1000)
	werr := make(chan error, 1)
	go func() {
		_, err := w.Write(payload)
		w.Close()
		werr <- err
	}()
	var got []byte
	avail := uint32(window)
	for len(got) < len(payload) {
		p := srv.recv(t)
		if p[0] != msgChannelData {
			t.Fatalf("got %s", describe(p))
		}
		m, err := parseChannelData(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.data) > maxPacket || uint32(len(m.data)) > avail {
			t.Fatalf("sent %d bytes with window %d, max packet %d", len(m.data), avail, maxPacket)
		}
		avail -= uint32(len(m.data))
		got = append(got, m.data...)
		if avail == 0 {
			srv.send(windowAdjustMsg(id, window))
			avail = window
		}
	}
	if !bytes.Equal(got, payload) {
		t.Fatal("data differs")
	}
	if err := <-werr; err != nil {
		t.Fatal(err)
	}
	srv.expect(t, msgChannelEOF)
}

// TestFakeReceiveWindow checks that reading returns the window to the
// server and that the server can send far more than one window.
func TestFakeReceiveWindow(t *testing.T) {
	c, srv := newFakeClient(t, nil)
	s, id := openFakeSession(t, c, srv, 1<<20, 32768)
	r, _ := s.StdoutPipe()
	go s.Start(context.Background(), "x")
	srv.expectRequest(t, id, "exec", true)
	srv.expect(t, msgChannelEOF)
	const total = 3 * channelWindow
	readDone := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(r)
		readDone <- b
	}()
	window := uint32(channelWindow)
	chunk := bytes.Repeat([]byte{'x'}, channelMaxPacket)
	sent := 0
	for sent < total {
		for window >= channelMaxPacket && sent < total {
			srv.send(dataMsg(id, chunk))
			window -= channelMaxPacket
			sent += channelMaxPacket
		}
		if sent >= total {
			break
		}
		p := srv.expect(t, msgChannelWindowAdjust)
		_, n, err := parseChannelUint32(p)
		if err != nil {
			t.Fatal(err)
		}
		window += n
	}
	srv.send(channelMsg(msgChannelEOF, id))
	if b := <-readDone; len(b) != total {
		t.Fatalf("read %d bytes, want %d", len(b), total)
	}
}

// TestFakeFaults injects messages that break the protocol. Each must end
// the connection with a *ProtocolError, send DISCONNECT, and never panic.
func TestFakeFaults(t *testing.T) {
	big := make([]byte, channelMaxPacket+1)
	cases := []struct {
		name string
		send func(srv *fakeServer, id uint32)
	}{
		{"data beyond window", func(srv *fakeServer, id uint32) {
			chunk := make([]byte, channelMaxPacket)
			for i := 0; i < channelWindow/channelMaxPacket; i++ {
				srv.send(dataMsg(id, chunk))
			}
			srv.send(dataMsg(id, []byte{1}))
		}},
		{"oversized packet", func(srv *fakeServer, id uint32) { srv.send(dataMsg(id, big)) }},
		{"unknown channel", func(srv *fakeServer, id uint32) { srv.send(dataMsg(id+1000, []byte("x"))) }},
		{"truncated data", func(srv *fakeServer, id uint32) {
			srv.send(wire.NewBuilder([]byte{msgChannelData}).Uint32(id).Uint32(100).Raw([]byte("short")).Bytes())
		}},
		{"trailing bytes", func(srv *fakeServer, id uint32) {
			srv.send(append(channelMsg(msgChannelEOF, id), 0))
		}},
		{"no channel id", func(srv *fakeServer, id uint32) { srv.send([]byte{msgChannelClose, 0}) }},
		{"window overflow", func(srv *fakeServer, id uint32) {
			srv.send(windowAdjustMsg(id, 0xffffffff))
		}},
		{"second confirmation", func(srv *fakeServer, id uint32) {
			srv.send((&channelOpenConfirmMsg{recipient: id, sender: 1, window: 1, maxPacket: 1}).marshal())
		}},
		{"unsolicited channel reply", func(srv *fakeServer, id uint32) { srv.send(channelMsg(msgChannelSuccess, id)) }},
		{"unsolicited global reply", func(srv *fakeServer, id uint32) { srv.send([]byte{msgRequestSuccess}) }},
		{"data after eof", func(srv *fakeServer, id uint32) {
			srv.send(channelMsg(msgChannelEOF, id))
			srv.send(dataMsg(id, []byte("x")))
		}},
		{"message after close", func(srv *fakeServer, id uint32) {
			srv.send(channelMsg(msgChannelClose, id))
			srv.send(channelMsg(msgChannelEOF, id))
		}},
		{"empty message", func(srv *fakeServer, id uint32) { srv.send([]byte{}) }},
		{"transport message", func(srv *fakeServer, id uint32) { srv.send([]byte{msgKexInit}) }},
		{"malformed global request", func(srv *fakeServer, id uint32) { srv.send([]byte{msgGlobalRequest, 0, 0}) }},
		{"malformed channel open", func(srv *fakeServer, id uint32) {
			srv.send(wire.NewBuilder([]byte{msgChannelOpen}).Text("forwarded-tcpip").Uint32(1).Bytes())
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, srv := newFakeClient(t, nil)
			s, id := openFakeSession(t, c, srv, 1<<20, 32768)
			tc.send(srv, id)
			werr := make(chan error, 1)
			go func() { werr <- c.Wait() }()
			var err error
			select {
			case err = <-werr:
			case <-time.After(5 * time.Second):
				t.Fatal("connection did not end")
			}
			var pe *ProtocolError
			if !errors.As(err, &pe) || !errors.Is(err, ErrProtocol) {
				t.Fatalf("got %T %v, want *ProtocolError", err, err)
			}
			if !strings.HasPrefix(err.Error(), "sshlib: ") {
				t.Errorf("error %q lacks the sshlib prefix", err)
			}
			// The server is told why, after any replies already owed.
			for {
				p := srv.recv(t)
				if p[0] != msgDisconnect {
					continue
				}
				r := wire.NewReader(p[1:])
				if reason := DisconnectReason(r.Uint32("reason")); reason != DisconnectProtocolError {
					t.Errorf("disconnect reason %v", reason)
				}
				break
			}
			// Reads end (buffered data first), and nothing new can start.
			io.ReadAll(channelReader{s.ch, false})
			if _, err := c.NewSession(context.Background()); !errors.As(err, &pe) {
				t.Errorf("NewSession on a dead connection: %v", err)
			}
		})
	}
}

func TestFakeGlobalRequests(t *testing.T) {
	c, srv := newFakeClient(t, nil)
	// A server's keepalive wants a failure reply.
	srv.send((&globalRequestMsg{name: "keepalive@openssh.com", wantReply: true}).marshal())
	srv.expect(t, msgRequestFailure)
	// hostkeys-00@openssh.com wants none; nothing must come back.
	srv.send((&globalRequestMsg{name: "hostkeys-00@openssh.com", payload: wire.NewBuilder(nil).String([]byte("k")).Bytes()}).marshal())

	done := make(chan error, 1)
	go func() { done <- c.SendKeepAlive(context.Background()) }()
	p := srv.expect(t, msgGlobalRequest)
	m, err := parseGlobalRequest(p)
	if err != nil || m.name != "keepalive@openssh.com" || !m.wantReply {
		t.Fatalf("keepalive request %+v %v", m, err)
	}
	srv.send([]byte{msgRequestFailure})
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// Channel opens we did not ask for are refused.
	srv.send((&channelOpenMsg{chanType: "x11", sender: 5, window: 100, maxPacket: 100}).marshal())
	p = srv.expect(t, msgChannelOpenFailure)
	f, err := parseChannelOpenFailure(p)
	if err != nil || f.recipient != 5 || f.reason != UnknownChannelType {
		t.Fatalf("open failure %+v %v", f, err)
	}
}

func TestFakeOpenFailure(t *testing.T) {
	c, srv := newFakeClient(t, nil)
	done := make(chan error, 1)
	go func() { _, err := c.NewSession(context.Background()); done <- err }()
	m, _ := parseChannelOpen(srv.expect(t, msgChannelOpen))
	srv.send((&channelOpenFailureMsg{recipient: m.sender, reason: Prohibited, message: "no"}).marshal())
	var oe *OpenChannelError
	if err := <-done; !errors.As(err, &oe) || oe.Reason != Prohibited || oe.ChannelType != "session" {
		t.Fatalf("got %v", err)
	}
}

// TestFakeOpenCancelled: an open abandoned by its context is closed when
// the late confirmation arrives.
func TestFakeOpenCancelled(t *testing.T) {
	c, srv := newFakeClient(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.NewSession(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
	m, _ := parseChannelOpen(srv.expect(t, msgChannelOpen))
	srv.send((&channelOpenConfirmMsg{recipient: m.sender, sender: 77, window: 10, maxPacket: 10}).marshal())
	p := srv.expect(t, msgChannelClose)
	if r, _, _ := parseChannelUint32(p); r != 77 {
		t.Fatalf("closed channel %d", r)
	}
}

func TestFakeForwarding(t *testing.T) {
	c, srv := newFakeClient(t, nil)
	// Remote forwarding: port 0, the server chooses 4321.
	lres := make(chan net.Listener, 1)
	go func() {
		l, err := c.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Error(err)
		}
		lres <- l
	}()
	m, _ := parseGlobalRequest(srv.expect(t, msgGlobalRequest))
	if m.name != "tcpip-forward" {
		t.Fatalf("request %q", m.name)
	}
	srv.send(wire.NewBuilder([]byte{msgRequestSuccess}).Uint32(4321).Bytes())
	l := <-lres
	if l == nil {
		t.FailNow()
	}
	if got := l.Addr().String(); got != "127.0.0.1:4321" {
		t.Fatalf("listener address %s", got)
	}
	extra := wire.NewBuilder(nil).Text("127.0.0.1").Uint32(4321).Text("10.0.0.1").Uint32(5555).Bytes()
	srv.send((&channelOpenMsg{chanType: "forwarded-tcpip", sender: 3, window: 1 << 16, maxPacket: 1 << 15, extra: extra}).marshal())
	conf, err := parseChannelOpenConfirm(srv.expect(t, msgChannelOpenConfirm))
	if err != nil || conf.recipient != 3 {
		t.Fatalf("confirm %+v %v", conf, err)
	}
	conn, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	if conn.RemoteAddr().String() != "10.0.0.1:5555" {
		t.Fatalf("remote %s", conn.RemoteAddr())
	}
	srv.send(dataMsg(conf.sender, []byte("ping")))
	buf := make([]byte, 4)
	if _, err := io.ReadFull(conn, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("read %q %v", buf, err)
	}
	// A connection for a port nobody listens on is refused.
	extra = wire.NewBuilder(nil).Text("127.0.0.1").Uint32(9).Text("10.0.0.1").Uint32(5555).Bytes()
	srv.send((&channelOpenMsg{chanType: "forwarded-tcpip", sender: 4, window: 1 << 16, maxPacket: 1 << 15, extra: extra}).marshal())
	if f, _ := parseChannelOpenFailure(srv.expect(t, msgChannelOpenFailure)); f == nil || f.recipient != 4 {
		t.Fatalf("refusal %+v", f)
	}
	l.Close()
	m, _ = parseGlobalRequest(srv.expect(t, msgGlobalRequest))
	if m.name != "cancel-tcpip-forward" {
		t.Fatalf("request %q", m.name)
	}

	// Local forwarding.
	dres := make(chan net.Conn, 1)
	go func() {
		conn, err := c.DialContext(context.Background(), "tcp", "db.internal:5432")
		if err != nil {
			t.Error(err)
		}
		dres <- conn
	}()
	om, _ := parseChannelOpen(srv.expect(t, msgChannelOpen))
	r := wire.NewReader(om.extra)
	if om.chanType != "direct-tcpip" || r.Text("host") != "db.internal" || r.Uint32("port") != 5432 {
		t.Fatalf("open %+v", om)
	}
	srv.send((&channelOpenConfirmMsg{recipient: om.sender, sender: 12, window: 1 << 16, maxPacket: 1 << 15}).marshal())
	dc := <-dres
	if dc == nil {
		t.FailNow()
	}
	// Deadlines work on forwarded connections.
	dc.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	if _, err := dc.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read past the deadline: %v", err)
	}
}

// TestFakeCloseUnblocks: Close wakes every blocked call and leaves no
// goroutine behind.
func TestFakeCloseUnblocks(t *testing.T) {
	before := runtime.NumGoroutine()
	ft, srv := newFakePair()
	c := newClient(ft, nil, &ClientConfig{KeepAliveInterval: time.Hour})
	s, id := openFakeSession(t, c, srv, 1<<20, 32768)
	r, _ := s.StdoutPipe()
	w, _ := s.StdinPipe()
	go s.Start(context.Background(), "x")
	srv.expectRequest(t, id, "exec", true)
	errs := make(chan error, 4)
	go func() { _, err := r.Read(make([]byte, 10)); errs <- err }()
	go func() { _, err := w.Write(make([]byte, 2<<20)); errs <- err }() // beyond the window
	go func() { _, err := c.NewSession(context.Background()); errs <- err }()
	go func() { errs <- c.SendKeepAlive(context.Background()) }()
	time.Sleep(50 * time.Millisecond)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		select {
		case err := <-errs:
			if err == nil {
				t.Error("a blocked call returned no error after Close")
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Close did not unblock a call")
		}
	}
	checkGoroutines(t, before)
}

// checkGoroutines waits for the goroutine count to fall back to before.
func checkGoroutines(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			t.Fatalf("%d goroutines left, %d before:\n%s", runtime.NumGoroutine(), before, buf[:n])
		}
		time.Sleep(10 * time.Millisecond)
	}
}
