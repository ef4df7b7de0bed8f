package containers

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
)

// SSHPort is the port every server listens on inside its container.
const SSHPort = "22/tcp"

// Request is what a flavour package asks Start for.
type Request struct {
	Flavour, Version string
	Profile          string   // "default" when empty
	Cmd              []string // arguments to the image's entrypoint
	// Extra are the caller's testcontainers-go customizers, applied last.
	Extra []testcontainers.ContainerCustomizer
}

// Server is a running server container. The flavour packages embed it.
type Server struct {
	Build
	Profile string
	Image   string
	ctr     *testcontainers.DockerContainer
	cli     *client.Client

	termOnce sync.Once
	termErr  error
}

// Start finds the image of the build and starts it, waiting for the banner.
// On error it returns the Server it got so far (possibly nil) so the caller
// can Terminate it; errors are wrapped with the build's name.
func Start(ctx context.Context, req Request) (*Server, error) {
	if req.Profile == "" {
		req.Profile = "default"
	}
	b, err := LookupBuild(req.Flavour, req.Version)
	if err != nil {
		return nil, err
	}
	cli, err := Client(ctx)
	if err != nil {
		return nil, err
	}
	img, err := FindImage(ctx, req.Flavour, req.Version, req.Profile)
	if err != nil {
		return nil, err
	}
	labels := map[string]string{Label: "1"}
	if run := os.Getenv("SSHMATRIX_RUN"); run != "" {
		// Lets `make containers-test` find what this run left, on an engine
		// other runs use at the same time.
		labels[LabelRun] = run
	}
	opts := []testcontainers.ContainerCustomizer{
		testcontainers.WithExposedPorts(SSHPort),
		testcontainers.WithLabels(labels),
		testcontainers.WithWaitStrategy(ForBanner()),
	}
	if len(req.Cmd) > 0 {
		opts = append(opts, testcontainers.WithCmd(req.Cmd...))
	}
	opts = append(opts, req.Extra...)
	s := &Server{Build: b, Profile: req.Profile, Image: img, cli: cli}
	if !beginStart() {
		return nil, fmt.Errorf("containers: run %s %s: %w", req.Flavour, req.Version, ErrStopping)
	}
	ctr, err := testcontainers.Run(ctx, img, opts...)
	if ctr != nil {
		s.ctr = ctr
		track(s)
	}
	live.starting.Done()
	if err != nil {
		if ctr == nil {
			return nil, fmt.Errorf("containers: run %s %s: %w", req.Flavour, req.Version, err)
		}
		return s, fmt.Errorf("containers: run %s %s: %w", req.Flavour, req.Version, err)
	}
	return s, nil
}

// Container is the underlying testcontainers-go container.
func (s *Server) Container() *testcontainers.DockerContainer { return s.ctr }

// ID is the Docker container id.
func (s *Server) ID() string { return s.ctr.GetContainerID() }

// Address is host:port of the server's long-running listener.
func (s *Server) Address(ctx context.Context) (string, error) {
	host, err := s.ctr.Host(ctx)
	if err != nil {
		return "", fmt.Errorf("containers: address: %w", err)
	}
	p, err := s.ctr.MappedPort(ctx, SSHPort)
	if err != nil {
		return "", fmt.Errorf("containers: address: %w", err)
	}
	return net.JoinHostPort(host, p.Port()), nil
}

