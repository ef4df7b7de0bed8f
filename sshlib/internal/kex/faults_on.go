//go:build sshlibfaults

package kex

import (
	"os"

	"github.com/sshmatrix/sshmatrix/sshlib/internal/wire"
)

// encodeHybridSecret with SSHLIB_FAULT=hybrid-mpint encodes K as an mpint,
// as erlang/otp #11208 did: right for most secrets, wrong when the digest
// starts with a zero byte or its top bit is set (about half the connections
// here, since the mpint also gains a sign byte).
func encodeHybridSecret(k []byte) []byte {
	if os.Getenv("SSHLIB_FAULT") == "hybrid-mpint" {
		return wire.AppendMPIntBytes(nil, k)
	}
	return wire.NewBuilder(nil).String(k).Bytes()
}
