package sshlib

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"

	"github.com/sshmatrix/sshmatrix/sshlib/internal/wire"
)

// Limits of the connection protocol. They bound what a peer can make us
// allocate: every buffer is bounded by a window we chose, and the channel
// table by maxChannels.
const (
	// channelWindow is the receive window we grant per channel (RFC 4254
	// §5.2). It is also the largest amount of unread data buffered per
	// channel. 2 MiB keeps a 100 ms round trip at ~20 MB/s.
	channelWindow = 2 << 20
	// channelMaxPacket is the largest data payload we accept in one
	// message. RFC 4253 §6.1 requires packets of 35000 bytes, so 32 KiB of
	// data always fits.
	channelMaxPacket = 32 << 10
	// maxSendData caps the data per message we send, whatever the peer's
	// maximum packet size says.
	maxSendData = 32 << 10
	// maxChannels bounds open channels, ours and the server's together.
	maxChannels = 4096
	// ctrlQueue is how many control replies may wait for the writer.
	ctrlQueue = 256
)

// errConnClosed is returned by operations on a client after Close; it
// matches ErrClosed and net.ErrClosed.
var errConnClosed = fmt.Errorf("%w (%w)", ErrClosed, net.ErrClosed)

// mux runs the connection protocol (RFC 4254) over a packetConn: it owns
// the read loop, the channel table and global requests.
//
// The read loop never blocks on the application or on writing: data goes
// into per-channel buffers bounded by the window, and the replies it must
// send (CHANNEL_CLOSE, request failures, open confirmations) go through a
// separate writer goroutine. This keeps large transfers in both directions
// from deadlocking, and keeps the loop reading while a key exchange holds
// writes back.
type mux struct {
	conn packetConn

	mu      sync.Mutex
	chans   map[uint32]*channel
	nextID  uint32
	err     error // why the connection ended; set once
	closed  chan struct{}
	forward *forwardTable

	global      replyQueue // replies to our global requests, in order
	globalSendM sync.Mutex // keeps sends and queue entries in the same order

	ctrl       chan func()
	readDone   chan struct{}
	writerDone chan struct{}
}

func newMux(conn packetConn) *mux {
	m := &mux{
		conn:       conn,
		chans:      make(map[uint32]*channel),
		closed:     make(chan struct{}),
		ctrl:       make(chan func(), ctrlQueue),
		readDone:   make(chan struct{}),
		writerDone: make(chan struct{}),
	}
	m.forward = newForwardTable(m)
	go m.readLoop()
	go m.writeLoop()
	return m
}

// shutdown records why the connection ended and wakes everything waiting
// on it. The first reason wins.
func (m *mux) shutdown(err error) {
	m.mu.Lock()
	if m.err != nil {
		m.mu.Unlock()
		return
	}
	m.err = err
	chans := make([]*channel, 0, len(m.chans))
	for _, ch := range m.chans {
		chans = append(chans, ch)
	}
	close(m.closed)
	m.mu.Unlock()
	for _, ch := range chans {
		ch.connDied(err)
	}
	m.global.fail(err)
	m.forward.closeAll()
}

// Err is why the connection ended, or nil while it is open.
func (m *mux) Err() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.err
}

// close ends the connection from our side and waits for both goroutines.
func (m *mux) close() error {
	m.shutdown(errConnClosed)
	err := m.conn.Close()
	<-m.readDone
	<-m.writerDone
	return err
}

func (m *mux) readLoop() {
	defer close(m.readDone)
	for {
		p, err := m.conn.readPacket()
		if err != nil {
			m.shutdown(err)
			m.conn.Close()
			return
		}
		if err := m.dispatch(p); err != nil {
			m.shutdown(err)
			// Tell the peer why (RFC 4253 §11.1), then close. The writer
			// does it so that a key exchange in progress cannot stall the
			// loop.
			var pe *ProtocolError
			reason := DisconnectByApplication
			if errors.As(err, &pe) {
				reason = DisconnectProtocolError
			}
			msg := wire.NewBuilder([]byte{msgDisconnect}).Uint32(uint32(reason)).Text(err.Error()).Text("").Bytes()
			m.queueCtrl(func() {
				m.conn.writePacket(msg)
				m.conn.Close()
			})
			return
		}
	}
}

// writeLoop sends the control messages that the read loop decides on. It
// ends when the connection has ended and the queue is empty.
func (m *mux) writeLoop() {
	defer close(m.writerDone)
	for {
		select {
		case f := <-m.ctrl:
			f()
		case <-m.readDone:
			for {
				select {
				case f := <-m.ctrl:
					f()
				default:
					return
				}
			}
		}
	}
}

