package sshlib

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// channel is one RFC 4254 channel. Incoming data is buffered up to the
// window we granted; outgoing data waits for the peer's window.
//
// Locks: writeMu serialises this channel's outgoing messages, so nothing is
// sent after our CHANNEL_EOF or CHANNEL_CLOSE; mu guards the rest. Nothing
// blocks while holding mu.
type channel struct {
	m        *mux
	localID  uint32
	chanType string

	// opened is closed when the open is settled; then remoteID, openErr
	// and the peer's window are set.
	opened   chan struct{}
	openErr  error
	remoteID uint32

	writeMu   sync.Mutex
	sentEOF   bool
	sentClose bool
	wbuf      []byte // outgoing data message, reused (sendData)

	mu        sync.Mutex
	cond      *sync.Cond
	settled   bool // the open was answered
	abandoned bool // the opener gave up waiting
	remoteWin uint32
	maxPacket uint32 // peer's maximum, capped by maxSendData
	stdout    byteQueue
	stderr    byteQueue
	localWin  uint32 // bytes the peer may still send
	consumed  uint32 // bytes read, not yet returned by WINDOW_ADJUST
	gotEOF    bool
	gotClose  bool
	closed    bool  // Close was called
	err       error // the connection's end
	rdl, wdl  deadline
	onRequest func(*channelRequestMsg) bool // runs in the read loop; must not block
	replies   replyQueue
}

func newChannelState(m *mux, id uint32, chanType string) *channel {
	ch := &channel{m: m, localID: id, chanType: chanType, opened: make(chan struct{}), localWin: channelWindow}
	ch.cond = sync.NewCond(&ch.mu)
	return ch
}

// accepted settles a channel the peer opened.
func (ch *channel) accepted(remoteID, window, maxPacket uint32) {
	ch.mu.Lock()
	ch.remoteID, ch.remoteWin, ch.maxPacket = remoteID, window, min(maxPacket, maxSendData)
	ch.settled = true
	ch.mu.Unlock()
	close(ch.opened)
}

// abandon is called when the opener stops waiting. It reports false if
// the answer had already arrived, in which case the caller takes it.
func (ch *channel) abandon() bool {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if ch.settled {
		return false
	}
	ch.abandoned = true
	return true
}

func (ch *channel) connDied(err error) {
	ch.mu.Lock()
	ch.err = err
	if !ch.settled {
		ch.settled = true
		ch.openErr = err
		close(ch.opened)
	}
	ch.cond.Broadcast()
	ch.mu.Unlock()
	ch.replies.fail(err)
}

