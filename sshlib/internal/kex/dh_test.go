package kex

import (
	"crypto"
	"crypto/rand"
	"math/big"
	"testing"
)

// TestModpGroups checks the package's group constants against the RFC
// formula and that each is a safe prime with generator 2.
func TestModpGroups(t *testing.T) {
	for bits, grp := range map[int]*dhGroup{1024: group1, 2048: group14, 4096: group16, 8192: group18} {
		if grp.p.Cmp(tModp()[bits]) != 0 {
			t.Errorf("%d-bit group differs from the RFC 3526/2409 formula", bits)
		}
		if grp.g.Cmp(big.NewInt(2)) != 0 {
			t.Errorf("%d-bit group: generator %v", bits, grp.g)
		}
	}
	if testing.Short() {
		return
	}
	for _, bits := range []int{1024, 2048, 3072} { // 4096 and 8192 take seconds
		p := tModp()[bits]
		if !p.ProbablyPrime(0) || !new(big.Int).Rsh(p, 1).ProbablyPrime(0) {
			t.Errorf("%d-bit MODP prime is not a safe prime: the formula's k is wrong", bits)
		}
	}
}

// TestDHBadF sends f = 0, 1, p-1, p, p+1 and a negative f.
func TestDHBadF(t *testing.T) {
	for i := range Methods {
		m := &Methods[i]
		srv, ok := newSrv(t, m.Name, srvOpts{}).(*dhServer)
		if !ok {
			continue
		}
		t.Run(m.Name, func(t *testing.T) {
			p := srv.p
			bad := map[string][]byte{
				"0":   tMPInt(big.NewInt(0)),
				"1":   tMPInt(big.NewInt(1)),
				"p-1": tMPInt(new(big.Int).Sub(p, big.NewInt(1))),
				"p":   tMPInt(p),
				"p+1": tMPInt(new(big.Int).Add(p, big.NewInt(1))),
				"-2":  tString([]byte{0xfe}),
			}
			for what, f := range bad {
				_, err := runExchange(t, m, newSrv(t, m.Name, srvOpts{pub: f}), nil)
				if err == nil {
					t.Fatalf("f = %s accepted", what)
				}
				checkKexError(t, m, err, ErrPeerValue)
			}
			// A non-minimal mpint is a format error, not a value error.
			_, err := runExchange(t, m, newSrv(t, m.Name, srvOpts{pub: tString([]byte{0, 2})}), nil)
			checkKexError(t, m, err, nil)
		})
	}
}

// TestGexBadGroup offers groups the client must refuse.
func TestGexBadGroup(t *testing.T) {
	m, _ := Lookup("diffie-hellman-group-exchange-sha256")
	p2048 := tModp()[2048]
	smallPrime, err := rand.Prime(rand.Reader, 1024) // prime, almost surely not safe
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		params Params
		p, g   *big.Int
	}{
		{"below min", Params{}, tModp()[1024], big.NewInt(2)},
		{"above max", Params{GexMin: 2048, GexPreferred: 2048, GexMax: 4096}, tModp()[8192], big.NewInt(2)},
		{"even p", Params{}, new(big.Int).Add(p2048, big.NewInt(1)), big.NewInt(2)},
		{"composite p", Params{}, new(big.Int).Add(p2048, big.NewInt(2)), big.NewInt(2)},
		{"prime, not safe", Params{GexMin: 1024}, smallPrime, big.NewInt(2)},
		{"g = 0", Params{}, p2048, big.NewInt(0)},
		{"g = 1", Params{}, p2048, big.NewInt(1)},
		{"g = p-1", Params{}, p2048, new(big.Int).Sub(p2048, big.NewInt(1))},
		{"g = p", Params{}, p2048, p2048},
	}
	for _, c := range cases {
		srv := newGexServer(crypto.SHA256, srvOpts{})
		srv.p, srv.g = c.p, c.g
		_, err := runExchangeP(t, m, &c.params, srv, nil)
		if err == nil {
			t.Fatalf("%s: group accepted", c.name)
		}
		checkKexError(t, m, err, ErrGroup)
	}
	// A negative p: the two's complement mpint ff..ff (RFC 4251 §5), 2048 bits wide.
	neg := make([]byte, 256)
	for i := range neg {
		neg[i] = 0xff
	}
	neg[255] = 0xfd
	srv := newGexServer(crypto.SHA256, srvOpts{})
	srv.rawGroup = append(tString(neg), tMPInt(big.NewInt(2))...)
	_, err = runExchange(t, m, srv, nil)
	checkKexError(t, m, err, ErrGroup)
}

// TestGexParams checks the request's sizes and that H covers them.
func TestGexParams(t *testing.T) {
	m, _ := Lookup("diffie-hellman-group-exchange-sha1")
	for _, c := range []struct {
		in   Params
		want [3]uint32
	}{
		{Params{}, [3]uint32{2048, 3072, 8192}},
		{Params{GexMin: 1024, GexPreferred: 2048, GexMax: 4096}, [3]uint32{1024, 2048, 4096}},
		{Params{GexMin: 3072}, [3]uint32{3072, 3072, 8192}},
	} {
		srv := newGexServer(crypto.SHA1, srvOpts{})
		srv.p = tModp()[max(2048, int(c.want[1]))] // RFC 3526 has 2048 and 3072
		res, err := runExchangeP(t, m, &c.in, srv, nil)
		if err != nil {
			t.Fatalf("%+v: %v", c.in, err)
		}
		if srv.bits != c.want {
			t.Errorf("%+v: requested %v, want %v", c.in, srv.bits, c.want)
		}
		if k, h := srv.want(); string(res.K) != string(k) || string(res.H) != string(h) {
			t.Errorf("%+v: K or H differ", c.in)
		}
	}
	for _, bad := range []Params{
		{GexMin: 512}, {GexMin: 4096, GexPreferred: 2048}, {GexMin: 2048, GexPreferred: 4096, GexMax: 3072}, {GexMax: 1 << 20},
	} {
		_, err := m.Start(&bad)
		checkKexError(t, m, err, nil)
	}
}
