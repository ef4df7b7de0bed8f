package matrix

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
)

// Expectation declares a known gap: cells whose id matches Cell are
// expected to fail (ExpectedFail) or are not run at all (Unsupported).
// Every entry carries its reason; a cell that passes while expected to
// fail is reported as UnexpectedPass, so stale entries do not linger.
type Expectation struct {
	Cell   string `json:"cell"`   // regular expression, matched against the whole cell id
	Result string `json:"result"` // "expected-fail" or "unsupported"
	Reason string `json:"reason"`

	re *regexp.Regexp
}

// ExpectationError is a bad expectations file, naming the entry.
type ExpectationError struct {
	File  string
	Entry int // 0-based; -1 for the file as a whole
	Err   error
}

func (e *ExpectationError) Error() string {
	if e.Entry < 0 {
		return fmt.Sprintf("matrix: expectations %s: %v", e.File, e.Err)
	}
	return fmt.Sprintf("matrix: expectations %s: entry %d: %v", e.File, e.Entry, e.Err)
}
func (e *ExpectationError) Unwrap() error { return e.Err }

// LoadExpectations reads and checks an expectations file:
// {"expectations": [{"cell": "...", "result": "...", "reason": "..."}]}.
func LoadExpectations(path string) ([]*Expectation, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &ExpectationError{File: path, Entry: -1, Err: err}
	}
	var doc struct {
		Expectations []*Expectation `json:"expectations"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, &ExpectationError{File: path, Entry: -1, Err: err}
	}
	for i, e := range doc.Expectations {
		if e.Result != ExpectedFail && e.Result != Unsupported {
			return nil, &ExpectationError{File: path, Entry: i, Err: fmt.Errorf("result %q: want %q or %q", e.Result, ExpectedFail, Unsupported)}
		}
		if len(e.Reason) < 10 {
			return nil, &ExpectationError{File: path, Entry: i, Err: fmt.Errorf("reason %q: every entry needs a real reason", e.Reason)}
		}
		re, err := regexp.Compile("^(?:" + e.Cell + ")$")
		if err != nil {
			return nil, &ExpectationError{File: path, Entry: i, Err: fmt.Errorf("cell pattern: %w", err)}
		}
		e.re = re
	}
	return doc.Expectations, nil
}

func matchExpectation(exps []*Expectation, id string) *Expectation {
	for _, e := range exps {
		if e.re.MatchString(id) {
			return e
		}
	}
	return nil
}
