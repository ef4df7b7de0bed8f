// Package openssh starts Debian's OpenSSH server (8.4p1, 9.2p1, 10.0p2, 10.6p1)
// in a container, restricted per container (Run) or per connection (Dial).
//
// Options map to sshd_config keywords and are passed to sshd as -o arguments
// on top of the image's config (/etc/ssh/sshmatrix/sshd_config: every host key
// type the version has, each with a certificate from the test CA, password and
// publickey authentication, no PAM). A configuration is checked with `sshd -t`
// first: a name the version does not know is a *ConfigError naming the
// version, the option and the name, before any connection is made.
package openssh

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/sshmatrix/sshmatrix/containers"
	"github.com/testcontainers/testcontainers-go"
)

const (
	flavour = "openssh"
	runSSHD = "/usr/local/lib/sshmatrix/run-sshd"
	// exitConfig is run-sshd's exit code for a configuration sshd -t rejects.
	exitConfig = 97
)

// Versions are the OpenSSH versions there are images of.
func Versions() []string { return containers.Versions(flavour) }

// Option sets one sshd_config keyword (or a testcontainers-go customizer).
type Option func(*settings)

type settings struct {
	kv    [][2]string // keyword, value: passed in this order as -o keyword=value
	extra []testcontainers.ContainerCustomizer
}

func set(keyword, value string) Option {
	return func(s *settings) {
		// sshd keeps the first value it reads for most keywords, so a later
		// option replaces an earlier one here rather than being appended.
		for i := range s.kv {
			if strings.EqualFold(s.kv[i][0], keyword) {
				s.kv[i][1] = value
				return
			}
		}
		s.kv = append(s.kv, [2]string{keyword, value})
	}
}

// WithKexAlgorithms sets KexAlgorithms (names, or one "+name"/"-name"/"^name" edit).
func WithKexAlgorithms(names ...string) Option {
	return set("KexAlgorithms", strings.Join(names, ","))
}

// WithCiphers sets Ciphers.
func WithCiphers(names ...string) Option { return set("Ciphers", strings.Join(names, ",")) }

// WithMACs sets MACs.
func WithMACs(names ...string) Option { return set("MACs", strings.Join(names, ",")) }

// WithHostKeyAlgorithms sets HostKeyAlgorithms.
func WithHostKeyAlgorithms(names ...string) Option {
	return set("HostKeyAlgorithms", strings.Join(names, ","))
}

// WithPubkeyAcceptedAlgorithms sets PubkeyAcceptedAlgorithms (written as
// PubkeyAcceptedKeyTypes for 8.4p1, which does not know the new name).
func WithPubkeyAcceptedAlgorithms(names ...string) Option {
	return set("PubkeyAcceptedAlgorithms", strings.Join(names, ","))
}

// WithRekeyLimit sets RekeyLimit, e.g. "1K" or "1M 10s".
func WithRekeyLimit(limit string) Option { return set("RekeyLimit", limit) }

// WithLogLevel sets LogLevel (QUIET ... DEBUG3). Run defaults to DEBUG1,
// Dial to DEBUG3.
func WithLogLevel(level string) Option { return set("LogLevel", level) }

// WithConfig adds raw sshd_config lines ("Keyword value"), each passed as -o.
func WithConfig(lines ...string) Option {
	return func(s *settings) {
		for _, l := range lines {
			l = strings.TrimSpace(l)
			if l == "" || strings.HasPrefix(l, "#") {
				continue
			}
			// Raw lines are appended as given: keywords such as HostKey may repeat.
			k, v, _ := strings.Cut(strings.Replace(l, "=", " ", 1), " ")
			s.kv = append(s.kv, [2]string{k, strings.TrimSpace(v)})
		}
	}
}

// WithCustomizers passes testcontainers-go customizers to Run (ignored by Dial).
func WithCustomizers(c ...testcontainers.ContainerCustomizer) Option {
	return func(s *settings) { s.extra = append(s.extra, c...) }
}

// args renders the settings as sshd -o arguments for version.
func (s *settings) args(version string) []string {
	var a []string
	for _, kv := range s.kv {
		k := kv[0]
		if version == "8.4p1" && strings.EqualFold(k, "PubkeyAcceptedAlgorithms") {
			k = "PubkeyAcceptedKeyTypes"
		}
		a = append(a, "-o", k+"="+kv[1])
	}
	return a
}