// handle processes one message for this channel in the read loop.
func (ch *channel) handle(p []byte) error {
	switch p[0] {
	case msgChannelOpenConfirm:
		msg, err := parseChannelOpenConfirm(p)
		if err != nil {
			return err
		}
		ch.mu.Lock()
		if ch.settled {
			ch.mu.Unlock()
			return protoErr(p[0], "channel %d is not being opened", ch.localID)
		}
		if msg.maxPacket == 0 {
			ch.mu.Unlock()
			return protoErr(p[0], "channel %d: maximum packet size of 0", ch.localID)
		}
		ch.settled = true
		ch.remoteID, ch.remoteWin, ch.maxPacket = msg.sender, msg.window, min(msg.maxPacket, maxSendData)
		abandoned := ch.abandoned
		ch.mu.Unlock()
		close(ch.opened)
		if abandoned {
			ch.m.queueCtrl(func() { ch.sendClose() })
		}
		return nil
	case msgChannelOpenFailure:
		msg, err := parseChannelOpenFailure(p)
		if err != nil {
			return err
		}
		ch.mu.Lock()
		if ch.settled {
			ch.mu.Unlock()
			return protoErr(p[0], "channel %d is not being opened", ch.localID)
		}
		ch.settled = true
		ch.openErr = &OpenChannelError{ChannelType: ch.chanType, Reason: msg.reason, Message: msg.message}
		ch.mu.Unlock()
		ch.m.removeChannel(ch.localID)
		close(ch.opened)
		return nil
	}

	ch.mu.Lock()
	settled, gotClose := ch.settled && ch.openErr == nil, ch.gotClose
	ch.mu.Unlock()
	if !settled {
		return protoErr(p[0], "channel %d is not open", ch.localID)
	}
	if gotClose {
		return protoErr(p[0], "channel %d: message after CHANNEL_CLOSE", ch.localID)
	}

	switch p[0] {
	case msgChannelData, msgChannelExtendedData:
		msg, err := parseChannelData(p)
		if err != nil {
			return err
		}
		return ch.handleData(p, msg)
	case msgChannelWindowAdjust:
		_, n, err := parseChannelUint32(p)
		if err != nil {
			return err
		}
		ch.mu.Lock()
		defer ch.mu.Unlock()
		// RFC 4254 §5.2: the window must not exceed 2^32 - 1 bytes.
		if uint64(ch.remoteWin)+uint64(n) > 1<<32-1 {
			return protoErr(p[0], "channel %d: window grows beyond 2^32-1", ch.localID)
		}
		ch.remoteWin += n
		ch.cond.Broadcast()
		return nil
	case msgChannelEOF:
		if _, _, err := parseChannelUint32(p); err != nil {
			return err
		}
		ch.mu.Lock()
		ch.gotEOF = true
		ch.cond.Broadcast()
		ch.mu.Unlock()
		return nil
	case msgChannelClose:
		if _, _, err := parseChannelUint32(p); err != nil {
			return err
		}
		ch.mu.Lock()
		ch.gotClose = true
		ch.cond.Broadcast()
		ch.mu.Unlock()
		ch.replies.fail(io.EOF)
		// RFC 4254 §5.3: answer with CHANNEL_CLOSE unless already sent;
		// the id is free once both have been sent.
		ch.m.queueCtrl(func() {
			ch.sendClose()
			ch.m.removeChannel(ch.localID)
		})
		return nil
	case msgChannelRequest:
		msg, err := parseChannelRequest(p)
		if err != nil {
			return err
		}
		ok := false
		ch.mu.Lock()
		hook := ch.onRequest
		ch.mu.Unlock()
		if hook != nil {
			ok = hook(msg)
		}
		if msg.wantReply {
			reply := byte(msgChannelFailure)
			if ok {
				reply = msgChannelSuccess
			}
			ch.m.queueCtrl(func() { ch.send(channelMsg(reply, ch.remoteID), false) })
		}
		return nil
	case msgChannelSuccess, msgChannelFailure:
		if _, _, err := parseChannelUint32(p); err != nil {
			return err
		}
		if !ch.replies.deliver(globalReply{ok: p[0] == msgChannelSuccess}) {
			return protoErr(p[0], "channel %d: reply to a request that was not made", ch.localID)
		}
		return nil
	}
	return protoErr(p[0], "unexpected")
}

// handleData buffers incoming data (RFC 4254 §5.2). Data beyond the
// window or larger than our maximum packet is a protocol violation; it is
// never buffered, so a peer cannot make us hold more than the window.
//
// p is the whole message, which msg.data is part of: the queue keeps it
// so that the buffer can be recycled once the data has been read.
func (ch *channel) handleData(p []byte, msg *channelDataMsg) error {
	msgNum := p[0]
	n := uint32(len(msg.data))
	if n > channelMaxPacket {
		return protoErr(msgNum, "channel %d: %d bytes of data, more than the maximum packet size %d", ch.localID, n, channelMaxPacket)
	}
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if n > ch.localWin {
		return protoErr(msgNum, "channel %d: %d bytes of data, window is %d", ch.localID, n, ch.localWin)
	}
	if ch.gotEOF {
		return protoErr(msgNum, "channel %d: data after CHANNEL_EOF", ch.localID)
	}
	ch.localWin -= n
	switch {
	case ch.closed:
		// Nobody will read it; give the window back so the peer can
		// finish sending.
		ch.consumed += n
	case !msg.extended:
		ch.stdout.push(msg.data, p)
	case msg.code == 1: // SSH_EXTENDED_DATA_STDERR, RFC 4254 §5.2
		ch.stderr.push(msg.data, p)
	default:
		ch.consumed += n
	}
	ch.cond.Broadcast()
	return nil
}

