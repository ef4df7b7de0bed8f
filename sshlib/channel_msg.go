package sshlib

import (
	"errors"
	"fmt"

	"github.com/sshmatrix/sshmatrix/sshlib/internal/wire"
)

// Connection-protocol messages (RFC 4254), each with a hand-written parser
// over internal/wire that rejects short and trailing bytes. The payloads
// handed in start with the message number.

// ErrProtocol is wrapped by every error for a message that breaks the
// connection or authentication protocol: a malformed message, one that
// names an unknown channel, data beyond the window.
var ErrProtocol = errors.New("protocol violation")

// ProtocolError is a peer message that the connection or authentication
// layer cannot accept. It ends the connection.
// ProtocolError is defined in errors.go; the connection layer fills Detail.

func protoErr(msg byte, format string, args ...any) *ProtocolError {
	return &ProtocolError{Where: msgName(msg), Msg: msg, Detail: fmt.Sprintf(format, args...), Err: ErrProtocol}
}

// malformed wraps a parse failure of message msg.
func malformed(msg byte, err error) *ProtocolError {
	return &ProtocolError{Where: msgName(msg), Msg: msg, Detail: "malformed: " + err.Error(), Err: errors.Join(ErrProtocol, err)}
}

var connMsgNames = map[byte]string{
	msgServiceRequest: "SERVICE_REQUEST", msgServiceAccept: "SERVICE_ACCEPT",
	msgUserAuthRequest: "USERAUTH_REQUEST", msgUserAuthFailure: "USERAUTH_FAILURE",
	msgUserAuthSuccess: "USERAUTH_SUCCESS", msgUserAuthBanner: "USERAUTH_BANNER",
	msgUserAuth60: "USERAUTH message 60", msgUserAuth61: "USERAUTH message 61",
	msgGlobalRequest: "GLOBAL_REQUEST", msgRequestSuccess: "REQUEST_SUCCESS",
	msgRequestFailure: "REQUEST_FAILURE", msgChannelOpen: "CHANNEL_OPEN",
	msgChannelOpenConfirm: "CHANNEL_OPEN_CONFIRMATION", msgChannelOpenFailure: "CHANNEL_OPEN_FAILURE",
	msgChannelWindowAdjust: "CHANNEL_WINDOW_ADJUST", msgChannelData: "CHANNEL_DATA",
	msgChannelExtendedData: "CHANNEL_EXTENDED_DATA", msgChannelEOF: "CHANNEL_EOF",
	msgChannelClose: "CHANNEL_CLOSE", msgChannelRequest: "CHANNEL_REQUEST",
	msgChannelSuccess: "CHANNEL_SUCCESS", msgChannelFailure: "CHANNEL_FAILURE",
}

func msgName(m byte) string {
	if s, ok := connMsgNames[m]; ok {
		return "SSH_MSG_" + s
	}
	return fmt.Sprintf("message %d", m)
}

// channelOpenMsg is SSH_MSG_CHANNEL_OPEN (RFC 4254 §5.1).
type channelOpenMsg struct {
	chanType  string
	sender    uint32
	window    uint32
	maxPacket uint32
	extra     []byte // channel-type specific data
}

func (m *channelOpenMsg) marshal() []byte {
	b := wire.NewBuilder([]byte{msgChannelOpen})
	b.Text(m.chanType).Uint32(m.sender).Uint32(m.window).Uint32(m.maxPacket).Raw(m.extra)
	return b.Bytes()
}

func parseChannelOpen(p []byte) (*channelOpenMsg, error) {
	r := wire.NewReader(p[1:])
	m := &channelOpenMsg{
		chanType:  r.Text("channel type"),
		sender:    r.Uint32("sender channel"),
		window:    r.Uint32("initial window size"),
		maxPacket: r.Uint32("maximum packet size"),
	}
	m.extra = r.Rest()
	if err := r.Err(); err != nil {
		return nil, malformed(p[0], err)
	}
	return m, nil
}

// channelOpenConfirmMsg is SSH_MSG_CHANNEL_OPEN_CONFIRMATION (RFC 4254 §5.1).
type channelOpenConfirmMsg struct {
	recipient uint32
	sender    uint32
	window    uint32
	maxPacket uint32
	extra     []byte
}

func (m *channelOpenConfirmMsg) marshal() []byte {
	return wire.NewBuilder([]byte{msgChannelOpenConfirm}).Uint32(m.recipient).Uint32(m.sender).
		Uint32(m.window).Uint32(m.maxPacket).Raw(m.extra).Bytes()
}

func parseChannelOpenConfirm(p []byte) (*channelOpenConfirmMsg, error) {
	r := wire.NewReader(p[1:])
	m := &channelOpenConfirmMsg{
		recipient: r.Uint32("recipient channel"),
		sender:    r.Uint32("sender channel"),
		window:    r.Uint32("initial window size"),
		maxPacket: r.Uint32("maximum packet size"),
	}
	m.extra = r.Rest()
	if err := r.Err(); err != nil {
		return nil, malformed(p[0], err)
	}
	return m, nil
}

// channelOpenFailureMsg is SSH_MSG_CHANNEL_OPEN_FAILURE (RFC 4254 §5.1).
type channelOpenFailureMsg struct {
	recipient uint32
	reason    RejectionReason
	message   string
	lang      string
}

func (m *channelOpenFailureMsg) marshal() []byte {
	return wire.NewBuilder([]byte{msgChannelOpenFailure}).Uint32(m.recipient).Uint32(uint32(m.reason)).
		Text(m.message).Text(m.lang).Bytes()
}

