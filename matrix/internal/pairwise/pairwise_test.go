package pairwise

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// sshLike is shaped like a real matrix: AEAD ciphers take no MAC ("-"),
// other ciphers need one.
func sshLike() ([]Factor, Valid) {
	factors := []Factor{
		{"kex", []string{"k1", "k2", "k3", "k4", "k5", "k6", "k7"}},
		{"cipher", []string{"aead1", "aead2", "ctr1", "ctr2", "cbc1"}},
		{"mac", []string{"-", "m1", "m2", "m3", "m4", "m5", "m6"}},
		{"hostkey", []string{"h1", "h2", "h3", "h4"}},
	}
	valid := func(row []string) bool {
		c, m := row[1], row[2]
		if c == "" || m == "" {
			return true
		}
		return strings.HasPrefix(c, "aead") == (m == "-")
	}
	return factors, valid
}

// brute-force oracle: the set of valid pairs, from the full product.
func validPairs(factors []Factor, valid Valid) map[string]bool {
	out := map[string]bool{}
	for _, row := range Product(factors, valid) {
		for i := range row {
			for j := i + 1; j < len(row); j++ {
				out[fmt.Sprintf("%d=%s,%d=%s", i, row[i], j, row[j])] = true
			}
		}
	}
	return out
}

func TestEveryValidPairCovered(t *testing.T) {
	for name, mk := range map[string]func() ([]Factor, Valid){
		"ssh-like": sshLike,
		"unconstrained": func() ([]Factor, Valid) {
			return []Factor{{"a", []string{"1", "2", "3"}}, {"b", []string{"x", "y"}}, {"c", []string{"p", "q", "r", "s"}}}, nil
		},
		"single value factor": func() ([]Factor, Valid) {
			return []Factor{{"a", []string{"1"}}, {"b", []string{"x", "y", "z"}}, {"c", []string{"p"}}}, nil
		},
	} {
		t.Run(name, func(t *testing.T) {
			factors, valid := mk()
			rows, err := Generate(factors, valid)
			if err != nil {
				t.Fatal(err)
			}
			want := validPairs(factors, valid)
			got := map[string]bool{}
			for _, row := range rows {
				if valid != nil && !valid(row) {
					t.Fatalf("invalid row %v", row)
				}
				for _, v := range row {
					if v == "" {
						t.Fatalf("incomplete row %v", row)
					}
				}
				for i := range row {
					for j := i + 1; j < len(row); j++ {
						got[fmt.Sprintf("%d=%s,%d=%s", i, row[i], j, row[j])] = true
					}
				}
			}
			for p := range want {
				if !got[p] {
					t.Errorf("pair %s not covered", p)
				}
			}
			for p := range got {
				if !want[p] {
					t.Errorf("row contains invalid pair %s", p)
				}
			}
			full := len(Product(factors, valid))
			t.Logf("%d rows cover %d pairs (full product: %d rows)", len(rows), len(want), full)
			if len(rows) > full {
				t.Fatalf("more rows than the full product")
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	f, v := sshLike()
	a, _ := Generate(f, v)
	b, _ := Generate(f, v)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two runs differ")
	}
}

func TestEmptyFactor(t *testing.T) {
	if _, err := Generate([]Factor{{"a", nil}, {"b", []string{"x"}}}, nil); err == nil {
		t.Fatal("empty factor accepted")
	}
}

// The greedy result should be far smaller than the product on a real-size input.
func TestSizeIsPairwiseNotProduct(t *testing.T) {
	f, v := sshLike()
	rows, _ := Generate(f, v)
	if full := len(Product(f, v)); len(rows)*3 > full {
		t.Fatalf("%d rows for a product of %d: not much of a reduction", len(rows), full)
	}
}