// read reads buffered data: stdout, or stderr if ext. It returns io.EOF
// after the peer's EOF or CLOSE once the buffer is empty.
func (ch *channel) read(p []byte, ext bool) (int, error) {
	ch.mu.Lock()
	q := &ch.stdout
	if ext {
		q = &ch.stderr
	}
	for {
		if q.len() > 0 {
			if len(p) == 0 {
				ch.mu.Unlock()
				return 0, nil
			}
			n := q.read(p)
			ch.consumed += uint32(n)
			adj := ch.windowAdjustLocked()
			ch.mu.Unlock()
			if adj > 0 {
				ch.send(windowAdjustMsg(ch.remoteID, adj), false)
			}
			return n, nil
		}
		switch {
		case ch.gotEOF || ch.gotClose:
			ch.mu.Unlock()
			return 0, io.EOF
		case ch.err != nil:
			err := ch.err
			ch.mu.Unlock()
			return 0, err
		case ch.closed:
			ch.mu.Unlock()
			return 0, fmt.Errorf("sshlib: read from closed %s channel: %w", ch.chanType, errClosedChannel)
		case ch.rdl.expired:
			ch.mu.Unlock()
			return 0, os.ErrDeadlineExceeded
		}
		ch.cond.Wait()
	}
}

// windowAdjustLocked decides whether to return consumed bytes to the peer:
// once half the window has been read, so that small reads cost few
// messages and the peer rarely stalls.
func (ch *channel) windowAdjustLocked() uint32 {
	if ch.consumed < channelWindow/2 || ch.gotClose || ch.gotEOF {
		return 0
	}
	n := ch.consumed
	ch.consumed = 0
	ch.localWin += n
	return n
}

var errClosedChannel = errors.New("use of closed channel")

// write sends p as data (or extended data of type code), split by the
// peer's window and maximum packet size.
func (ch *channel) write(p []byte, ext bool, code uint32) (int, error) {
	sent := 0
	for len(p) > 0 {
		ch.mu.Lock()
		for ch.remoteWin == 0 && ch.err == nil && !ch.gotClose && !ch.closed && !ch.wdl.expired {
			ch.cond.Wait()
		}
		switch {
		case ch.err != nil:
			err := ch.err
			ch.mu.Unlock()
			return sent, err
		case ch.closed:
			ch.mu.Unlock()
			return sent, fmt.Errorf("sshlib: write to closed %s channel: %w", ch.chanType, errClosedChannel)
		case ch.gotClose:
			ch.mu.Unlock()
			return sent, io.EOF
		case ch.wdl.expired:
			ch.mu.Unlock()
			return sent, os.ErrDeadlineExceeded
		}
		k := min(uint32(len(p)), ch.remoteWin, ch.maxPacket)
		ch.remoteWin -= k
		ch.mu.Unlock()

		if err := ch.sendData(ext, code, p[:k]); err != nil {
			return sent, err
		}
		sent += int(k)
		p = p[k:]
	}
	return sent, nil
}

// send writes one message for this channel unless our CHANNEL_CLOSE (or,
// for data, CHANNEL_EOF) has been sent.
func (ch *channel) send(msg []byte, data bool) error {
	ch.writeMu.Lock()
	defer ch.writeMu.Unlock()
	if ch.sentClose || (data && ch.sentEOF) {
		return io.EOF
	}
	if err := ch.m.conn.writePacket(msg); err != nil {
		return ch.m.connErr(err)
	}
	return nil
}

// sendData sends one CHANNEL_DATA or CHANNEL_EXTENDED_DATA message
// (RFC 4254 §5.2) built in the channel's reusable buffer: writePacket
// does not keep the slice, and writeMu keeps the buffer to one writer.
// Building a fresh message per packet cost an allocation of up to 32 KiB,
// which at bulk rates made the garbage collector a large share of the
// client's CPU time.
func (ch *channel) sendData(ext bool, code uint32, data []byte) error {
	ch.writeMu.Lock()
	defer ch.writeMu.Unlock()
	if ch.sentClose || ch.sentEOF {
		return io.EOF
	}
	ch.wbuf = appendChannelDataHeader(ch.wbuf[:0], ch.remoteID, ext, code, len(data))
	ch.wbuf = append(ch.wbuf, data...)
	if err := ch.m.conn.writePacket(ch.wbuf); err != nil {
		return ch.m.connErr(err)
	}
	return nil
}

// closeWrite sends CHANNEL_EOF (RFC 4254 §5.3).
func (ch *channel) closeWrite() error {
	ch.writeMu.Lock()
	defer ch.writeMu.Unlock()
	if ch.sentEOF || ch.sentClose {
		return nil
	}
	ch.sentEOF = true
	if err := ch.m.conn.writePacket(channelMsg(msgChannelEOF, ch.remoteID)); err != nil {
		return ch.m.connErr(err)
	}
	return nil
}

