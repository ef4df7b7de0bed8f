package sntrup761

import "testing"

func TestFreezeQuick(t *testing.T) {
	mod := func(x, m int32) int32 {
		r := x % m
		if r < 0 {
			r += m
		}
		if r > (m-1)/2 {
			r -= m
		}
		return r
	}
	for x := int32(-1 << 24); x < 1<<24; x += 7 {
		if got, want := int32(fqFreeze(x)), mod(x, q); got != want {
			t.Fatalf("fq %d: %d %d", x, got, want)
		}
		if got, want := int32(f3Freeze(x)), mod(x, 3); got != want {
			t.Fatalf("f3 %d: %d %d", x, got, want)
		}
	}
	for _, m := range []uint32{4591, 1531, 322, 16383, 3, 9470} {
		for x := uint64(0); x < 1<<32; x += 65537 {
			qq, r := divmod(uint32(x), m)
			if qq != uint32(x)/m || r != uint32(x)%m {
				t.Fatalf("divmod %d %d", x, m)
			}
		}
	}
	if fqRecip(3)*3%q != 1 && int32(fqFreeze(int32(fqRecip(3))*3)) != 1 {
		t.Fatal("recip")
	}
	t.Log(fqRecip(3), fqFreeze(int32(fqRecip(3))*3))
}
