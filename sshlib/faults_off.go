//go:build !sshlibfaults

package sshlib

import "crypto"

// Without the sshlibfaults build tag (every normal build) the fault hooks
// are identities that the compiler inlines away. See faults_on.go.

func faultKDFHash(h crypto.Hash, mac string) crypto.Hash { return h }

func faultExtensionInput(soFar []byte, hashSize int) []byte { return soFar }
