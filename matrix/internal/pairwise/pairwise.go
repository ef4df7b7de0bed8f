// Package pairwise generates deterministic all-pairs (2-way) covering arrays
// with constraints. No maintained Go package does this, so it is small and
// tested here: every valid pair of values of two factors appears in at least
// one row, every row satisfies the constraint, and the same input always
// gives the same rows in the same order.
//
// The algorithm is a greedy one in the AETG family: repeatedly seed a row
// with the first uncovered pair (in a fixed order), then fill each remaining
// factor with the value that covers the most still-uncovered pairs, ties
// broken by value order, skipping values that would make the row invalid.
package pairwise

import (
	"errors"
	"fmt"
)

// Factor is one dimension: a name and its values, in preference order.
type Factor struct {
	Name   string
	Values []string
}

// Valid reports whether a partial row is acceptable. row[i] == "" means
// factor i is not assigned yet; Valid must accept a partial row whenever
// some completion of it is valid (it is asked about partial rows while
// the generator fills them).
type Valid func(row []string) bool

// Row is one generated combination, one value per factor, in factor order.
type Row []string

type pair struct{ f1, v1, f2, v2 int }

// ErrNoValues is returned for a factor without values.
var ErrNoValues = errors.New("pairwise: factor has no values")

// Generate returns rows covering every valid pair. A pair is valid if some
// complete valid row contains it; valid may be nil (everything is valid).
func Generate(factors []Factor, valid Valid) ([]Row, error) {
	for _, f := range factors {
		if len(f.Values) == 0 {
			return nil, fmt.Errorf("%w: %s", ErrNoValues, f.Name)
		}
	}
	if valid == nil {
		valid = func([]string) bool { return true }
	}
	n := len(factors)
	if n == 1 {
		var rows []Row
		for _, v := range factors[0].Values {
			if valid([]string{v}) {
				rows = append(rows, Row{v})
			}
		}
		return rows, nil
	}
	// Enumerate uncovered pairs in a fixed order; keep only those some
	// complete row can contain.
	uncovered := map[pair]bool{}
	var order []pair
	for f1 := 0; f1 < n; f1++ {
		for f2 := f1 + 1; f2 < n; f2++ {
			for v1 := range factors[f1].Values {
				for v2 := range factors[f2].Values {
					p := pair{f1, v1, f2, v2}
					row := make([]string, n)
					row[f1], row[f2] = factors[f1].Values[v1], factors[f2].Values[v2]
					if completable(factors, row, valid) {
						uncovered[p] = true
						order = append(order, p)
					}
				}
			}
		}
	}
	var rows []Row
	next := 0
	for len(uncovered) > 0 {
		for !uncovered[order[next]] {
			next++
		}
		seed := order[next]
		row := make([]string, n)
		row[seed.f1] = factors[seed.f1].Values[seed.v1]
		row[seed.f2] = factors[seed.f2].Values[seed.v2]
		for f := 0; f < n; f++ {
			if row[f] != "" {
				continue
			}
			best, bestGain := -1, -1
			for v, val := range factors[f].Values {
				row[f] = val
				if !completable(factors, row, valid) {
					row[f] = ""
					continue
				}
				gain := 0
				for g := 0; g < n; g++ {
					if g == f || row[g] == "" {
						continue
					}
					if uncovered[makePair(factors, f, v, g, row[g])] {
						gain++
					}
				}
				if gain > bestGain {
					best, bestGain = v, gain
				}
				row[f] = ""
			}
			if best < 0 {
				// Cannot happen: the seed pair was completable.
				return nil, fmt.Errorf("pairwise: no valid value for %s", factors[f].Name)
			}
			row[f] = factors[f].Values[best]
		}
		for f1 := 0; f1 < n; f1++ {
			for f2 := f1 + 1; f2 < n; f2++ {
				delete(uncovered, makePair(factors, f1, index(factors[f1].Values, row[f1]), f2, row[f2]))
			}
		}
		rows = append(rows, Row(row))
	}
	return rows, nil
}

func makePair(factors []Factor, f, v, g int, gval string) pair {
	gv := index(factors[g].Values, gval)
	if f < g {
		return pair{f, v, g, gv}
	}
	return pair{g, gv, f, v}
}

func index(l []string, s string) int {
	for i, v := range l {
		if v == s {
			return i
		}
	}
	return -1
}

// completable reports whether the partial row has a valid completion,
// by depth-first search over the unassigned factors (small inputs only:
// a matrix has four factors of at most a few dozen values).
func completable(factors []Factor, row []string, valid Valid) bool {
	if !valid(row) {
		return false
	}
	for f := range row {
		if row[f] != "" {
			continue
		}
		for _, v := range factors[f].Values {
			row[f] = v
			ok := completable(factors, row, valid)
			row[f] = ""
			if ok {
				return true
			}
		}
		return false
	}
	return true
}

// Product returns every valid complete row (the cartesian product), in
// factor and value order.
func Product(factors []Factor, valid Valid) []Row {
	if valid == nil {
		valid = func([]string) bool { return true }
	}
	var rows []Row
	row := make([]string, len(factors))
	var rec func(f int)
	rec = func(f int) {
		if !valid(row) {
			return
		}
		if f == len(factors) {
			rows = append(rows, append(Row(nil), row...))
			return
		}
		for _, v := range factors[f].Values {
			row[f] = v
			rec(f + 1)
		}
		row[f] = ""
	}
	rec(0)
	return rows
}
