package sshlib

import "fmt"

// Message numbers (RFC 4250 §4.1, RFC 4419 §5, RFC 8308 §2.3).
const (
	msgDisconnect     = 1
	msgIgnore         = 2
	msgUnimplemented  = 3
	msgDebug          = 4
	msgServiceRequest = 5
	msgServiceAccept  = 6
	msgExtInfo        = 7
	msgKexInit        = 20
	msgNewKeys        = 21
	// 30..49 are kex-method specific (handled by internal/kex).
	msgKexFirst = 30
	msgKexLast  = 49

	msgUserAuthRequest = 50
	msgUserAuthFailure = 51
	msgUserAuthSuccess = 52
	msgUserAuthBanner  = 53
	// 60..79 are auth-method specific (PK_OK, PASSWD_CHANGEREQ, INFO_REQUEST/RESPONSE).
	msgUserAuth60 = 60
	msgUserAuth61 = 61

	msgGlobalRequest       = 80
	msgRequestSuccess      = 81
	msgRequestFailure      = 82
	msgChannelOpen         = 90
	msgChannelOpenConfirm  = 91
	msgChannelOpenFailure  = 92
	msgChannelWindowAdjust = 93
	msgChannelData         = 94
	msgChannelExtendedData = 95
	msgChannelEOF          = 96
	msgChannelClose        = 97
	msgChannelRequest      = 98
	msgChannelSuccess      = 99
	msgChannelFailure      = 100
)

// DisconnectReason is the reason code of SSH_MSG_DISCONNECT (RFC 4250 §4.2.2).
type DisconnectReason uint32

const (
	DisconnectHostNotAllowedToConnect     DisconnectReason = 1
	DisconnectProtocolError               DisconnectReason = 2
	DisconnectKeyExchangeFailed           DisconnectReason = 3
	DisconnectReserved                    DisconnectReason = 4
	DisconnectMACError                    DisconnectReason = 5
	DisconnectCompressionError            DisconnectReason = 6
	DisconnectServiceNotAvailable         DisconnectReason = 7
	DisconnectProtocolVersionNotSupported DisconnectReason = 8
	DisconnectHostKeyNotVerifiable        DisconnectReason = 9
	DisconnectConnectionLost              DisconnectReason = 10
	DisconnectByApplication               DisconnectReason = 11
	DisconnectTooManyConnections          DisconnectReason = 12
	DisconnectAuthCancelledByUser         DisconnectReason = 13
	DisconnectNoMoreAuthMethodsAvailable  DisconnectReason = 14
	DisconnectIllegalUserName             DisconnectReason = 15
)

var disconnectNames = map[DisconnectReason]string{
	1: "host not allowed to connect", 2: "protocol error", 3: "key exchange failed",
	4: "reserved", 5: "MAC error", 6: "compression error", 7: "service not available",
	8: "protocol version not supported", 9: "host key not verifiable", 10: "connection lost",
	11: "by application", 12: "too many connections", 13: "auth cancelled by user",
	14: "no more auth methods available", 15: "illegal user name",
}

func (r DisconnectReason) String() string {
	if s, ok := disconnectNames[r]; ok {
		return s
	}
	return fmt.Sprintf("reason %d", uint32(r))
}
