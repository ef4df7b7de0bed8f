package main

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestAlgorithmsJSON(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"algorithms", "--json"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var got map[string][]string
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"kex": 16, "cipher": 10, "mac": 16, "hostkey": 16, "compression": 3}
	for k, n := range want {
		if len(got[k]) != n {
			t.Errorf("%s: %d names, want %d: %v", k, len(got[k]), n, got[k])
		}
	}
	for _, name := range []string{"sntrup761x25519-sha512@openssh.com", "mlkem768nistp256-sha256", "diffie-hellman-group1-sha1"} {
		if !slices.Contains(got["kex"], name) {
			t.Errorf("kex list lacks %s", name)
		}
	}
}

func TestAlgorithmsTextMarksOptIn(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"algorithms"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "3des-cbc[opt-in]") || !strings.Contains(out.String(), "hmac-md5[opt-in]") {
		t.Fatalf("opt-in names not marked:\n%s", out.String())
	}
}

func TestUnknownCommand(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"frobnicate"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "unknown command") {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
}
