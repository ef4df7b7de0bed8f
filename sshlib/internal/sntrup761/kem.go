package sntrup761

import (
	"crypto/sha512"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"io"
)

// Sizes of the KEM's byte strings (round-3 specification, sntrup761).
const (
	PublicKeySize    = rqBytes                  // 1158
	CiphertextSize   = roundedBytes + hashBytes // 1039: Rounded encoding || confirmation
	SecretKeySize    = 1763                     // f || 1/g || pk || rho || Hash4(pk)
	SharedSecretSize = hashBytes                // 32
)

const (
	hashBytes = 32
	// Offsets inside the secret key.
	skV     = smallBytes
	skPK    = 2 * smallBytes
	skRho   = skPK + PublicKeySize
	skCache = skRho + smallBytes
)

// The sizes are fixed by the specification; make a mismatch a compile error.
var _ [0]struct{} = [SecretKeySize - (skCache + hashBytes)]struct{}{}

// SizeError reports an input of the wrong length.
type SizeError struct {
	What      string // "public key", "secret key" or "ciphertext"
	Got, Want int
}

func (e *SizeError) Error() string {
	return fmt.Sprintf("sshlib: sntrup761: %s is %d bytes, want %d", e.What, e.Got, e.Want)
}

// hash is Hash_b(in...) of the round-3 specification: the first 32 bytes of
// SHA-512 over the one-byte prefix b followed by the inputs.
func hash(b byte, in ...[]byte) []byte {
	h := sha512.New()
	h.Write([]byte{b})
	for _, s := range in {
		h.Write(s)
	}
	return h.Sum(nil)[:hashBytes]
}

// randomWords reads p little-endian 32-bit words in a single read. The
// reference reads the randomness for one Short or Small element with one
// randombytes call of 4p bytes, and the NIST KAT generator's output depends
// on how bytes are split into calls, so we do the same.
func randomWords(rand io.Reader) (L [p]uint32, err error) {
	var buf [4 * p]byte
	if _, err := io.ReadFull(rand, buf[:]); err != nil {
		return L, fmt.Errorf("sshlib: sntrup761: reading randomness: %w", err)
	}
	for i := range L {
		L[i] = binary.LittleEndian.Uint32(buf[4*i:])
	}
	return L, nil
}

// shortRandom returns a uniform Short element (weight w, coefficients in
// -1,0,1): w even words (giving -1 or 1) and p-w words ending in binary 01
// (giving 0) are sorted together, so the random high-order bits carried
// along by the sort decide the positions.
func shortRandom(rand io.Reader) (out small, err error) {
	L, err := randomWords(rand)
	if err != nil {
		return out, err
	}
	for i := 0; i < w; i++ {
		L[i] &^= 1
	}
	for i := w; i < p; i++ {
		L[i] = L[i]&^2 | 1
	}
	sortUint32(L[:])
	for i := range out {
		out[i] = int8(L[i]&3) - 1
	}
	return out, nil
}

// smallRandom returns a Small element with coefficients uniform in -1,0,1
// (up to 2^-30): the top two bits of 3 times a 30-bit random value.
func smallRandom(rand io.Reader) (out small, err error) {
	L, err := randomWords(rand)
	if err != nil {
		return out, err
	}
	for i, r := range L {
		out[i] = int8(((r&0x3fffffff)*3)>>30) - 1
	}
	return out, nil
}

