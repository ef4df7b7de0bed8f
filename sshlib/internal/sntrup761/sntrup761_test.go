package sntrup761

import (
	"bytes"
	"crypto/rand"
	"crypto/sha512"
	"errors"
	"io"
	mrand "math/rand/v2"
	"slices"
	"testing"
	"testing/iotest"
)

func TestSizes(t *testing.T) {
	pk, sk, err := GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ct, ss, err := Encapsulate(rand.Reader, pk)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		got, want int
	}{
		{"public key", len(pk), PublicKeySize},
		{"secret key", len(sk), SecretKeySize},
		{"ciphertext", len(ct), CiphertextSize},
		{"shared secret", len(ss), SharedSecretSize},
		{"Rq encoding", rqBytes, 1158},
		{"Rounded encoding", roundedBytes, 1007},
	} {
		if c.got != c.want {
			t.Errorf("%s: %d bytes, want %d", c.name, c.got, c.want)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	n := 20
	if testing.Short() {
		n = 3
	}
	for i := 0; i < n; i++ {
		pk, sk, err := GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		for j := 0; j < 3; j++ {
			ct, ss, err := Encapsulate(rand.Reader, pk)
			if err != nil {
				t.Fatal(err)
			}
			ss2, err := Decapsulate(sk, ct)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(ss, ss2) {
				t.Fatalf("key %d ct %d: decapsulated %x, encapsulated %x", i, j, ss2, ss)
			}
		}
	}
}

// TestImplicitRejection modifies a valid ciphertext in its rounded part and in
// its confirmation hash. Decapsulation must not fail, must be deterministic,
// and must return Hash0(Hash3(rho), ct) as the specification defines it,
// re-derived here directly with SHA-512.
func TestImplicitRejection(t *testing.T) {
	pk, sk, err := GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ct, ss, err := Encapsulate(rand.Reader, pk)
	if err != nil {
		t.Fatal(err)
	}
	rho := sk[2*smallBytes+PublicKeySize : 3*smallBytes+PublicKeySize]
	for _, pos := range []int{0, 500, roundedBytes - 1, roundedBytes, CiphertextSize - 1} {
		bad := slices.Clone(ct)
		bad[pos] ^= 0x04
		got, err := Decapsulate(sk, bad)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := Decapsulate(sk, bad)
		if !bytes.Equal(got, again) {
			t.Fatalf("byte %d: Decapsulate not deterministic", pos)
		}
		if bytes.Equal(got, ss) {
			t.Fatalf("byte %d: modified ciphertext gave the real shared secret", pos)
		}
		h3 := sha512.Sum512(append([]byte{3}, rho...))
		want := sha512.Sum512(slices.Concat([]byte{0}, h3[:32], bad))
		if !bytes.Equal(got, want[:32]) {
			t.Fatalf("byte %d: got %x, want Hash0(Hash3(rho), ct) = %x", pos, got, want[:32])
		}
	}
}

func TestWrongLengths(t *testing.T) {
	pk, sk, err := GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ct, _, err := Encapsulate(rand.Reader, pk)
	if err != nil {
		t.Fatal(err)
	}
	check := func(name, what string, err error) {
		t.Helper()
		var se *SizeError
		if !errors.As(err, &se) || se.What != what {
			t.Errorf("%s: error %v, want *SizeError for %s", name, err, what)
		}
	}
	_, _, err = Encapsulate(rand.Reader, pk[:len(pk)-1])
	check("short pk", "public key", err)
	_, _, err = Encapsulate(rand.Reader, append(pk, 0))
	check("long pk", "public key", err)
	_, err = Decapsulate(sk[1:], ct)
	check("short sk", "secret key", err)
	_, err = Decapsulate(sk, ct[:len(ct)-1])
	check("short ct", "ciphertext", err)
	_, err = Decapsulate(sk, nil)
	check("nil ct", "ciphertext", err)
}

func TestRandomnessError(t *testing.T) {
	boom := errors.New("boom")
	if _, _, err := GenerateKey(iotest.ErrReader(boom)); !errors.Is(err, boom) {
		t.Errorf("GenerateKey: %v, want wrapped %v", err, boom)
	}
	// Enough for g and f but not for rho.
	short := io.LimitReader(rand.Reader, 8*p)
	if _, _, err := GenerateKey(short); err == nil {
		t.Error("GenerateKey with truncated randomness: no error")
	}
	pk, _, err := GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Encapsulate(iotest.ErrReader(boom), pk); !errors.Is(err, boom) {
		t.Errorf("Encapsulate: %v, want wrapped %v", err, boom)
	}
}

// Arithmetic checked against plain Go integer operations.
func TestFreezeAndDivmod(t *testing.T) {
	centered := func(x, m int32) int32 {
		r := x % m
		if r < 0 {
			r += m
		}
		if r > (m-1)/2 {
			r -= m
		}
		return r
	}
	for x := int32(-1 << 26); x < 1<<26; x += 997 {
		if got, want := int32(fqFreeze(x)), centered(x, q); got != want {
			t.Fatalf("fqFreeze(%d) = %d, want %d", x, got, want)
		}
	}
	for x := int32(-1<<14 + 1); x < 1<<14; x++ {
		if got, want := int32(f3Freeze(x)), centered(x, 3); got != want {
			t.Fatalf("f3Freeze(%d) = %d, want %d", x, got, want)
		}
	}
	for _, m := range []uint32{1, 3, 322, 1531, 4591, 9470, 16383} {
		for x := uint64(0); x < 1<<32; x += 40009 {
			quo, rem := divmod(uint32(x), m)
			if quo != uint32(x)/m || rem != uint32(x)%m {
				t.Fatalf("divmod(%d, %d) = %d, %d", x, m, quo, rem)
			}
		}
	}
	if got := fqFreeze(3 * int32(fqRecip(3))); got != 1 {
		t.Fatalf("3 * fqRecip(3) = %d", got)
	}
}

func TestReciprocals(t *testing.T) {
	for n := 0; n < 3; n++ {
		f, err := shortRandom(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		inv, fail := rqRecip3(&f)
		if fail != 0 {
			t.Fatal("rqRecip3 failed on a Short element")
		}
		prod := rqMultSmall(&inv, &f)
		for i := range prod {
			if want := int32(0); i == 0 && fqFreeze(3*int32(prod[i])) != 1 || i > 0 && int32(prod[i]) != want {
				t.Fatalf("3*f * rqRecip3(f) has coefficient %d = %d", i, prod[i])
			}
		}
		g, err := smallRandom(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		ginv, fail := r3Recip(&g)
		if fail != 0 {
			continue
		}
		one := r3Mult(&g, &ginv)
		for i, c := range one {
			if i == 0 && c != 1 || i > 0 && c != 0 {
				t.Fatalf("g * r3Recip(g) has coefficient %d = %d", i, c)
			}
		}
	}
	// 0 has no inverse.
	var zero small
	if _, fail := r3Recip(&zero); fail == 0 {
		t.Error("r3Recip(0) reported success")
	}
}

func TestSort(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 5, 64, 100, 761, 768} {
		for shift := 0; shift < 32; shift += 15 {
			x := make([]uint32, n)
			for i := range x {
				x[i] = mrand.Uint32() >> shift
			}
			want := slices.Clone(x)
			slices.Sort(want)
			sortUint32(x)
			if !slices.Equal(x, want) {
				t.Fatalf("n=%d: not sorted", n)
			}
		}
	}
}

func TestShortWeight(t *testing.T) {
	for n := 0; n < 20; n++ {
		r, err := shortRandom(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if weightMask(&r) != 0 {
			t.Fatal("shortRandom returned a vector of the wrong weight")
		}
		if wforce(&r) != r {
			t.Fatal("wforce changed a weight-w vector")
		}
	}
	var zero small
	forced := wforce(&zero)
	if weightMask(&forced) != 0 {
		t.Fatal("wforce did not produce weight w")
	}
}

func TestEncodings(t *testing.T) {
	for n := 0; n < 50; n++ {
		var h rq
		var s small
		for i := range h {
			h[i] = int16(mrand.IntN(q) - q12)
			s[i] = int8(mrand.IntN(3) - 1)
		}
		if n == 0 {
			for i := range h {
				h[i] = q12 // largest values: every byte of the encoding used
			}
		}
		if got := rqDecode(rqEncode(&h)); got != h {
			t.Fatal("rqDecode(rqEncode(h)) != h")
		}
		var rounded rq
		for i := range h {
			rounded[i] = h[i] - int16(f3Freeze(int32(h[i])))
		}
		if got := roundedDecode(roundEncode(&h)); got != rounded {
			t.Fatal("roundedDecode(roundEncode(h)) != Round(h)")
		}
		if got := smallDecode(smallEncode(&s)); got != s {
			t.Fatal("smallDecode(smallEncode(s)) != s")
		}
	}
}

// FuzzDecapsulate feeds arbitrary ciphertexts to Decapsulate: it must not
// panic and must reject a wrong length with an error. The input is also
// padded or cut to CiphertextSize so every run exercises decryption,
// re-encryption and implicit rejection, which must give a 32-byte secret.
func FuzzDecapsulate(f *testing.F) {
	pk, sk, err := GenerateKey(rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	ct, _, err := Encapsulate(rand.Reader, pk)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(ct)
	f.Add(make([]byte, CiphertextSize))
	f.Add(bytes.Repeat([]byte{0xff}, CiphertextSize))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, c []byte) {
		ss, err := Decapsulate(sk, c)
		if len(c) != CiphertextSize && err == nil {
			t.Fatalf("length %d accepted", len(c))
		}
		full := make([]byte, CiphertextSize)
		copy(full, c)
		if ss, err = Decapsulate(sk, full); err != nil || len(ss) != SharedSecretSize {
			t.Fatalf("err %v, %d-byte secret", err, len(ss))
		}
	})
}

func BenchmarkGenerateKey(b *testing.B) {
	for b.Loop() {
		if _, _, err := GenerateKey(rand.Reader); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncapsulate(b *testing.B) {
	pk, _, err := GenerateKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, err := Encapsulate(rand.Reader, pk); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecapsulate(b *testing.B) {
	pk, sk, err := GenerateKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	ct, _, err := Encapsulate(rand.Reader, pk)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Decapsulate(sk, ct); err != nil {
			b.Fatal(err)
		}
	}
}