func parseChannelOpenFailure(p []byte) (*channelOpenFailureMsg, error) {
	r := wire.NewReader(p[1:])
	m := &channelOpenFailureMsg{
		recipient: r.Uint32("recipient channel"),
		reason:    RejectionReason(r.Uint32("reason code")),
		message:   r.Text("description"),
		lang:      r.Text("language tag"),
	}
	if err := r.Done("language tag"); err != nil {
		return nil, malformed(p[0], err)
	}
	return m, nil
}

// channelRequestMsg is SSH_MSG_CHANNEL_REQUEST (RFC 4254 §5.4).
type channelRequestMsg struct {
	recipient uint32
	name      string
	wantReply bool
	payload   []byte
}

func (m *channelRequestMsg) marshal() []byte {
	return wire.NewBuilder([]byte{msgChannelRequest}).Uint32(m.recipient).Text(m.name).
		Bool(m.wantReply).Raw(m.payload).Bytes()
}

func parseChannelRequest(p []byte) (*channelRequestMsg, error) {
	r := wire.NewReader(p[1:])
	m := &channelRequestMsg{
		recipient: r.Uint32("recipient channel"),
		name:      r.Text("request type"),
		wantReply: r.Bool("want reply"),
	}
	m.payload = r.Rest()
	if err := r.Err(); err != nil {
		return nil, malformed(p[0], err)
	}
	return m, nil
}

// globalRequestMsg is SSH_MSG_GLOBAL_REQUEST (RFC 4254 §4).
type globalRequestMsg struct {
	name      string
	wantReply bool
	payload   []byte
}

func (m *globalRequestMsg) marshal() []byte {
	return wire.NewBuilder([]byte{msgGlobalRequest}).Text(m.name).Bool(m.wantReply).Raw(m.payload).Bytes()
}

func parseGlobalRequest(p []byte) (*globalRequestMsg, error) {
	r := wire.NewReader(p[1:])
	m := &globalRequestMsg{name: r.Text("request name"), wantReply: r.Bool("want reply")}
	m.payload = r.Rest()
	if err := r.Err(); err != nil {
		return nil, malformed(p[0], err)
	}
	return m, nil
}

// channelDataMsg is SSH_MSG_CHANNEL_DATA or SSH_MSG_CHANNEL_EXTENDED_DATA
// (RFC 4254 §5.2); code is the data type code of the extended form.
type channelDataMsg struct {
	recipient uint32
	extended  bool
	code      uint32
	data      []byte
}

func parseChannelData(p []byte) (*channelDataMsg, error) {
	r := wire.NewReader(p[1:])
	m := &channelDataMsg{recipient: r.Uint32("recipient channel"), extended: p[0] == msgChannelExtendedData}
	if m.extended {
		m.code = r.Uint32("data type code")
	}
	m.data = r.String("data")
	if err := r.Done("data"); err != nil {
		return nil, malformed(p[0], err)
	}
	return m, nil
}

func appendChannelDataHeader(b []byte, recipient uint32, extended bool, code uint32, n int) []byte {
	if extended {
		b = append(b, msgChannelExtendedData)
		return wire.NewBuilder(b).Uint32(recipient).Uint32(code).Uint32(uint32(n)).Bytes()
	}
	b = append(b, msgChannelData)
	return wire.NewBuilder(b).Uint32(recipient).Uint32(uint32(n)).Bytes()
}

// parseChannelUint32 parses messages that hold a recipient channel and at
// most one more uint32: WINDOW_ADJUST (bytes to add), EOF, CLOSE, SUCCESS,
// FAILURE (RFC 4254 §5.2, §5.3, §5.4).
func parseChannelUint32(p []byte) (recipient, v uint32, err error) {
	r := wire.NewReader(p[1:])
	recipient = r.Uint32("recipient channel")
	if p[0] == msgChannelWindowAdjust {
		v = r.Uint32("bytes to add")
	}
	if err := r.Done("recipient channel"); err != nil {
		return 0, 0, malformed(p[0], err)
	}
	return recipient, v, nil
}

func channelMsg(msg byte, recipient uint32) []byte {
	return wire.NewBuilder([]byte{msg}).Uint32(recipient).Bytes()
}

func windowAdjustMsg(recipient, n uint32) []byte {
	return wire.NewBuilder([]byte{msgChannelWindowAdjust}).Uint32(recipient).Uint32(n).Bytes()
}

// RejectionReason is the reason code of SSH_MSG_CHANNEL_OPEN_FAILURE
// (RFC 4254 §5.1, RFC 4250 §4.3).
type RejectionReason uint32

const (
	Prohibited         RejectionReason = 1 // SSH_OPEN_ADMINISTRATIVELY_PROHIBITED
	ConnectionFailed   RejectionReason = 2 // SSH_OPEN_CONNECT_FAILED
	UnknownChannelType RejectionReason = 3 // SSH_OPEN_UNKNOWN_CHANNEL_TYPE
	ResourceShortage   RejectionReason = 4 // SSH_OPEN_RESOURCE_SHORTAGE
)

func (r RejectionReason) String() string {
	switch r {
	case Prohibited:
		return "administratively prohibited"
	case ConnectionFailed:
		return "connect failed"
	case UnknownChannelType:
		return "unknown channel type"
	case ResourceShortage:
		return "resource shortage"
	}
	return fmt.Sprintf("reason %d", uint32(r))
}

// OpenChannelError is the server's refusal of a channel we asked to open.
type OpenChannelError struct {
	ChannelType string
	Reason      RejectionReason
	Message     string
}

func (e *OpenChannelError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("sshlib: open %s channel: %v", e.ChannelType, e.Reason)
	}
	return fmt.Sprintf("sshlib: open %s channel: %v: %q", e.ChannelType, e.Reason, e.Message)
}
