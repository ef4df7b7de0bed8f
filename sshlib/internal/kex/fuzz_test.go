package kex

import (
	"crypto"
	"testing"
)

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

var dhNames = []string{"diffie-hellman-group1-sha1", "diffie-hellman-group14-sha256"}

func FuzzKexDHReply(f *testing.F) {
	for _, name := range dhNames {
		r := recordReplies(f, name, srvOpts{})[0]
		f.Add(r)
		f.Add(r[:len(r)/2])
		f.Add(append(r, 0))
	}
	f.Add([]byte{31, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, p []byte) { fuzzFinish(t, dhNames, p) })
}

// The GEX targets use a 1024-bit group so that the safe-prime check of each
// input stays cheap.
var (
	gexNames  = []string{"diffie-hellman-group-exchange-sha1", "diffie-hellman-group-exchange-sha256"}
	gexParams = &Params{GexMin: 1024, GexPreferred: 1024, GexMax: 2048}
)

func gexGroup1024() []byte {
	p := append([]byte{31}, tMPInt(tModp()[1024])...)
	return append(p, 0, 0, 0, 1, 2)
}

func FuzzGexGroup(f *testing.F) {
	g := gexGroup1024()
	f.Add(g)
	f.Add(g[:len(g)-1])
	f.Add(append(g, 0))
	f.Add(append(append([]byte{31}, tMPInt(tModp()[2048])...), 0, 0, 0, 1, 5))
	f.Add([]byte{31, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, p []byte) { fuzzFinishP(t, gexNames, gexParams, p) })
}

func FuzzGexReply(f *testing.F) {
	srv := newGexServer(crypto.SHA256, srvOpts{})
	srv.p = tModp()[1024]
	m, _ := Lookup(gexNames[1])
	var pkts [][]byte
	if _, err := runExchangeP(f, m, gexParams, srv, func(p []byte) []byte { pkts = append(pkts, p); return p }); err != nil {
		f.Fatal(err)
	}
	r := pkts[1]
	f.Add(r)
	f.Add(r[:len(r)-1])
	f.Add(append(r, 0))
	f.Add([]byte{33})
	g := gexGroup1024()
	f.Fuzz(func(t *testing.T, p []byte) { fuzzFinishP(t, gexNames, gexParams, g, p) })
}

var hybridNames = []string{"mlkem768x25519-sha256", "mlkem768nistp256-sha256", "sntrup761x25519-sha512"}

func FuzzHybridReply(f *testing.F) {
	for _, name := range hybridNames {
		r := recordReplies(f, name, srvOpts{})[0]
		f.Add(r)
		f.Add(r[:len(r)-1])
		f.Add(append(r, 0))
	}
	f.Add([]byte{31, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, p []byte) { fuzzFinish(t, hybridNames, p) })
}