// queueCtrl hands f to the writer. The queue is bounded: when a peer makes
// us owe more than ctrlQueue replies, the read loop waits for the writer,
// which is backpressure on the peer.
func (m *mux) queueCtrl(f func()) {
	select {
	case m.ctrl <- f:
	case <-m.writerDone:
	}
}

func (m *mux) dispatch(p []byte) error {
	if len(p) == 0 {
		return protoErr(0, "empty message")
	}
	switch p[0] {
	case msgGlobalRequest:
		return m.handleGlobalRequest(p)
	case msgRequestSuccess, msgRequestFailure:
		if !m.global.deliver(globalReply{ok: p[0] == msgRequestSuccess, payload: p[1:]}) {
			return protoErr(p[0], "reply to a global request that was not made")
		}
		return nil
	case msgChannelOpen:
		return m.handleChannelOpen(p)
	case msgChannelOpenConfirm, msgChannelOpenFailure, msgChannelWindowAdjust, msgChannelData,
		msgChannelExtendedData, msgChannelEOF, msgChannelClose, msgChannelRequest,
		msgChannelSuccess, msgChannelFailure:
		return m.handleChannelMsg(p)
	case msgUserAuthSuccess, msgUserAuthFailure, msgUserAuthBanner:
		// RFC 4252 §5.1: after success, further authentication messages
		// are ignored. A late banner is harmless.
		return nil
	}
	// RFC 4253 §11.4: answer an unrecognised message with UNIMPLEMENTED
	// and carry on. The transport numbers packets; it is the only layer
	// that knows the sequence number, so the reply it is owed is left to
	// it; here the message is dropped.
	if p[0] >= msgUserAuthRequest {
		return nil
	}
	return protoErr(p[0], "transport message reached the connection layer")
}

// handleGlobalRequest answers a server's global request (RFC 4254 §4). A
// client offers none: OpenSSH's keepalive@openssh.com expects a failure
// reply, and hostkeys-00@openssh.com wants none.
func (m *mux) handleGlobalRequest(p []byte) error {
	req, err := parseGlobalRequest(p)
	if err != nil {
		return err
	}
	if req.wantReply {
		m.queueCtrl(func() { m.conn.writePacket([]byte{msgRequestFailure}) })
	}
	return nil
}

// sendGlobalRequest sends a global request and, if wantReply, waits for the
// reply. A request abandoned by ctx keeps its queue slot so the reply,
// when it comes, is matched to it and dropped.
func (m *mux) sendGlobalRequest(ctx context.Context, name string, wantReply bool, payload []byte) (bool, []byte, error) {
	msg := (&globalRequestMsg{name: name, wantReply: wantReply, payload: payload}).marshal()
	m.globalSendM.Lock()
	var wait chan globalReply
	if wantReply {
		var err error
		if wait, err = m.global.add(); err != nil {
			m.globalSendM.Unlock()
			return false, nil, err
		}
	}
	err := m.conn.writePacket(msg)
	m.globalSendM.Unlock()
	if err != nil {
		return false, nil, m.connErr(err)
	}
	if !wantReply {
		return false, nil, nil
	}
	select {
	case r := <-wait:
		return r.ok, r.payload, r.err
	case <-ctx.Done():
		return false, nil, ctx.Err()
	}
}

// connErr prefers the reason the connection ended over a write error.
func (m *mux) connErr(err error) error {
	if e := m.Err(); e != nil {
		return e
	}
	return err
}

// lookup returns the channel with our id, or a protocol error naming it.
func (m *mux) lookup(msg byte, id uint32) (*channel, error) {
	m.mu.Lock()
	ch := m.chans[id]
	m.mu.Unlock()
	if ch == nil {
		return nil, protoErr(msg, "unknown channel %d", id)
	}
	return ch, nil
}

// newChannel allocates a channel id and registers ch. Ids are reused only
// after both sides have closed (RFC 4254 §5.3).
func (m *mux) newChannel(chanType string) (*channel, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return nil, m.err
	}
	if len(m.chans) >= maxChannels {
		return nil, fmt.Errorf("sshlib: open %s channel: %d channels already open", chanType, maxChannels)
	}
	for m.chans[m.nextID] != nil {
		m.nextID++
	}
	ch := newChannelState(m, m.nextID, chanType)
	m.chans[ch.localID] = ch
	m.nextID++
	return ch, nil
}

