//go:build !sshlibfaults

package kex

import "github.com/sshmatrix/sshmatrix/sshlib/internal/wire"

// encodeHybridSecret encodes the hybrid methods' K as a string (the
// mlkem768x25519 and sntrup761x25519 drafts). faults_on.go plants the
// erlang/otp #11208 bug here for make mutants.
func encodeHybridSecret(k []byte) []byte { return wire.NewBuilder(nil).String(k).Bytes() }
