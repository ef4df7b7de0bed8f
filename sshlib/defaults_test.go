package sshlib

import (
	"slices"
	"testing"
)

// TestDefaultPolicy checks the ranking rules written in defaults.go against
// the registries, so a new registry row must be placed by policy.
func TestDefaultPolicy(t *testing.T) {
	lists := map[string][]string{
		ClassKex: defaultKexOrder, ClassCipher: defaultCipherOrder, ClassMAC: defaultMACOrder,
		ClassHostKey: slices.Concat(defaultHostKeyCertOrder, defaultHostKeyOrder), ClassCompression: defaultCompressionOrder,
	}
	for _, a := range Algorithms() {
		inDefault := slices.Contains(lists[a.Class], a.Name)
		switch {
		case a.Insecure && inDefault:
			t.Errorf("rule 1: insecure %s %s is in the default list", a.Class, a.Name)
		case !a.Insecure && !inDefault:
			if _, ok := nonDefaultSecure[a.Name]; !ok {
				t.Errorf("rule 7: secure %s %s is in no default list and has no stated reason", a.Class, a.Name)
			}
		}
	}
	for class, l := range lists {
		for _, n := range l {
			if !supported(class, n) {
				t.Errorf("default %s %s is not in its registry", class, n)
			}
		}
	}
	// Rule 5: certificates are offered by default only with HostAuthorities.
	var c Config
	hk, _ := c.offered(ClassHostKey)
	for _, n := range hk {
		if slices.Contains(defaultHostKeyCertOrder, n) {
			t.Errorf("certificate %s offered without HostAuthorities", n)
		}
	}
}

func TestConfigRejectsUnknownNames(t *testing.T) {
	c := Config{Ciphers: []string{"aes128-ctr", "blowfish-cbc"}}
	_, err := c.offered(ClassCipher)
	if ue, ok := err.(*UnknownAlgorithmError); !ok || ue.Name != "blowfish-cbc" {
		t.Fatalf("want UnknownAlgorithmError naming blowfish-cbc, got %v", err)
	}
}

// TestRegistryCounts pins the acceptance numbers of issue 2.
func TestRegistryCounts(t *testing.T) {
	count := map[string]int{}
	certs := 0
	for _, a := range Algorithms() {
		count[a.Class]++
		if a.Class == ClassHostKey && len(a.Name) > len("-cert-v01@openssh.com") && a.Name[len(a.Name)-len("-cert-v01@openssh.com"):] == "-cert-v01@openssh.com" {
			certs++
		}
	}
	want := map[string]int{ClassKex: 16, ClassCipher: 10, ClassMAC: 16, ClassHostKey: 16, ClassCompression: 3}
	for k, v := range want {
		if count[k] != v {
			t.Errorf("%s: %d algorithms, want %d", k, count[k], v)
		}
	}
	if certs != 8 {
		t.Errorf("%d certificate host-key algorithms, want 8", certs)
	}
}