func (m *mux) removeChannel(id uint32) {
	m.mu.Lock()
	delete(m.chans, id)
	m.mu.Unlock()
}

// openChannel opens a channel of chanType (RFC 4254 §5.1) and waits for the
// server's answer. If ctx ends first the channel is abandoned: a late
// confirmation is answered with CHANNEL_CLOSE.
func (m *mux) openChannel(ctx context.Context, chanType string, extra []byte) (*channel, error) {
	ch, err := m.newChannel(chanType)
	if err != nil {
		return nil, err
	}
	msg := (&channelOpenMsg{chanType: chanType, sender: ch.localID, window: channelWindow,
		maxPacket: channelMaxPacket, extra: extra}).marshal()
	if err := m.conn.writePacket(msg); err != nil {
		m.removeChannel(ch.localID)
		return nil, m.connErr(err)
	}
	select {
	case <-ch.opened:
	case <-ctx.Done():
		if ch.abandon() {
			return nil, ctx.Err()
		}
		<-ch.opened
	}
	if ch.openErr != nil {
		return nil, ch.openErr
	}
	return ch, nil
}

func (m *mux) handleChannelOpen(p []byte) error {
	req, err := parseChannelOpen(p)
	if err != nil {
		return err
	}
	reject := func(reason RejectionReason, text string) {
		msg := (&channelOpenFailureMsg{recipient: req.sender, reason: reason, message: text}).marshal()
		m.queueCtrl(func() { m.conn.writePacket(msg) })
	}
	if req.maxPacket == 0 {
		reject(ConnectionFailed, "maximum packet size of 0")
		return nil
	}
	switch req.chanType {
	case "forwarded-tcpip":
		fwd, err := parseForwardedTCPIP(req.extra)
		if err != nil {
			return malformed(p[0], err)
		}
		l := m.forward.find(fwd.addr, fwd.port)
		if l == nil {
			reject(Prohibited, "no forwarding requested for that address")
			return nil
		}
		ch, err := m.newChannel(req.chanType)
		if err != nil {
			reject(ResourceShortage, "too many channels")
			return nil
		}
		ch.accepted(req.sender, req.window, req.maxPacket)
		if !l.enqueue(ch, fwd) {
			m.removeChannel(ch.localID)
			reject(ResourceShortage, "backlog full")
			return nil
		}
		msg := (&channelOpenConfirmMsg{recipient: req.sender, sender: ch.localID,
			window: channelWindow, maxPacket: channelMaxPacket}).marshal()
		m.queueCtrl(func() {
			ch.writeMu.Lock()
			m.conn.writePacket(msg)
			ch.writeMu.Unlock()
		})
	default:
		// x11, auth-agent@openssh.com and the rest: we asked for none.
		reject(UnknownChannelType, "unsupported channel type "+req.chanType)
	}
	return nil
}

func (m *mux) handleChannelMsg(p []byte) error {
	if len(p) < 5 {
		return malformed(p[0], fmt.Errorf("%w: no recipient channel", wire.ErrShort))
	}
	id := uint32(p[1])<<24 | uint32(p[2])<<16 | uint32(p[3])<<8 | uint32(p[4])
	ch, err := m.lookup(p[0], id)
	if err != nil {
		return err
	}
	return ch.handle(p)
}

// replyQueue matches replies to requests sent with want_reply. Replies
// come in request order (RFC 4254 §4, §5.4).
type replyQueue struct {
	mu      sync.Mutex
	pending []chan globalReply
	err     error
}

type globalReply struct {
	ok      bool
	payload []byte
	err     error
}

// maxPendingReplies bounds requests awaiting a reply per queue.
const maxPendingReplies = 1024

func (q *replyQueue) add() (chan globalReply, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.err != nil {
		return nil, q.err
	}
	if len(q.pending) >= maxPendingReplies {
		return nil, errors.New("sshlib: too many requests awaiting a reply")
	}
	c := make(chan globalReply, 1)
	q.pending = append(q.pending, c)
	return c, nil
}

func (q *replyQueue) deliver(r globalReply) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.pending) == 0 {
		return false
	}
	c := q.pending[0]
	q.pending = q.pending[1:]
	c <- r
	return true
}

func (q *replyQueue) fail(err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.err == nil {
		q.err = err
	}
	for _, c := range q.pending {
		c <- globalReply{err: err}
	}
	q.pending = nil
}