func build(defaults []Option, opts []Option) *settings {
	s := &settings{}
	for _, o := range defaults {
		o(s)
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Container is a running OpenSSH server.
type Container struct {
	*containers.Server
	args []string // the container's own -o arguments

	mu      sync.Mutex
	checked map[string]error // sshd -t results by argument list
}

// Run starts OpenSSH of the given version with opts applied to its listener
// (module defaults first, the caller's options last). On error it returns
// what it started, so the caller can Terminate it.
func Run(ctx context.Context, version string, opts ...Option) (*Container, error) {
	if _, err := containers.LookupBuild(flavour, version); err != nil {
		return nil, err
	}
	s := build([]Option{WithLogLevel("DEBUG1")}, opts)
	args := s.args(version)
	srv, err := containers.Start(ctx, containers.Request{
		Flavour: flavour, Version: version, Cmd: args, Extra: s.extra,
	})
	c := &Container{Server: srv, args: args, checked: map[string]error{}}
	if err != nil {
		if srv != nil && srv.Container() != nil {
			if logs, lerr := srv.Logs(ctx); lerr == nil && strings.Contains(logs, "SSHMATRIX-CONFIG-ERROR") {
				return c, fmt.Errorf("openssh: run %s: %w", version, parseConfigError(version, s, logs))
			}
		}
		if srv == nil {
			return nil, fmt.Errorf("openssh: run %s: %w", version, err)
		}
		return c, fmt.Errorf("openssh: run %s: %w", version, err)
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

// Check runs `sshd -t` in the container with opts (on top of Dial's
// defaults) and returns a *ConfigError if sshd rejects them. Results are
// cached per option list.
func (c *Container) Check(ctx context.Context, opts ...Option) error {
	s := build([]Option{WithLogLevel("DEBUG3")}, opts)
	return c.check(ctx, s)
}

func (c *Container) check(ctx context.Context, s *settings) error {
	args := s.args(c.Version)
	key := strings.Join(args, "\x00")
	c.mu.Lock()
	err, ok := c.checked[key]
	c.mu.Unlock()
	if ok {
		return err
	}
	r, err := c.Exec(ctx, append([]string{runSSHD, "--check"}, args...)...)
	if err != nil {
		return fmt.Errorf("openssh: check: %w", err)
	}
	switch {
	case r.ExitCode == 0:
		err = nil
	case r.ExitCode == exitConfig:
		err = parseConfigError(c.Version, s, r.Stderr)
	default:
		return fmt.Errorf("openssh: check: run-sshd exited %d: %s", r.ExitCode, r.Stderr)
	}
	c.mu.Lock()
	c.checked[key] = err
	c.mu.Unlock()
	return err
}

// Dial starts `sshd -i -e -o LogLevel=DEBUG3` plus opts for one connection
// inside the running container and returns that connection; its ServerLog is
// the log of exactly this connection. The options are checked with sshd -t
// first (once per distinct list): an unknown name is a *ConfigError.
func (c *Container) Dial(ctx context.Context, opts ...Option) (*containers.Conn, error) {
	s := build([]Option{WithLogLevel("DEBUG3")}, opts)
	if err := c.check(ctx, s); err != nil {
		return nil, err
	}
	return c.DialExec(ctx, append([]string{runSSHD, "--inetd"}, s.args(c.Version)...))
}

// HostKeys returns known_hosts lines for its Address: one per host public
// key, and an @cert-authority line for the test CA that signed the host
// certificates (Credentials().HostCA).
func (c *Container) HostKeys(ctx context.Context) ([]string, error) {
	b, err := c.ReadFile(ctx, "/etc/ssh/sshmatrix/host_keys.pub")
	if err != nil {
		return nil, err
	}
	addr, err := c.Address(ctx)
	if err != nil {
		return nil, err
	}
	lines := containers.KnownHosts(addr, string(b))
	ca := containers.KnownHosts(addr, c.Credentials().HostCA)
	return append(lines, "@cert-authority "+ca[0]), nil
}