// Logs is the container's log so far (the long-running server's stderr).
func (s *Server) Logs(ctx context.Context) (string, error) {
	rc, err := s.ctr.Logs(ctx)
	if err != nil {
		return "", fmt.Errorf("containers: logs: %w", err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	return string(b), err
}

// Algorithms dials the long-running listener and returns the server's KEXINIT.
func (s *Server) Algorithms(ctx context.Context) (*Algorithms, error) {
	addr, err := s.Address(ctx)
	if err != nil {
		return nil, err
	}
	return ProbeAddress(ctx, addr)
}

// Credentials of the test user; see the Credentials type.
func (s *Server) Credentials() Credentials { return TestCredentials() }

// Terminate stops and removes the container. It is safe on a nil Server and
// when called more than once or concurrently (a test's cleanup and the
// interrupt handler): every caller returns when the removal is done.
func (s *Server) Terminate(ctx context.Context) error {
	if s == nil || s.ctr == nil {
		return nil
	}
	s.termOnce.Do(func() {
		s.termErr = s.ctr.Terminate(ctx)
		untrack(s)
	})
	return s.termErr
}

// ExecResult is the outcome of a command run to completion in the container.
type ExecResult struct {
	ExitCode       int
	Stdout, Stderr string
}

// Exec runs argv in the container to completion.
func (s *Server) Exec(ctx context.Context, argv ...string) (ExecResult, error) {
	cr, err := s.cli.ExecCreate(ctx, s.ID(), client.ExecCreateOptions{AttachStdout: true, AttachStderr: true, Cmd: argv})
	if err != nil {
		return ExecResult{}, fmt.Errorf("containers: exec %q: %w", argv, err)
	}
	at, err := s.cli.ExecAttach(ctx, cr.ID, client.ExecAttachOptions{})
	if err != nil {
		return ExecResult{}, fmt.Errorf("containers: exec %q: %w", argv, err)
	}
	defer at.Close()
	var out, errb bytes.Buffer
	done := make(chan error, 1)
	go func() {
		_, err := stdcopy.StdCopy(&out, &errb, at.Reader)
		done <- err
	}()
	select {
	case err = <-done:
	case <-ctx.Done():
		return ExecResult{}, fmt.Errorf("containers: exec %q: %w", argv, ctx.Err())
	}
	if err != nil {
		return ExecResult{}, fmt.Errorf("containers: exec %q: %w", argv, err)
	}
	in, err := s.cli.ExecInspect(ctx, cr.ID, client.ExecInspectOptions{})
	if err != nil {
		return ExecResult{}, fmt.Errorf("containers: exec %q: %w", argv, err)
	}
	return ExecResult{ExitCode: in.ExitCode, Stdout: out.String(), Stderr: errb.String()}, nil
}

// ReadFile returns a file of the container (by exec cat; binary-safe).
func (s *Server) ReadFile(ctx context.Context, path string) ([]byte, error) {
	r, err := s.Exec(ctx, "cat", path)
	if err != nil {
		return nil, err
	}
	if r.ExitCode != 0 {
		return nil, fmt.Errorf("containers: read %s: exit %d: %s", path, r.ExitCode, r.Stderr)
	}
	return []byte(r.Stdout), nil
}

// The servers this process started and has not terminated, so an interrupt
// can remove them (t.Cleanup does not run when the test binary is killed).
var live struct {
	sync.Mutex
	m        map[*Server]struct{}
	stopping bool           // set on interrupt: no new containers
	starting sync.WaitGroup // Starts in progress
}

// ErrStopping: the process is removing its containers after an interrupt.
var ErrStopping = errors.New("interrupted: not starting new containers")

func beginStart() bool {
	live.Lock()
	defer live.Unlock()
	if live.stopping {
		return false
	}
	live.starting.Add(1)
	return true
}

func track(s *Server) {
	live.Lock()
	defer live.Unlock()
	if live.m == nil {
		live.m = map[*Server]struct{}{}
	}
	live.m[s] = struct{}{}
}

func untrack(s *Server) {
	live.Lock()
	defer live.Unlock()
	delete(live.m, s)
}

// TerminateAll removes every server this process started and still has.
func TerminateAll(ctx context.Context) {
	live.Lock()
	all := make([]*Server, 0, len(live.m))
	for s := range live.m {
		all = append(all, s)
	}
	live.Unlock()
	for _, s := range all {
		_ = s.Terminate(ctx)
	}
}

// TestMain is the TestMain of the container test packages: it sets what
// testcontainers-go needs when the caller has not (reaper off; containers
// reached on localhost), removes every started container on SIGINT/SIGTERM
// and at the end, and returns m.Run's code.
func TestMain(m *testing.M) int {
	setDefaultEnv()
	if _, ok := os.LookupEnv("TESTCONTAINERS_HOST_OVERRIDE"); !ok {
		os.Setenv("TESTCONTAINERS_HOST_OVERRIDE", "localhost")
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig := <-sigs
		live.Lock()
		live.stopping = true
		live.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		TerminateAll(ctx)
		// Containers being created right now are tracked when their Start
		// returns: wait for those, then remove them too.
		done := make(chan struct{})
		go func() { live.starting.Wait(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
		}
		TerminateAll(ctx)
		cancel()
		fmt.Fprintf(os.Stderr, "containers: %v: removed the test containers\n", sig)
		os.Exit(130)
	}()
	code := m.Run()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	TerminateAll(ctx)
	cancel()
	return code
}

// Require is for tests: it starts nothing, but skips under -short (saying why)
// and fails when no engine is reachable in a normal run.
func Require(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("containers: -short: skipping a test that needs Docker and the sshmatrix images (make images)")
	}
	if _, err := Client(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// StartForTest is a flavour's Run for tests: it requires Docker (skipping
// only under -short), bounds the start to two minutes, registers the
// container's removal (also when Run failed half-way) and fails t on error.
func StartForTest[C interface{ Terminate(context.Context) error }](t testing.TB, run func(context.Context) (C, error)) C {
	t.Helper()
	Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := run(ctx)
	Cleanup(t, c)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Cleanup registers the removal of s with t (also when Run returned an error).
func Cleanup(t testing.TB, s interface{ Terminate(context.Context) error }) {
	t.Helper()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.Terminate(ctx); err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("containers: terminate: %v", err)
		}
	})
}

// bannerStrategy waits until the server's "SSH-2.0-" version line arrives on
// the mapped port: a port can accept (docker-proxy always does) before the
// server runs or has host keys.
type bannerStrategy struct{ timeout time.Duration }

// ForBanner is the wait strategy of every server container.
func ForBanner() wait.Strategy { return bannerStrategy{timeout: 60 * time.Second} }

func (b bannerStrategy) WaitUntilReady(ctx context.Context, t wait.StrategyTarget) error {
	ctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	var last error
	for {
		st, err := t.State(ctx)
		if err == nil && !st.Running {
			return fmt.Errorf("containers: server exited (code %d) before its banner: %w", st.ExitCode, ErrExited)
		}
		if last = b.try(ctx, t); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("containers: no SSH-2.0 banner within %v: %v", b.timeout, last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// ErrExited: the container's server stopped before it was ready.
var ErrExited = errors.New("server container exited")

func (b bannerStrategy) try(ctx context.Context, t wait.StrategyTarget) error {
	host, err := t.Host(ctx)
	if err != nil {
		return err
	}
	p, err := t.MappedPort(ctx, SSHPort)
	if err != nil {
		return err
	}
	d := net.Dialer{Timeout: 2 * time.Second}
	c, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, p.Port()))
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	_, err = readBanner(bufio.NewReader(c))
	return err
}

// KnownHosts turns public key lines ("type base64 [comment]") into
// known_hosts lines for addr ("[host]:port type base64", or "host type
// base64" on port 22).
func KnownHosts(addr, pubkeys string) []string {
	host, port, err := net.SplitHostPort(addr)
	name := addr
	if err == nil {
		name = "[" + host + "]:" + port
		if port == "22" {
			name = host
		}
	}
	var out []string
	for _, l := range strings.Split(pubkeys, "\n") {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		out = append(out, name+" "+f[0]+" "+f[1])
	}
	return out
}
