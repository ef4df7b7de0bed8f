// Package dropbear starts Debian's Dropbear server (2020.81, 2022.83, 2025.89,
// 2026.94) in a container.
//
// Dropbear's algorithms are fixed at compile time (server-inventory.md,
// section 3), so restricting them means choosing a profile: an image whose
// dropbear was compiled from Debian's source package of the same suite with a
// localoptions.h of its own (dockerfiles/dropbear/profiles). "default" is
// Debian's binary. The only run-time choice is which host keys are loaded.
package dropbear

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/sshmatrix/sshmatrix/containers"
	"github.com/testcontainers/testcontainers-go"
)

const (
	flavour     = "dropbear"
	runDropbear = "/usr/local/lib/sshmatrix/run-dropbear"
)

// Versions are the Dropbear versions there are images of.
func Versions() []string { return containers.Versions(flavour) }

// Profiles of each version that `make images` builds (see build-images.sh).
var Profiles = map[string][]string{
	"2020.81": {"default"},
	"2022.83": {"default", "legacy", "sha2-only"},
	"2025.89": {"default"},
	"2026.94": {"default", "legacy", "sha2-only", "pq-only"},
}

// HostKey names a host key the images have in /etc/dropbear.
type HostKey string

// The host keys of the images. Dropbear offers one ECDSA curve: the loaded key's.
const (
	Ed25519  HostKey = "ed25519"
	ECDSA256 HostKey = "ecdsa256"
	ECDSA384 HostKey = "ecdsa384"
	ECDSA521 HostKey = "ecdsa521"
	RSA      HostKey = "rsa"
	DSS      HostKey = "dss" // 2020.81, 2022.83 and the legacy profiles
)

// Option configures Run or Dial.
type Option func(*settings)

type settings struct {
	profile string
	keys    []HostKey
	extra   []testcontainers.ContainerCustomizer
}

// WithProfile selects the compiled profile (Run only): "default", "legacy",
// "sha2-only", "pq-only"; see Profiles for which versions have which.
func WithProfile(p string) Option { return func(s *settings) { s.profile = p } }

// WithHostKeys selects the host keys to load (default: ed25519, ecdsa256,
// rsa, and dss where it exists). 2020.81 and 2022.83 need RSA among them:
// they advertise RSA without an RSA key and then fail an assertion.
func WithHostKeys(keys ...HostKey) Option {
	return func(s *settings) { s.keys = slices.Clone(keys) }
}

// WithCustomizers passes testcontainers-go customizers to Run.
func WithCustomizers(c ...testcontainers.ContainerCustomizer) Option {
	return func(s *settings) { s.extra = append(s.extra, c...) }
}

func build(version string, opts []Option) (*settings, error) {
	s := &settings{profile: "default"}
	for _, o := range opts {
		o(s)
	}
	if !slices.Contains(Profiles[version], s.profile) {
		return nil, fmt.Errorf("dropbear: %s has no profile %q (has %s)", version, s.profile, strings.Join(Profiles[version], ", "))
	}
	old := version == "2020.81" || version == "2022.83"
	if len(s.keys) > 0 && old && !slices.Contains(s.keys, RSA) {
		return nil, fmt.Errorf("dropbear: %s needs the RSA host key among %v (it advertises RSA regardless and then fails an assertion)", version, s.keys)
	}
	return s, nil
}

func (s *settings) args() []string {
	a := make([]string, 0, len(s.keys))
	for _, k := range s.keys {
		a = append(a, string(k))
	}
	return a
}

// Container is a running Dropbear server.
type Container struct {
	*containers.Server
	keys []HostKey
}

// Run starts Dropbear of the given version (module defaults first, the
// caller's options last). On error it returns what it started.
func Run(ctx context.Context, version string, opts ...Option) (*Container, error) {
	if _, err := containers.LookupBuild(flavour, version); err != nil {
		return nil, err
	}
	s, err := build(version, opts)
	if err != nil {
		return nil, err
	}
	srv, err := containers.Start(ctx, containers.Request{
		Flavour: flavour, Version: version, Profile: s.profile, Cmd: s.args(), Extra: s.extra,
	})
	if srv == nil {
		return nil, fmt.Errorf("dropbear: run %s: %w", version, err)
	}
	c := &Container{Server: srv, keys: s.keys}
	if err != nil {
		return c, fmt.Errorf("dropbear: run %s: %w", version, err)
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

// Dial runs a dropbear of the container's profile for one connection and
// returns it; its ServerLog is that server's log (-E). Only WithHostKeys
// applies. Dropbear's inetd mode (-i) refuses to log to stderr, so this is
// a one-shot `dropbear -F -E` on a free loopback port inside the container,
// relayed by sshmatrix-helper, which stops it when the connection ends.
func (c *Container) Dial(ctx context.Context, opts ...Option) (*containers.Conn, error) {
	s, err := build(c.Version, append([]Option{WithProfile(c.Profile)}, opts...))
	if err != nil {
		return nil, err
	}
	if s.profile != c.Profile {
		return nil, fmt.Errorf("dropbear: Dial cannot change the profile (%s) of a running container to %s: Run another", c.Profile, s.profile)
	}
	return c.DialExec(ctx, append([]string{runDropbear, "--relay"}, s.args()...))
}

// HostKeys returns known_hosts lines for Address: the keys the listener loaded.
func (c *Container) HostKeys(ctx context.Context) ([]string, error) {
	keys := c.keys
	if len(keys) == 0 {
		b, err := c.ReadFile(ctx, "/etc/dropbear/default-keys")
		if err != nil {
			return nil, err
		}
		for _, f := range strings.Fields(string(b)) {
			keys = append(keys, HostKey(f))
		}
	}
	addr, err := c.Address(ctx)
	if err != nil {
		return nil, err
	}
	var pubs []string
	for _, k := range keys {
		b, err := c.ReadFile(ctx, "/etc/dropbear/"+string(k)+".pub")
		if err != nil {
			return nil, err
		}
		pubs = append(pubs, string(b))
	}
	return containers.KnownHosts(addr, strings.Join(pubs, "\n")), nil
}
