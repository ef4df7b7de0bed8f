package sshlib

import (
	"context"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// Benchmarks of whole connections against x/crypto/ssh's in-process server
// (xserver_test.go). The server's work is on the clock too, so these
// compare clients against the same server rather than measure a client
// alone; internal/kex's BenchmarkClient has the client side of every
// method by itself, and cmd/sshmatrix's BenchmarkTransfer the data path
// against OpenSSH.

// xKex is every key exchange x/crypto/ssh implements, secure or not.
func xKex() []string {
	return append(ssh.SupportedAlgorithms().KeyExchanges, ssh.InsecureAlgorithms().KeyExchanges...)
}

func xClientConfig(srv *xServer, kex string) *ssh.ClientConfig {
	hk := srv.hostKey.PublicKey()
	cfg := &ssh.ClientConfig{
		User: "alice", Auth: []ssh.AuthMethod{ssh.Password(testPassword)},
		HostKeyCallback: ssh.FixedHostKey(hk),
	}
	if kex != "" {
		cfg.KeyExchanges = []string{kex}
	}
	return cfg
}

// BenchmarkHandshake is one connection per op: TCP connect, version
// exchange, key exchange with the named method, password authentication,
// close. It covers every method both sshlib and x/crypto/ssh implement,
// each with sshlib's client and with x/crypto/ssh's.
func BenchmarkHandshake(b *testing.B) {
	ours := SupportedNames(ClassKex)
	for _, kex := range xKex() {
		if !slices.Contains(ours, kex) {
			continue
		}
		scfg := serverConfig(nil, nil)
		scfg.KeyExchanges = []string{kex}
		srv := newXServer(b, scfg)
		b.Run("kex="+kex+"/client=sshlib", func(b *testing.B) {
			for b.Loop() {
				cfg := &ClientConfig{Auth: []AuthMethod{Password(testPassword)}}
				cfg.KeyExchanges = []string{kex}
				c, err := dialX(b, srv, cfg)
				if err != nil {
					b.Fatal(err)
				}
				if got := c.Negotiated().KeyExchange; got != kex {
					b.Fatalf("negotiated %s, want %s", got, kex)
				}
				c.Close()
			}
		})
		b.Run("kex="+kex+"/client=xcrypto", func(b *testing.B) {
			for b.Loop() {
				c, err := ssh.Dial("tcp", srv.addr, xClientConfig(srv, kex))
				if err != nil {
					b.Fatal(err)
				}
				c.Close()
			}
		})
	}
}

// BenchmarkCell is what one cell of the matrix costs the harness beyond
// the server: connect, authenticate, run a command that sends 1 MiB,
// read it, close. Both clients use their default key exchange and
// aes128-gcm@openssh.com: the defaults differ there (sshlib prefers
// chacha20-poly1305, as OpenSSH does), which would compare ciphers.
func BenchmarkCell(b *testing.B) {
	srv := newXPasswordServer(b)
	const n = 1 << 20
	const cipher = "aes128-gcm@openssh.com"
	b.Run("client=sshlib", func(b *testing.B) {
		b.SetBytes(n)
		for b.Loop() {
			cfg := &ClientConfig{Auth: []AuthMethod{Password(testPassword)}}
			cfg.Ciphers = []string{cipher}
			c, err := dialX(b, srv, cfg)
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			s, err := c.NewSession(ctx)
			if err != nil {
				b.Fatal(err)
			}
			out, err := s.Output(ctx, "gen 1048576")
			cancel()
			if err != nil || len(out) != n {
				b.Fatalf("got %d bytes, %v", len(out), err)
			}
			c.Close()
		}
	})
	b.Run("client=xcrypto", func(b *testing.B) {
		b.SetBytes(n)
		for b.Loop() {
			cfg := xClientConfig(srv, "")
			cfg.Ciphers = []string{cipher}
			c, err := ssh.Dial("tcp", srv.addr, cfg)
			if err != nil {
				b.Fatal(err)
			}
			s, err := c.NewSession()
			if err != nil {
				b.Fatal(err)
			}
			out, err := s.Output("gen 1048576")
			if err != nil || len(out) != n {
				b.Fatalf("got %d bytes, %v", len(out), err)
			}
			c.Close()
		}
	})
}

// BenchmarkSessionData moves 16 MiB per op through one session of an
// established connection (x/crypto's server echoes stdin with "cat"), so
// the client's channel and transport data path is on the clock in both
// directions at once; allocs/op show the per-packet garbage.
func BenchmarkSessionData(b *testing.B) {
	srv := newXPasswordServer(b)
	const n = 16 << 20
	for _, cipher := range []string{"aes128-gcm@openssh.com", "chacha20-poly1305@openssh.com", "aes128-ctr"} {
		b.Run("cipher="+cipher, func(b *testing.B) {
			cfg := &ClientConfig{Auth: []AuthMethod{Password(testPassword)}}
			cfg.Ciphers = []string{cipher}
			cfg.MACs = []string{"hmac-sha2-256-etm@openssh.com"}
			c := mustDialX(b, srv, cfg)
			buf := make([]byte, 256<<10)
			b.SetBytes(n)
			b.ReportAllocs()
			for b.Loop() {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				s, err := c.NewSession(ctx)
				if err != nil {
					b.Fatal(err)
				}
				in, _ := s.StdinPipe()
				out, _ := s.StdoutPipe()
				if err := s.Start(ctx, "cat"); err != nil {
					b.Fatal(err)
				}
				go func() {
					for sent := 0; sent < n; sent += len(buf) {
						if _, err := in.Write(buf); err != nil {
							break
						}
					}
					in.Close()
				}()
				got, err := io.CopyBuffer(io.Discard, out, make([]byte, 256<<10))
				if err != nil || got != n {
					b.Fatalf("echoed %d bytes, %v", got, err)
				}
				if err := s.Wait(); err != nil && !strings.Contains(err.Error(), "exit") {
					b.Fatal(err)
				}
				cancel()
				s.Close()
			}
		})
	}
}
