package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

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
		{"-o", "MACs=+", "h"},
		{"-o", "Ciphers=-" + strings.Join(sshlib.DefaultAlgorithms(sshlib.ClassCipher), ","), "h"},
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

// OpenSSH's +, - and ^ list forms modify sshlib's default list.
func TestSSHListForms(t *testing.T) {
	def := sshlib.DefaultAlgorithms(sshlib.ClassKex)
	cfg, err := o2cfg(t, "-o", "KexAlgorithms=+diffie-hellman-group1-sha1", "-o", "MACs=-umac-64-etm@openssh.com,umac-64@openssh.com",
		"-o", "Ciphers=^aes256-cbc", "-o", "StrictHostKeyChecking=no", "h")
	if err != nil {
		t.Fatal(err)
	}
	if want := append(slices.Clone(def), "diffie-hellman-group1-sha1"); !slices.Equal(cfg.KeyExchanges, want) {
		t.Errorf("+: %v, want %v", cfg.KeyExchanges, want)
	}
	if slices.Contains(cfg.MACs, "umac-64-etm@openssh.com") || len(cfg.MACs) != len(sshlib.DefaultAlgorithms(sshlib.ClassMAC))-2 {
		t.Errorf("-: %v", cfg.MACs)
	}
	if cfg.Ciphers[0] != "aes256-cbc" || len(cfg.Ciphers) != len(sshlib.DefaultAlgorithms(sshlib.ClassCipher))+1 {
		t.Errorf("^: %v", cfg.Ciphers)
	}
}

func o2cfg(t *testing.T, args ...string) (*sshlib.ClientConfig, error) {
	o, err := parseSSHArgs(args, io.Discard)
	if err != nil {
		return nil, err
	}
	return o.clientConfig(io.Discard)
}

// TestSSHCommand runs the subcommand against golang.org/x/crypto/ssh's
// server: output, exit status, -v, and a failed login.
func TestSSHCommand(t *testing.T) {
	addr := startTestServer(t)
	host, port, _ := net.SplitHostPort(addr)
	t.Setenv("HOME", t.TempDir())
	t.Setenv("SSH_AUTH_SOCK", "")
	t.Setenv("SSHPASS", "pw")
	kh := filepath.Join(t.TempDir(), "known_hosts")
	run := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		base := []string{"-p", port, "-n", "-o", "UserKnownHostsFile=" + kh, "-o", "StrictHostKeyChecking=accept-new"}
		code := sshMain(context.Background(), append(base, args...), strings.NewReader(""), &out, &errOut)
		return code, out.String(), errOut.String()
	}
	if code, out, errOut := run("-v", "-o", "Ciphers=aes128-ctr", "-o", "MACs=hmac-sha2-512", "alice@"+host, "--", "hello"); code != 0 || out != "hello\n" ||
		!strings.Contains(errOut, "MAC: hmac-sha2-512") {
		t.Fatalf("code %d, stdout %q, stderr %q", code, out, errOut)
	}
	if code, _, _ := run("alice@"+host, "exit", "3"); code != 3 {
		t.Fatalf("exit status %d, want 3", code)
	}
	t.Setenv("SSHPASS", "wrong")
	if code, _, errOut := run("alice@"+host, "hello"); code != 255 || !strings.Contains(errOut, "authentication") {
		t.Fatalf("wrong password: code %d, stderr %q", code, errOut)
	}
}

// startTestServer serves password "pw" on loopback; "exit N" exits with N,
// anything else is echoed.
func startTestServer(t *testing.T) string {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	hk, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &ssh.ServerConfig{PasswordCallback: func(c ssh.ConnMetadata, pw []byte) (*ssh.Permissions, error) {
		if string(pw) == "pw" {
			return nil, nil
		}
		return nil, errors.New("denied")
	}}
	cfg.AddHostKey(hk)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				_, chans, reqs, err := ssh.NewServerConn(c, cfg)
				if err != nil {
					c.Close()
					return
				}
				go ssh.DiscardRequests(reqs)
				for nc := range chans {
					ch, rq, err := nc.Accept()
					if err != nil {
						continue
					}
					go func() {
						defer ch.Close()
						for r := range rq {
							if r.Type != "exec" {
								r.Reply(false, nil)
								continue
							}
							r.Reply(true, nil)
							var m struct{ Cmd string }
							ssh.Unmarshal(r.Payload, &m)
							status := 0
							if n, ok := strings.CutPrefix(m.Cmd, "exit "); ok {
								status, _ = strconv.Atoi(n)
							} else {
								fmt.Fprintln(ch, m.Cmd)
							}
							ch.SendRequest("exit-status", false, ssh.Marshal(struct{ N uint32 }{uint32(status)}))
							return
						}
					}()
				}
			}()
		}
	}()
	return ln.Addr().String()
}
