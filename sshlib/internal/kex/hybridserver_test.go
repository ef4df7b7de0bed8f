package kex

import (
	"crypto"
	"crypto/ecdh"
	"crypto/mlkem"
	"crypto/rand"
	"testing"

	"github.com/sshmatrix/sshmatrix/sshlib/internal/sntrup761"
	"golang.org/x/crypto/curve25519"
)

// hybridServer is the server side of draft-ietf-sshm-mlkem-hybrid-kex §2
// and RFC 9941 §2: C_INIT = pk || C_PK, S_REPLY = ct || S_PK,
// K = string(HASH(K_PQ || K_CL)).
type hybridServer struct {
	hash  crypto.Hash
	pkLen int                                           // KEM public key size
	encap func(t testing.TB, pk []byte) (ss, ct []byte) // the KEM's server half
	p256  bool                                          // classical half: P-256 instead of X25519
	o     srvOpts
	kcl   []byte
	k, h  []byte
}

// mlkemEncap is ML-KEM-768 encapsulation (FIPS 203) with crypto/mlkem.
func mlkemEncap(t testing.TB, pk []byte) ([]byte, []byte) {
	ek, err := mlkem.NewEncapsulationKey768(pk)
	if err != nil {
		t.Fatalf("test server: ek: %v", err)
	}
	return ek.Encapsulate()
}

// sntrupEncap is sntrup761 encapsulation, from the sntrup761 package (whose
// own tests check it against the NIST KATs).
func sntrupEncap(t testing.TB, pk []byte) ([]byte, []byte) {
	ct, ss, err := sntrup761.Encapsulate(rand.Reader, pk)
	if err != nil {
		t.Fatalf("test server: sntrup761: %v", err)
	}
	return ss, ct
}

func (s *hybridServer) handle(t testing.TB, msg []byte) [][]byte {
	cinit := readInit(t, msg)
	ecLen := 32
	if s.p256 {
		ecLen = 65
	}
	if len(cinit) != s.pkLen+ecLen {
		t.Fatalf("test server: C_INIT of %d bytes", len(cinit))
	}
	cpub := cinit[s.pkLen:]
	var sreply, kh []byte
	var err error
	for {
		kpq, ct := s.encap(t, cinit[:s.pkLen])
		var spub []byte
		if s.p256 {
			sk, _ := ecdh.P256().GenerateKey(rand.Reader)
			pc, err := ecdh.P256().NewPublicKey(cpub)
			if err != nil {
				t.Fatalf("test server: client P-256 point: %v", err)
			}
			spub = sk.PublicKey().Bytes()
			s.kcl, _ = sk.ECDH(pc)
		} else {
			sk := make([]byte, 32)
			rand.Read(sk)
			spub, _ = curve25519.X25519(sk, curve25519.Basepoint)
			if s.kcl, err = curve25519.X25519(sk, cpub); err != nil {
				t.Fatal(err)
			}
		}
		kh = tHash(s.hash, kpq, s.kcl)
		sreply = append(append([]byte(nil), ct...), spub...)
		if (!s.o.zeroSecret || s.kcl[0] == 0) && (!s.o.zeroK || kh[0] == 0) {
			break
		}
	}
	if s.o.pub != nil {
		sreply = s.o.pub
	}
	s.k = tString(kh) // a string: the hash output at full length
	s.h = tHash(s.hash, append(tPrefix(), tString(cinit), tString(sreply), s.k)...)
	return [][]byte{ecdhReply(sreply)}
}

func (s *hybridServer) want() ([]byte, []byte) { return s.k, s.h }