// GenerateKey returns a key pair ("KeyGen'" of the round-3 specification):
// g random Small and invertible in R3, f random Short, pk = g/(3f) in Rq, and
// sk = f || 1/g || pk || rho || Hash4(pk) with rho random for implicit
// rejection. Randomness is consumed in the reference order (g tries, f, rho).
func GenerateKey(rand io.Reader) (pk, sk []byte, err error) {
	var g, ginv small
	for {
		if g, err = smallRandom(rand); err != nil {
			return nil, nil, err
		}
		// Retrying reveals only that a discarded g was not invertible.
		var fail int32
		if ginv, fail = r3Recip(&g); fail == 0 {
			break
		}
	}
	f, err := shortRandom(rand)
	if err != nil {
		return nil, nil, err
	}
	finv3, _ := rqRecip3(&f) // always invertible: x^p-x-1 is irreducible mod q
	h := rqMultSmall(&finv3, &g)
	pk = rqEncode(&h)

	sk = make([]byte, 0, SecretKeySize)
	sk = append(sk, smallEncode(&f)...)
	sk = append(sk, smallEncode(&ginv)...)
	sk = append(sk, pk...)
	rho := make([]byte, smallBytes)
	if _, err := io.ReadFull(rand, rho); err != nil {
		return nil, nil, fmt.Errorf("sshlib: sntrup761: reading randomness: %w", err)
	}
	sk = append(sk, rho...)
	sk = append(sk, hash(4, pk)...)
	return pk, sk, nil
}

// hide is "Hide" of the specification: ct = Round(h*r) || HashConfirm(r, pk),
// with HashConfirm = Hash2(Hash3(r), Hash4(pk)). It also returns Hash3(r)
// (rEnc is the Small encoding of r), needed for the session key.
func hide(r *small, rEnc, pk, cache []byte) (ct, hr []byte) {
	h := rqDecode(pk)
	c := rqMultSmall(&h, r)
	ct = make([]byte, 0, CiphertextSize)
	ct = append(ct, roundEncode(&c)...)
	hr = hash(3, rEnc)
	ct = append(ct, hash(2, hr, cache)...)
	return ct, hr
}

// Encapsulate returns a ciphertext for pk and the shared secret
// HashSession(1, r, ct) = Hash1(Hash3(r), ct).
func Encapsulate(rand io.Reader, pk []byte) (ct, ss []byte, err error) {
	if len(pk) != PublicKeySize {
		return nil, nil, &SizeError{What: "public key", Got: len(pk), Want: PublicKeySize}
	}
	cache := hash(4, pk)
	r, err := shortRandom(rand)
	if err != nil {
		return nil, nil, err
	}
	ct, hr := hide(&r, smallEncode(&r), pk, cache)
	return ct, hash(1, hr, ct), nil
}

// Decapsulate returns the shared secret for ct. Decryption recovers r from
// 3f*c = g*r + 3*f*e (mod 3) times 1/g; r is then re-encrypted, and if the
// result differs from ct the secret is Hash0(Hash3(rho), ct) instead
// (implicit rejection). Both paths do the same work, selected by masks.
func Decapsulate(sk, ct []byte) (ss []byte, err error) {
	if len(sk) != SecretKeySize {
		return nil, &SizeError{What: "secret key", Got: len(sk), Want: SecretKeySize}
	}
	if len(ct) != CiphertextSize {
		return nil, &SizeError{What: "ciphertext", Got: len(ct), Want: CiphertextSize}
	}
	f := smallDecode(sk[:skV])
	ginv := smallDecode(sk[skV:skPK])
	pk := sk[skPK:skRho]
	rho := sk[skRho:skCache]
	cache := sk[skCache:]

	c := roundedDecode(ct[:roundedBytes])
	cf := rqMultSmall(&c, &f)
	var e small
	for i := range e {
		e[i] = f3Freeze(int32(fqFreeze(3 * int32(cf[i]))))
	}
	r := r3Mult(&e, &ginv)
	r = wforce(&r)

	rEnc := smallEncode(&r)
	cnew, _ := hide(&r, rEnc, pk, cache)
	ok := subtle.ConstantTimeCompare(ct, cnew) // 1 if equal
	mask := byte(ok - 1)                       // 0xff if the ciphertext was rejected
	for i := range rEnc {
		rEnc[i] ^= mask & (rEnc[i] ^ rho[i])
	}
	return hash(byte(ok), hash(3, rEnc), ct), nil
}
