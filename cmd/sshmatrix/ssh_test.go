package main

import (
	"io"
	"slices"
	"testing"

	"github.com/sshmatrix/sshmatrix/sshlib"
)

func TestParseSSHArgs(t *testing.T) {
	o, err := parseSSHArgs([]string{"-i", "k1", "-i", "k2", "-p", "2222", "-o", "MACs=hmac-sha2-512",
		"-o", "StrictHostKeyChecking=accept-new", "-v", "bob@example.com", "--", "ls", "-la"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(o.identities, []string{"k1", "k2"}) || o.port != "2222" || o.user != "bob" ||
		o.host != "example.com" || o.command != "ls -la" || !o.verbose {
		t.Fatalf("%+v", o)
	}
	if o.opts["macs"] != "hmac-sha2-512" {
		t.Fatalf("options %v", o.opts)
	}
	t.Setenv("SSH_AUTH_SOCK", "")
	t.Setenv("HOME", t.TempDir())
	cfg, err := o2cfg(t, "-o", "KexAlgorithms=curve25519-sha256,ecdh-sha2-nistp256", "-o", "Ciphers=aes128-ctr",
		"-o", "MACs=hmac-sha2-512", "-o", "HostKeyAlgorithms=ssh-ed25519", "-o", "PubkeyAcceptedAlgorithms=rsa-sha2-256",
		"-o", "StrictHostKeyChecking=no", "-o", "PasswordAuthentication=no", "u@h")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.KeyExchanges, []string{"curve25519-sha256", "ecdh-sha2-nistp256"}) ||
		!slices.Equal(cfg.Ciphers, []string{"aes128-ctr"}) || !slices.Equal(cfg.MACs, []string{"hmac-sha2-512"}) ||
		!slices.Equal(cfg.HostKeyAlgorithms, []string{"ssh-ed25519"}) ||
		!slices.Equal(cfg.PublicKeyAlgorithms, []string{"rsa-sha2-256"}) || cfg.HostKeyCallback == nil {
		t.Fatalf("%+v", cfg)
	}
	// keyboard-interactive only: no keys, no agent, no password method.
	if len(cfg.Auth) != 1 {
		t.Fatalf("%d auth methods", len(cfg.Auth))
	}
	for _, bad := range [][]string{
		{"-o", "MACs=+hmac-sha1", "h"},
		{"-o", "StrictHostKeyChecking=maybe", "h"},
		{"-o", "novalue", "h"},
		{"-p", "99999", "h"},
		{"-i", "/nonexistent/key", "h"},
		{},
	} {
		if _, err := o2cfg(t, bad...); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func o2cfg(t *testing.T, args ...string) (*sshlib.ClientConfig, error) {
	o, err := parseSSHArgs(args, io.Discard)
	if err != nil {
		return nil, err
	}
	return o.clientConfig(io.Discard)
}
