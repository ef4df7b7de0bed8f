package sshlib

import (
	"testing"
)

// exampleTB lets the in-process test server run outside a test, for the
// runnable examples.
type exampleTB struct {
	testing.TB
	cleanups []func()
}

func (e *exampleTB) Helper()                   {}
func (e *exampleTB) Fatal(args ...any)         { panic(args) }
func (e *exampleTB) Fatalf(f string, a ...any) { panic(f) }
func (e *exampleTB) Cleanup(f func())          { e.cleanups = append(e.cleanups, f) }

// StartExampleServer starts golang.org/x/crypto/ssh's server on loopback
// for the examples: user "alice", password "pw". It returns the address,
// the host key and a stop function.
func StartExampleServer() (addr string, hostKey PublicKey, stop func()) {
	tb := &exampleTB{}
	srv := newXServer(tb, serverConfig(nil, nil))
	return srv.addr, srv.hostPublicKey(), func() {
		for i := len(tb.cleanups) - 1; i >= 0; i-- {
			tb.cleanups[i]()
		}
	}
}
