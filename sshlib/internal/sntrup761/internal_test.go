package sntrup761

import (
	"crypto/rand"
	mrand "math/rand/v2"
	"slices"
	"testing"
)

func TestRecipQuick(t *testing.T) {
	for n := 0; n < 5; n++ {
		f, _ := shortRandom(rand.Reader)
		inv, fail := rqRecip3(&f)
		if fail != 0 {
			t.Fatal("fail")
		}
		prod := rqMultSmall(&inv, &f)
		for i := range prod {
			prod[i] = fqFreeze(3 * int32(prod[i]))
		}
		if prod[0] != 1 {
			t.Fatalf("prod0 %d", prod[0])
		}
		for i := 1; i < p; i++ {
			if prod[i] != 0 {
				t.Fatalf("prod[%d]=%d", i, prod[i])
			}
		}
		g, _ := smallRandom(rand.Reader)
		gi, fail := r3Recip(&g)
		if fail != 0 {
			t.Log("noninv")
			continue
		}
		pr := r3Mult(&g, &gi)
		if pr[0] != 1 {
			t.Fatalf("r3 prod0 %d", pr[0])
		}
		for i := 1; i < p; i++ {
			if pr[i] != 0 {
				t.Fatalf("r3 prod[%d]=%d", i, pr[i])
			}
		}
	}
}

func TestSortQuick(t *testing.T) {
	for n := 0; n < 800; n += 37 {
		x := make([]uint32, n)
		for i := range x {
			x[i] = mrand.Uint32()
		}
		y := slices.Clone(x)
		slices.Sort(y)
		sortUint32(x)
		if !slices.Equal(x, y) {
			t.Fatalf("n=%d", n)
		}
	}
}
