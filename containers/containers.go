// Package containers starts real SSH servers (OpenSSH, Dropbear, TinySSH of
// the versions Debian bullseye, bookworm, trixie and sid ship) in Docker with
// testcontainers-go, for the interop matrix and for tests.
//
// CONTRACT (what the matrix relies on):
//
//   - Images are built by `make images` (dockerfiles/build-images.sh) without any
//     registry; this package finds them by their labels (org.sshmatrix.*) and
//     never builds or pulls. A missing image is an *ImageNotFoundError that says
//     to run `make images`; no Docker engine is an *EngineError that says how to
//     get one.
//   - One package per flavour (containers/openssh, containers/dropbear,
//     containers/tinyssh) has Run(ctx, version, opts...) in testcontainers-go
//     style; each container embeds *Server, whose accessors are Address,
//     Algorithms (the server's real KEXINIT), Logs, Credentials and Terminate.
//   - Ready means the server's "SSH-2.0-" banner arrived on the mapped port.
//   - Per-connection restriction without a new container: the flavour's
//     Dial(ctx, opts...) runs one server process for one connection with
//     `docker exec` (sshd -i, a relayed one-shot dropbear, tinysshd) and
//     returns a *Conn: a net.Conn whose ServerLog is that process's log. Its
//     Local/RemoteAddr are pipe addresses: give clients a host name explicitly.
//     Measured (2 shared cores): 40-80 ms per OpenSSH connection up to the
//     server's KEXINIT, more under load; an unknown algorithm name is a typed
//     error before any connection (openssh.ConfigError).
//   - Every image and container carries the label org.sshmatrix=1, and
//     org.sshmatrix.run=$SSHMATRIX_RUN when that is set;
//     `make clean-containers` removes leftovers. TestMain removes what a test
//     binary started, also on SIGINT/SIGTERM.
package containers

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

// Labels every sshmatrix image and container carries.
const (
	Label        = "org.sshmatrix" // value "1"
	LabelFlavour = "org.sshmatrix.flavour"
	LabelVersion = "org.sshmatrix.version"
	LabelSuite   = "org.sshmatrix.suite"
	LabelProfile = "org.sshmatrix.profile"
	LabelInputs  = "org.sshmatrix.inputs"   // hash of the image's build inputs
	LabelPkgs    = "org.sshmatrix.packages" // exact Debian package versions
	LabelRun     = "org.sshmatrix.run"      // $SSHMATRIX_RUN of the process that started a container
)

// Build is one server build the images provide.
type Build struct {
	Flavour string // "openssh", "dropbear", "tinyssh"
	Version string // upstream version, as the server reports it
	Suite   string // Debian suite it comes from
}

// Builds are the 12 server builds (server-inventory.md, section 1).
var Builds = []Build{
	{"openssh", "8.4p1", "bullseye"}, {"openssh", "9.2p1", "bookworm"},
	{"openssh", "10.0p2", "trixie"}, {"openssh", "10.6p1", "sid"},
	{"dropbear", "2020.81", "bullseye"}, {"dropbear", "2022.83", "bookworm"},
	{"dropbear", "2025.89", "trixie"}, {"dropbear", "2026.94", "sid"},
	{"tinyssh", "20190101", "bullseye"}, {"tinyssh", "20230101", "bookworm"},
	{"tinyssh", "20250501", "trixie"}, {"tinyssh", "20261001", "sid"},
}

// Versions lists the versions of one flavour, oldest first.
func Versions(flavour string) []string {
	var vs []string
	for _, b := range Builds {
		if b.Flavour == flavour {
			vs = append(vs, b.Version)
		}
	}
	return vs
}

// LookupBuild finds the build of flavour at version.
func LookupBuild(flavour, version string) (Build, error) {
	for _, b := range Builds {
		if b.Flavour == flavour && b.Version == version {
			return b, nil
		}
	}
	return Build{}, fmt.Errorf("containers: no %s build of version %q (have %s)",
		flavour, version, strings.Join(Versions(flavour), ", "))
}

// EngineError means no Docker engine could be reached.
type EngineError struct{ Err error }

func (e *EngineError) Error() string {
	return "containers: no Docker engine reachable (" + e.Err.Error() + "): install Docker " +
		"(Debian: apt-get install docker.io) and start it (service docker start, or dockerd &), " +
		"or point DOCKER_HOST at a running engine; `go test -short` skips the container tests"
}

func (e *EngineError) Unwrap() error { return e.Err }

// ImageNotFoundError means the image of a build has not been built here.
type ImageNotFoundError struct{ Flavour, Version, Profile string }

func (e *ImageNotFoundError) Error() string {
	return fmt.Sprintf("containers: no image for %s %s (profile %s) in the local Docker engine: run `make images`",
		e.Flavour, e.Version, e.Profile)
}

var docker struct {
	once sync.Once
	cli  *client.Client
	err  error
}

// Client returns the process-wide Docker client (the engine testcontainers-go
// uses), or an *EngineError.
func Client(ctx context.Context) (*client.Client, error) {
	docker.once.Do(func() { docker.cli, docker.err = connect(ctx) })
	return docker.cli, docker.err
}

func connect(ctx context.Context, opts ...client.Opt) (*client.Client, error) {
	setDefaultEnv()
	c, err := testcontainers.NewDockerClientWithOpts(ctx, opts...)
	if err != nil {
		return nil, &EngineError{Err: err}
	}
	// testcontainers-go caches the engine's info per process, so its success
	// does not prove this client reaches an engine: ask the engine itself.
	if _, err := c.Client.Ping(ctx, client.PingOptions{}); err != nil {
		_ = c.Close()
		return nil, &EngineError{Err: err}
	}
	return c.Client, nil
}

// setDefaultEnv disables testcontainers-go's reaper (its image comes from a
// registry; we label and remove containers ourselves) unless the caller chose.
// TESTCONTAINERS_HOST_OVERRIDE is left to the caller (Makefile, TestMain).
func setDefaultEnv() {
	if _, ok := os.LookupEnv("TESTCONTAINERS_RYUK_DISABLED"); !ok {
		os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	}
}

// FindImage returns the tag of the newest local image of the build, by label.
func FindImage(ctx context.Context, flavour, version, profile string) (string, error) {
	cli, err := Client(ctx)
	if err != nil {
		return "", err
	}
	f := client.Filters{}
	f.Add("label", Label+"=1", LabelFlavour+"="+flavour, LabelVersion+"="+version, LabelProfile+"="+profile)
	res, err := cli.ImageList(ctx, client.ImageListOptions{Filters: f})
	if err != nil {
		return "", &EngineError{Err: err}
	}
	items := res.Items
	sort.Slice(items, func(i, j int) bool { return items[i].Created > items[j].Created })
	for _, im := range items {
		for _, tag := range im.RepoTags {
			if !strings.HasSuffix(tag, ".partial") && tag != "<none>:<none>" {
				return tag, nil
			}
		}
	}
	return "", &ImageNotFoundError{Flavour: flavour, Version: version, Profile: profile}
}
