package kex

import "testing"

// Each reply parser has a fuzz target; run with e.g.
//	go test -run '^$' -fuzz FuzzECDHReply -fuzztime 20s ./sshlib/internal/kex

var ecdhNames = []string{"curve25519-sha256", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521"}

func FuzzECDHReply(f *testing.F) {
	for _, name := range ecdhNames {
		r := recordReplies(f, name, srvOpts{})[0]
		f.Add(r)
		f.Add(r[:len(r)-3])
		f.Add(append(r, 0))
	}
	f.Add([]byte{31})
	f.Add([]byte{31, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, p []byte) { fuzzFinish(t, ecdhNames, p) })
}
