// Package tinyssh starts Debian's TinySSH (20190101, 20230101, 20250501,
// 20261001) in a container. TinySSH has no listener of its own and no
// configuration: the container runs it behind an inetd-style accept loop
// (sshmatrix-helper tcpserve), and the one switch is -P (no post-quantum
// sntrup key exchange). It has publickey authentication only, Ed25519 only.
package tinyssh

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"

	"github.com/sshmatrix/sshmatrix/containers"
	"github.com/testcontainers/testcontainers-go"
)

const (
	flavour    = "tinyssh"
	runTinySSH = "/usr/local/lib/sshmatrix/run-tinyssh"
)

// Versions are the TinySSH versions there are images of.
func Versions() []string { return containers.Versions(flavour) }

// Option configures Run or Dial.
type Option func(*settings)

type settings struct {
	noPQ  bool
	extra []testcontainers.ContainerCustomizer
}

// WithoutPQ runs tinysshd -P: no sntrup post-quantum key exchange.
func WithoutPQ() Option { return func(s *settings) { s.noPQ = true } }

// WithCustomizers passes testcontainers-go customizers to Run.
func WithCustomizers(c ...testcontainers.ContainerCustomizer) Option {
	return func(s *settings) { s.extra = append(s.extra, c...) }
}

func build(opts []Option) *settings {
	s := &settings{}
	for _, o := range opts {
		o(s)
	}
	return s
}

func (s *settings) args() []string {
	if s.noPQ {
		return []string{"-P"}
	}
	return nil
}

// Container is a running TinySSH server.
type Container struct {
	*containers.Server
}

// Run starts TinySSH of the given version. On error it returns what it started.
func Run(ctx context.Context, version string, opts ...Option) (*Container, error) {
	if _, err := containers.LookupBuild(flavour, version); err != nil {
		return nil, err
	}
	s := build(opts)
	srv, err := containers.Start(ctx, containers.Request{
		Flavour: flavour, Version: version, Cmd: s.args(), Extra: s.extra,
	})
	if srv == nil {
		return nil, fmt.Errorf("tinyssh: run %s: %w", version, err)
	}
	c := &Container{Server: srv}
	if err != nil {
		return c, fmt.Errorf("tinyssh: run %s: %w", version, err)
	}
	return c, nil
}

// Terminate removes the container; safe on nil.
func (c *Container) Terminate(ctx context.Context) error {
	if c == nil || c.Server == nil {
		return nil
	}
	return c.Server.Terminate(ctx)
}

// Dial runs `tinysshd -v [-P]` for one connection (stdin/stdout over docker
// exec) and returns it; its ServerLog is that tinysshd's log.
func (c *Container) Dial(ctx context.Context, opts ...Option) (*containers.Conn, error) {
	s := build(opts)
	return c.DialExec(ctx, append([]string{runTinySSH, "--inetd"}, s.args()...))
}

// HostKeys returns the known_hosts line of the server's Ed25519 key (TinySSH
// stores it raw, 32 bytes, in sshkeydir/ed25519.pk).
func (c *Container) HostKeys(ctx context.Context) ([]string, error) {
	pk, err := c.ReadFile(ctx, "/etc/tinyssh/sshkeydir/ed25519.pk")
	if err != nil {
		return nil, err
	}
	if len(pk) != 32 {
		return nil, fmt.Errorf("tinyssh: ed25519.pk has %d bytes, want 32", len(pk))
	}
	addr, err := c.Address(ctx)
	if err != nil {
		return nil, err
	}
	return containers.KnownHosts(addr, "ssh-ed25519 "+base64.StdEncoding.EncodeToString(ed25519Blob(pk))), nil
}

// ed25519Blob is the public key blob of RFC 8709 §4: string "ssh-ed25519", string key.
func ed25519Blob(pk []byte) []byte {
	const name = "ssh-ed25519"
	b := make([]byte, 0, 4+len(name)+4+len(pk))
	b = binary.BigEndian.AppendUint32(b, uint32(len(name)))
	b = append(b, name...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(pk)))
	return append(b, pk...)
}
