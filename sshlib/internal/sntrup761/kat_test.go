package sntrup761

import (
	"bytes"
	"crypto/aes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"testing"
)

// nistDRBG is the AES-256 CTR_DRBG without derivation function that NIST's
// PQCgenKAT programs use as randombytes() (rng.c of the submission
// packages): Update xors three AES blocks of the incremented V into
// (Key, V); every randombytes call ends with an Update. Because of that final
// Update, the output depends on how the bytes are split into calls.
type nistDRBG struct {
	key [32]byte
	v   [16]byte
}

func newNISTDRBG(entropy []byte) *nistDRBG {
	d := &nistDRBG{}
	d.update(entropy)
	return d
}

func (d *nistDRBG) incV() {
	for j := 15; j >= 0; j-- {
		d.v[j]++
		if d.v[j] != 0 {
			break
		}
	}
}

func (d *nistDRBG) update(provided []byte) {
	b, err := aes.NewCipher(d.key[:])
	if err != nil {
		panic(err)
	}
	var temp [48]byte
	for i := 0; i < 3; i++ {
		d.incV()
		b.Encrypt(temp[16*i:], d.v[:])
	}
	for i := range provided {
		temp[i] ^= provided[i]
	}
	copy(d.key[:], temp[:32])
	copy(d.v[:], temp[32:])
}

// Read is one randombytes(x, len(x)) call.
func (d *nistDRBG) Read(x []byte) (int, error) {
	b, err := aes.NewCipher(d.key[:])
	if err != nil {
		return 0, err
	}
	var block [16]byte
	for off := 0; off < len(x); off += 16 {
		d.incV()
		b.Encrypt(block[:], d.v[:])
		copy(x[off:], block[:])
	}
	d.update(nil)
	return len(x), nil
}

func katEntropy() []byte {
	e := make([]byte, 48)
	for i := range e {
		e[i] = byte(i)
	}
	return e
}

// katEntry runs one count of PQCgenKAT_kem with the given seed and returns
// its .rsp lines (without the count line), checking that decapsulation
// agrees.
func katEntry(t testing.TB, seed []byte) string {
	t.Helper()
	rng := newNISTDRBG(seed)
	pk, sk, err := GenerateKey(rng)
	if err != nil {
		t.Fatal(err)
	}
	ct, ss, err := Encapsulate(rng, pk)
	if err != nil {
		t.Fatal(err)
	}
	ss2, err := Decapsulate(sk, ct)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ss, ss2) {
		t.Fatalf("seed %X: decapsulated %X, encapsulated %X", seed, ss2, ss)
	}
	up := func(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }
	return fmt.Sprintf("seed = %s\npk = %s\nsk = %s\nct = %s\nss = %s\n",
		up(seed), up(pk), up(sk), up(ct), up(ss))
}

// TestDRBG checks the generator against the first seed of every NIST
// PQC KAT file (the seed line of count = 0 is the same for all schemes).
func TestDRBG(t *testing.T) {
	seed := make([]byte, 48)
	newNISTDRBG(katEntropy()).Read(seed)
	const want = "061550234D158C5EC95595FE04EF7A25767F2E24CC2BC479D09D86DC9ABCFDE7056A8C266F9EF97ED08541DBD2E1FFA1"
	if got := strings.ToUpper(hex.EncodeToString(seed)); got != want {
		t.Fatalf("seed 0 = %s, want %s", got, want)
	}
}

// TestKATFirst reproduces count = 0 of the NTRU Prime submission's
// kat_kem.rsp for sntrup761. The expected value is the SHA-256 of that entry
// as printed by PQClean's test/crypto_kem/nistkat.c ("count = 0\n" and the
// seed/pk/sk/ct/ss lines), published as nistkat-sha256 in PQClean's
// crypto_kem/sntrup761/META.yml and as "single" for sntrup761 in liboqs's
// tests/KATs/kem/kats.json.
func TestKATFirst(t *testing.T) {
	seed := make([]byte, 48)
	newNISTDRBG(katEntropy()).Read(seed)
	entry := "count = 0\n" + katEntry(t, seed)
	const want = "afc42c3a5b10f4ef69654250097ebda9b9564570f4086744b24a6daf2bd1f89a"
	if got := hex.EncodeToString(sha256Sum([]byte(entry))); got != want {
		t.Fatalf("SHA-256 of KAT entry 0 = %s, want %s\n%s", got, want, entry[:min(len(entry), 400)])
	}
}

// TestKATAll reproduces all 100 entries of kat_kem.rsp (seeds drawn in turn
// from the DRBG seeded with 0..47, each entry from a DRBG seeded with its
// seed) and compares the SHA-256 of the entries, separated by blank lines as
// in the .rsp file (without its "# sntrup761" header line and final newline),
// with "all" for sntrup761 in liboqs's tests/KATs/kem/kats.json.
func TestKATAll(t *testing.T) {
	outer := newNISTDRBG(katEntropy())
	h := sha256.New()
	for i := 0; i < 100; i++ {
		seed := make([]byte, 48)
		outer.Read(seed)
		if i > 0 {
			io.WriteString(h, "\n")
		}
		fmt.Fprintf(h, "count = %d\n%s", i, katEntry(t, seed))
	}
	const want = "36e1e53d4e6e295e8fb804449958ad9a3719aa350e91933c65791b9117382d57"
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		t.Fatalf("SHA-256 of the 100 KAT entries = %s, want %s", got, want)
	}
}

func sha256Sum(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:]
}