// sendClose sends CHANNEL_CLOSE once.
func (ch *channel) sendClose() error {
	ch.writeMu.Lock()
	defer ch.writeMu.Unlock()
	if ch.sentClose {
		return nil
	}
	ch.sentClose = true
	if err := ch.m.conn.writePacket(channelMsg(msgChannelClose, ch.remoteID)); err != nil {
		return ch.m.connErr(err)
	}
	return nil
}

// close sends CHANNEL_CLOSE and wakes blocked readers and writers. The
// channel id is freed when the peer's CLOSE arrives.
func (ch *channel) close() error {
	ch.mu.Lock()
	if ch.closed {
		ch.mu.Unlock()
		return nil
	}
	ch.closed = true
	// Unread data will never be read; the peer's window no longer matters.
	ch.stdout.reset()
	ch.stderr.reset()
	ch.rdl.stop()
	ch.wdl.stop()
	connErr := ch.err
	ch.cond.Broadcast()
	ch.mu.Unlock()
	if connErr != nil {
		return nil
	}
	return ch.sendClose()
}

// request sends a channel request (RFC 4254 §5.4) and, if wantReply,
// waits for CHANNEL_SUCCESS or CHANNEL_FAILURE.
func (ch *channel) request(ctx context.Context, name string, wantReply bool, payload []byte) (bool, error) {
	msg := (&channelRequestMsg{recipient: ch.remoteID, name: name, wantReply: wantReply, payload: payload}).marshal()
	ch.writeMu.Lock()
	if ch.sentClose {
		ch.writeMu.Unlock()
		return false, fmt.Errorf("sshlib: %s request on closed channel: %w", name, errClosedChannel)
	}
	var wait chan globalReply
	if wantReply {
		var err error
		if wait, err = ch.replies.add(); err != nil {
			ch.writeMu.Unlock()
			return false, err
		}
	}
	err := ch.m.conn.writePacket(msg)
	ch.writeMu.Unlock()
	if err != nil {
		return false, ch.m.connErr(err)
	}
	if !wantReply {
		return false, nil
	}
	select {
	case r := <-wait:
		if r.err == io.EOF {
			return false, fmt.Errorf("sshlib: %s request: channel closed by the server", name)
		}
		return r.ok, r.err
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

// deadline is a read or write deadline on a channel; when it passes, the
// channel's waiters are woken.
type deadline struct {
	timer   *time.Timer
	expired bool
	gen     uint64
}

// set is called with ch.mu held.
func (d *deadline) set(ch *channel, t time.Time) {
	d.stop()
	d.gen++
	d.expired = false
	if t.IsZero() {
		return
	}
	dur := time.Until(t)
	if dur <= 0 {
		d.expired = true
		ch.cond.Broadcast()
		return
	}
	gen := d.gen
	d.timer = time.AfterFunc(dur, func() {
		ch.mu.Lock()
		if d.gen == gen {
			d.expired = true
			ch.cond.Broadcast()
		}
		ch.mu.Unlock()
	})
}

func (d *deadline) stop() {
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
}

// byteQueue is a FIFO of received data. Its size is bounded by the
// channel window. Each chunk remembers the message it came in, whose buffer
// goes back to the transport's pool (putRxBuf) once the chunk is read.
type byteQueue struct {
	bufs []queued // bufs[head:] are unread
	head int
	n    int
}

type queued struct {
	data []byte // unread part, a slice of msg
	msg  []byte // the whole received message
}

func (q *byteQueue) push(b, msg []byte) {
	if len(b) == 0 {
		putRxBuf(msg)
		return
	}
	q.bufs = append(q.bufs, queued{data: b, msg: msg})
	q.n += len(b)
}

func (q *byteQueue) len() int { return q.n }

func (q *byteQueue) read(p []byte) int {
	n := 0
	for len(p) > 0 && q.head < len(q.bufs) {
		e := &q.bufs[q.head]
		k := copy(p, e.data)
		n += k
		p = p[k:]
		if k == len(e.data) {
			putRxBuf(e.msg)
			*e = queued{}
			q.head++
		} else {
			e.data = e.data[k:]
		}
	}
	if q.head == len(q.bufs) {
		// Drained: start again at the front of the same array.
		q.bufs, q.head = q.bufs[:0], 0
	}
	q.n -= n
	return n
}

func (q *byteQueue) reset() {
	for _, e := range q.bufs[q.head:] {
		putRxBuf(e.msg)
	}
	q.bufs, q.head, q.n = nil, 0, 0
}
