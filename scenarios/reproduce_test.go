package scenarios

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sshmatrix/sshmatrix/containers"
)

func reproduceFile(t *testing.T, path string, o ReproduceOptions) *Diagnosis {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	in, err := ParseInput(filepath.Base(path), b)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	d, err := Reproduce(ctx, in, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("diagnosis:\n%s", d.Text())
	return d
}

func wantLines(t *testing.T, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w+"\n") {
			t.Errorf("diagnosis lacks the line %q", w)
		}
	}
}

// TestReproduceFailingLog reproduces a saved ssh -vvv log of a connection
// that failed (an OpenSSH 9.2p1 offering only SHA-1 DH, CBC and SHA-1/MD5
// MACs): sshlib must fail the same way and name the three opt-ins.
func TestReproduceFailingLog(t *testing.T) {
	containers.Require(t)
	d := reproduceFile(t, "testdata/ssh-vvv-failing.log", ReproduceOptions{})
	wantLines(t, d.Text(),
		"input: ssh-vvv-failing.log (ssh -vv log, server OpenSSH_9.2p1)",
		"server: openssh 9.2p1 (the input's server is OpenSSH_9.2p1)",
		"  KexAlgorithms diffie-hellman-group14-sha1,diffie-hellman-group1-sha1",
		"result: sshlib (default settings) fails: no common kex algorithm",
		"  server offered: diffie-hellman-group14-sha1,diffie-hellman-group1-sha1,kex-strict-s-v00@openssh.com",
		"fix: enable the legacy kex algorithm diffie-hellman-group14-sha1 by naming it in Config.KeyExchanges (the server also has diffie-hellman-group1-sha1)",
		"fix: enable the legacy cipher algorithm aes128-cbc by naming it in Config.Ciphers (the server also has aes256-cbc, 3des-cbc)",
		"fix: enable the legacy mac algorithm hmac-sha1 by naming it in Config.MACs (the server also has hmac-md5)",
		"with that: sshlib connects: kex diffie-hellman-group14-sha1, host key rsa-sha2-512, cipher aes128-cbc, mac hmac-sha1, strict kex true",
	)
	if !strings.Contains(d.Text(), "  sshlib offered: mlkem768x25519-sha256,") {
		t.Errorf("the diagnosis must show sshlib's kex list")
	}
}

// TestReproduceConfigExcerptAndSave reproduces an sshd_config excerpt as a
// user pastes it, then saves the scenario, loads it back and runs it.
func TestReproduceConfigExcerptAndSave(t *testing.T) {
	containers.Require(t)
	d := reproduceFile(t, "testdata/sshd_config.excerpt", ReproduceOptions{Iterations: 3})
	wantLines(t, d.Text(),
		"server: openssh 10.6p1 (newest openssh build that accepts every name)",
		"ignored: line 20: KexAlgorithms inside the Match block of line 19 (applies to some connections only)",
		"connections: 3, failed: 0",
		"result: sshlib (default settings) connects",
		"  kex diffie-hellman-group-exchange-sha256, host key ssh-ed25519",
		"  cipher aes128-ctr, mac hmac-sha2-256-etm@openssh.com (client to server); cipher aes128-ctr, mac hmac-sha2-256-etm@openssh.com (server to client)",
	)
	dir := t.TempDir()
	s := d.Scenario("repro-excerpt")
	b, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "repro-excerpt.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	all, err := LoadDir(dir)
	if err != nil || len(all) != 1 {
		t.Fatalf("saved scenario does not load: %v (%d)", err, len(all))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	res, err := Run(ctx, all[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Outcome != Pass || res[0].Iterations != 3 {
		t.Fatalf("saved scenario: %+v", res[0])
	}
}

// TestReproduceRejectedLine: a line the chosen server version rejects is an
// error naming the line.
func TestReproduceRejectedLine(t *testing.T) {
	containers.Require(t)
	in, err := ParseInput("pasted", []byte("# ok\nKexAlgorithms curve25519-sha256\nCiphers aes128-ctr,rijndael-cbc@lysator.liu.se\n"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// 8.4p1 still knows rijndael-cbc; 9.2p1 does not (server-inventory.md 2.2).
	if d, err := Reproduce(ctx, in, ReproduceOptions{Server: "openssh-8.4p1"}); err != nil || d.Err != nil {
		t.Errorf("8.4p1 accepts the line and sshlib connects with aes128-ctr: %v", err)
	}
	_, err = Reproduce(ctx, in, ReproduceOptions{Server: "openssh-9.2p1"})
	var ie *InputError
	want := `scenarios: pasted: line 3: "Ciphers aes128-ctr,rijndael-cbc@lysator.liu.se": OpenSSH 9.2p1 does not know Ciphers rijndael-cbc@lysator.liu.se`
	if !errors.As(err, &ie) || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}
