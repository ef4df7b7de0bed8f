package main

// sshmatrix bench: bulk throughput, client CPU and memory of sshlib,
// golang.org/x/crypto/ssh and OpenSSH's ssh(1) against one OpenSSH server.
//
// Every transfer runs in its own client process (this binary re-executed
// with -leg, or ssh itself), so the client's CPU time is the child's rusage
// (user+sys) and its peak memory is the child's maxrss, whatever the
// parent does meanwhile. The server runs with host networking on a free
// loopback port, so no userland proxy sits between client and server.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/sshmatrix/sshmatrix/containers"
	"github.com/sshmatrix/sshmatrix/containers/openssh"
	"github.com/sshmatrix/sshmatrix/sshlib"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
	"golang.org/x/crypto/ssh"
)

// benchCase is one cipher (and MAC, for non-AEAD ciphers) of the table.
type benchCase struct {
	Cipher string `json:"cipher"`
	MAC    string `json:"mac,omitempty"`
}

func (c benchCase) String() string {
	if c.MAC == "" {
		return c.Cipher
	}
	return c.Cipher + " + " + c.MAC
}

var benchCases = []benchCase{
	{Cipher: "aes128-gcm@openssh.com"},
	{Cipher: "chacha20-poly1305@openssh.com"},
	{Cipher: "aes128-ctr", MAC: "hmac-sha2-256-etm@openssh.com"},
	{Cipher: "aes256-ctr", MAC: "umac-64-etm@openssh.com"},
}

// benchClient is one client implementation; has reports whether it
// implements a case's algorithms.
type benchClient struct {
	Name string
	has  func(benchCase) bool
}

var benchClients = []benchClient{
	{"sshlib", func(benchCase) bool { return true }},
	{"x/crypto", func(c benchCase) bool { return !strings.HasPrefix(c.MAC, "umac-") }},
	{"openssh", func(benchCase) bool { return true }},
}

// benchSample is one transfer.
type benchSample struct {
	Seconds   float64 `json:"seconds"` // wall time of the client process
	MBps      float64 `json:"mb_per_s"`
	CPUPerGiB float64 `json:"cpu_s_per_gib"` // user+sys of the client process per GiB
	UserS     float64 `json:"user_s"`
	SysS      float64 `json:"sys_s"`
	MaxRSSKiB int64   `json:"max_rss_kib"`
	Load1     float64 `json:"load1"` // the machine's 1-minute load average before the run
}

type benchResult struct {
	Client    string        `json:"client"`
	Case      benchCase     `json:"case"`
	Direction string        `json:"direction"` // "upload" or "download"
	Samples   []benchSample `json:"samples"`
	// Medians over Samples, and the spread of throughput.
	MBps       float64 `json:"median_mb_per_s"`
	MBpsMin    float64 `json:"min_mb_per_s"`
	MBpsMax    float64 `json:"max_mb_per_s"`
	CPUPerGiB  float64 `json:"median_cpu_s_per_gib"`
	CPUMin     float64 `json:"min_cpu_s_per_gib"`
	CPUMax     float64 `json:"max_cpu_s_per_gib"`
	PeakRSSMiB float64 `json:"median_peak_rss_mib"`
}

type idleResult struct {
	Client      string  `json:"client"`
	Conns       int     `json:"connections"`
	KiBPerConn  float64 `json:"rss_kib_per_idle_connection"`
	Description string  `json:"how"`
}

type benchReport struct {
	Date          string        `json:"date"`
	CPU           string        `json:"cpu"`
	Cores         int           `json:"cores"`
	GoVersion     string        `json:"go_version"`
	XCrypto       string        `json:"x_crypto_version"`
	ServerVersion string        `json:"server_version"`
	ClientVersion string        `json:"openssh_client_version"`
	Bytes         int64         `json:"bytes_per_transfer"`
	Runs          int           `json:"runs"`
	LoadBefore    string        `json:"uptime_before"`
	LoadAfter     string        `json:"uptime_after"`
	Results       []benchResult `json:"results"`
	Idle          []idleResult  `json:"idle"`
}

func cmdBench(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	leg := fs.Bool("leg", false, "internal: run one client leg in this process")
	client := fs.String("client", "sshlib", "leg: sshlib or x/crypto")
	addr := fs.String("addr", "", "leg: server address")
	cipher := fs.String("cipher", "", "leg: cipher")
	mac := fs.String("mac", "", "leg: MAC")
	dir := fs.String("dir", "upload", "leg: upload, download or idle")
	cpuprofile := fs.String("cpuprofile", "", "leg: write a CPU profile")
	size := fs.String("size", "1G", "bytes per transfer (K, M, G suffixes: powers of 1024)")
	runs := fs.Int("n", 5, "runs per cell (the median is reported)")
	conns := fs.Int("conns", 20, "idle connections for the RSS-per-connection figure")
	version := fs.String("version", "10.6p1", "OpenSSH server version")
	only := fs.String("clients", "sshlib,x/crypto,openssh", "clients to run")
	casesFlag := fs.String("cases", "", "comma-separated ciphers to run (default: all four)")
	out := fs.String("out", "out/bench.json", "JSON results")
	doc := fs.String("doc", "docs/benchmarks.md", "Markdown report (empty: none)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	n, err := parseSize(*size)
	if err != nil {
		fmt.Fprintln(stderr, "sshmatrix bench:", err)
		return 2
	}
	if *leg {
		if err := runLeg(*client, *addr, benchCase{*cipher, *mac}, *dir, n, *conns, *cpuprofile, stdout); err != nil {
			fmt.Fprintln(stderr, "sshmatrix bench leg:", err)
			return 1
		}
		return 0
	}
	cfg := benchConfig{bytes: n, runs: *runs, conns: *conns, version: *version, out: *out, doc: *doc}
	for _, c := range benchClients {
		if slices.Contains(strings.Split(*only, ","), c.Name) {
			cfg.clients = append(cfg.clients, c)
		}
	}
	for _, c := range benchCases {
		if *casesFlag == "" || slices.Contains(strings.Split(*casesFlag, ","), c.Cipher) {
			cfg.cases = append(cfg.cases, c)
		}
	}
	if err := runBench(cfg, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "sshmatrix bench:", err)
		return 1
	}
	return 0
}

func parseSize(s string) (int64, error) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "K"):
		mult, s = 1<<10, s[:len(s)-1]
	case strings.HasSuffix(s, "M"):
		mult, s = 1<<20, s[:len(s)-1]
	case strings.HasSuffix(s, "G"):
		mult, s = 1<<30, s[:len(s)-1]
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return v * mult, nil
}

type benchConfig struct {
	bytes   int64
	runs    int
	conns   int
	version string
	out     string
	doc     string
	clients []benchClient
	cases   []benchCase
}

// remoteCommand is what the server runs for a direction.
func remoteCommand(dir string, n int64) string {
	if dir == "upload" {
		return "cat > /dev/null"
	}
	return fmt.Sprintf("head -c %d /dev/zero", n)
}

func runBench(cfg benchConfig, stdout, stderr io.Writer) error {
	ctx := context.Background()
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if _, err := exec.LookPath("ssh"); err != nil {
		return fmt.Errorf("OpenSSH's ssh client is not installed (apt-get install openssh-client): %w", err)
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	srv, err := startBenchServer(ctx, cfg.version, port)
	if srv != nil {
		defer srv.Terminate(context.Background())
	}
	if err != nil {
		return err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	keyFile, cleanup, err := writeTestKey()
	if err != nil {
		return err
	}
	defer cleanup()

	rep := &benchReport{
		Date: time.Now().UTC().Format(time.RFC3339), CPU: cpuModel(), Cores: runtime.NumCPU(),
		GoVersion: runtime.Version(), XCrypto: moduleVersion("golang.org/x/crypto"),
		Bytes: cfg.bytes, Runs: cfg.runs, LoadBefore: uptime(),
	}
	rep.ServerVersion, _ = serverBanner(addr)
	if v, err := exec.Command("ssh", "-V").CombinedOutput(); err == nil {
		rep.ClientVersion = strings.TrimSpace(string(v))
	}
	fmt.Fprintf(stderr, "bench: server %s on %s; %d runs of %d bytes; load %s\n", rep.ServerVersion, addr, cfg.runs, cfg.bytes, rep.LoadBefore)

	type cell struct {
		client benchClient
		c      benchCase
		dir    string
	}
	var cells []cell
	for _, c := range cfg.cases {
		for _, dir := range []string{"upload", "download"} {
			for _, cl := range cfg.clients {
				if cl.has(c) {
					cells = append(cells, cell{cl, c, dir})
				}
			}
		}
	}
	results := make([]benchResult, len(cells))
	for i, c := range cells {
		results[i] = benchResult{Client: c.client.Name, Case: c.c, Direction: c.dir}
	}
	// Interleaved: every cell once per round, clients of a case side by
	// side, so drift in the machine's load hits all of them alike.
	for r := 0; r < cfg.runs; r++ {
		for i, c := range cells {
			s, err := runOne(self, keyFile, addr, c.client.Name, c.c, c.dir, cfg.bytes)
			if err != nil {
				return fmt.Errorf("%s %s %s: %w", c.client.Name, c.c, c.dir, err)
			}
			results[i].Samples = append(results[i].Samples, s)
			fmt.Fprintf(stderr, "bench: run %d/%d %-8s %-8s %-45s %7.1f MB/s %5.2f CPU-s/GiB rss %5.1f MiB (load %.2f)\n",
				r+1, cfg.runs, c.client.Name, c.dir, c.c, s.MBps, s.CPUPerGiB, float64(s.MaxRSSKiB)/1024, s.Load1)
		}
	}
	for i := range results {
		summarise(&results[i])
	}
	rep.Results = results
	for _, cl := range cfg.clients {
		ir, err := measureIdle(self, keyFile, addr, cl.Name, cfg.conns)
		if err != nil {
			return fmt.Errorf("idle %s: %w", cl.Name, err)
		}
		rep.Idle = append(rep.Idle, ir)
	}
	rep.LoadAfter = uptime()

	table := benchTable(rep)
	fmt.Fprint(stdout, table)
	if cfg.out != "" {
		if err := os.MkdirAll(filepath.Dir(cfg.out), 0o755); err != nil {
			return err
		}
		b, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(cfg.out, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	if cfg.doc != "" {
		if err := writeBenchDoc(cfg.doc, rep, table); err != nil {
			return err
		}
	}
	return nil
}

// startBenchServer runs OpenSSH in the host's network namespace, listening
// on 127.0.0.1:port only: the clients then reach sshd over loopback with
// no docker-proxy in the path.
func startBenchServer(ctx context.Context, version string, port int) (*openssh.Container, error) {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	hostNet := testcontainers.CustomizeRequestOption(func(req *testcontainers.GenericContainerRequest) error {
		req.ExposedPorts = nil
		// -p (not -o Port) replaces the image config's "Port 22", so
		// nothing else of the host's loopback is taken.
		req.Cmd = append(req.Cmd, "-p", strconv.Itoa(port))
		prev := req.HostConfigModifier
		req.HostConfigModifier = func(hc *container.HostConfig) {
			if prev != nil {
				prev(hc)
			}
			hc.NetworkMode = "host"
			hc.PortBindings = network.PortMap{}
		}
		req.WaitingFor = loopbackBanner(addr)
		return nil
	})
	c, err := openssh.Run(ctx, version,
		openssh.WithConfig("ListenAddress 127.0.0.1", "MaxStartups 100", "MaxSessions 100"),
		openssh.WithLogLevel("ERROR"),
		openssh.WithCustomizers(hostNet))
	if err != nil {
		return c, err
	}
	if _, err := serverBanner(addr); err != nil {
		return c, fmt.Errorf("server on %s: %w", addr, err)
	}
	return c, nil
}

// loopbackBanner waits for an SSH banner on addr: with host networking
// there is no mapped port for the usual strategies to watch.
type loopbackBanner string

func (a loopbackBanner) WaitUntilReady(ctx context.Context, t wait.StrategyTarget) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for {
		st, err := t.State(ctx)
		if err == nil && !st.Running {
			return fmt.Errorf("sshd exited (code %d)", st.ExitCode)
		}
		b, err := serverBanner(string(a))
		if err == nil && strings.HasPrefix(b, "SSH-2.0-") {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("no SSH banner on %s: %v", string(a), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func serverBanner(addr string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(line), nil
}

// writeTestKey writes the test user's ed25519 key for ssh(1), mode 0600.
func writeTestKey() (string, func(), error) {
	dir, err := os.MkdirTemp("", "sshmatrix-bench-")
	if err != nil {
		return "", nil, err
	}
	f := filepath.Join(dir, "id_ed25519")
	if err := os.WriteFile(f, containers.TestCredentials().PrivateKeys["ed25519"], 0o600); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	return f, func() { os.RemoveAll(dir) }, nil
}

func sshArgs(keyFile, addr string, c benchCase) []string {
	host, port, _ := net.SplitHostPort(addr)
	a := []string{"-F", "/dev/null", "-T", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
		"-o", "UserKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR",
		"-o", "Compression=no", "-i", keyFile, "-p", port, "-o", "Ciphers=" + c.Cipher}
	if c.MAC != "" {
		a = append(a, "-o", "MACs="+c.MAC)
	}
	return append(a, containers.TestCredentials().User+"@"+host)
}

// runOne runs one transfer in a child process and measures it.
func runOne(self, keyFile, addr, client string, c benchCase, dir string, n int64) (benchSample, error) {
	load := load1()
	var cmd *exec.Cmd
	var feed func() error
	var counted *countWriter
	if client == "openssh" {
		cmd = exec.Command("ssh", append(sshArgs(keyFile, addr, c), remoteCommand(dir, n))...)
		if dir == "upload" {
			w, err := cmd.StdinPipe()
			if err != nil {
				return benchSample{}, err
			}
			feed = func() error {
				defer w.Close()
				return writeZeros(w, n)
			}
		} else {
			counted = &countWriter{}
			cmd.Stdout = counted
		}
	} else {
		cmd = exec.Command(self, "bench", "-leg", "-client", client, "-addr", addr, "-cipher", c.Cipher, "-mac", c.MAC,
			"-dir", dir, "-size", strconv.FormatInt(n, 10))
	}
	var errb bytes.Buffer
	cmd.Stderr = &errb
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return benchSample{}, err
	}
	// rusage's maxrss of a child started by a Go process counts the
	// parent's RSS at the fork (Linux carries the old mm's high-water mark
	// across exec), so the peak is taken from the child's own VmHWM,
	// which only grows, sampled until it exits.
	hwm := make(chan int64, 1)
	stopPoll := make(chan struct{})
	go func() {
		var peak int64
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			if v := procStatusKiB(cmd.Process.Pid, "VmHWM:"); v > peak {
				peak = v
			}
			select {
			case <-stopPoll:
				hwm <- peak
				return
			case <-t.C:
			}
		}
	}()
	ferr := make(chan error, 1)
	if feed != nil {
		go func() { ferr <- feed() }()
	} else {
		ferr <- nil
	}
	// Wait's reaping would remove /proc/<pid>; wait for the exit first
	// without reaping, so the last sample sees the final high-water mark.
	waitExit(cmd.Process.Pid)
	close(stopPoll)
	peak := <-hwm
	err := cmd.Wait()
	wall := time.Since(start).Seconds()
	if err != nil {
		return benchSample{}, fmt.Errorf("%v: %s", err, errb.String())
	}
	if err := <-ferr; err != nil {
		return benchSample{}, fmt.Errorf("feeding ssh: %w", err)
	}
	if counted != nil && counted.n != n {
		return benchSample{}, fmt.Errorf("received %d bytes, want %d", counted.n, n)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	user := time.Duration(ru.Utime.Nano()).Seconds()
	sys := time.Duration(ru.Stime.Nano()).Seconds()
	gib := float64(n) / (1 << 30)
	return benchSample{
		Seconds: wall, MBps: float64(n) / wall / 1e6, CPUPerGiB: (user + sys) / gib,
		UserS: user, SysS: sys, MaxRSSKiB: peak, Load1: load,
	}, nil
}

type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

var zeros = make([]byte, 256<<10)

func writeZeros(w io.Writer, n int64) error {
	for n > 0 {
		k := min(n, int64(len(zeros)))
		if _, err := w.Write(zeros[:k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

func readAll(r io.Reader) (int64, error) {
	buf := make([]byte, 256<<10)
	var n int64
	for {
		k, err := r.Read(buf)
		n += int64(k)
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// A leg: one client process. Each implementation opens a session running
// remoteCommand and moves n bytes through it with 256 KiB writes or reads.

type legSession interface {
	stdin() io.WriteCloser
	stdout() io.Reader
	wait() error
	close()
}

func runLeg(client, addr string, c benchCase, dir string, n int64, conns int, cpuprofile string, stdout io.Writer) error {
	ctx := context.Background()
	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	dial := func() (func(cmd string) (legSession, error), func(), error) {
		switch client {
		case "sshlib":
			return dialSSHLib(ctx, addr, c)
		case "x/crypto":
			return dialXCrypto(addr, c)
		}
		return nil, nil, fmt.Errorf("unknown client %q", client)
	}
	if dir == "idle" {
		return idleLeg(dial, conns, stdout)
	}
	open, closeConn, err := dial()
	if err != nil {
		return err
	}
	defer closeConn()
	s, err := open(remoteCommand(dir, n))
	if err != nil {
		return err
	}
	defer s.close()
	start := time.Now()
	if dir == "upload" {
		if err := writeZeros(s.stdin(), n); err != nil {
			return err
		}
		if err := s.stdin().Close(); err != nil {
			return err
		}
	} else {
		got, err := readAll(s.stdout())
		if err != nil {
			return err
		}
		if got != n {
			return fmt.Errorf("received %d bytes, want %d", got, n)
		}
	}
	if err := s.wait(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "{\"transfer_seconds\": %.4f}\n", time.Since(start).Seconds())
	return nil
}

// idleLeg opens conns authenticated connections and prints the growth of
// this process's RSS per connection, after a GC on both sides.
func idleLeg(dial func() (func(string) (legSession, error), func(), error), conns int, stdout io.Writer) error {
	// Warm up: one connection first, so code pages and the runtime's
	// first heap arenas are not charged to the connections.
	_, closeFirst, err := dial()
	if err != nil {
		return err
	}
	defer closeFirst()
	runtime.GC()
	debug.FreeOSMemory()
	before := rssKiB(os.Getpid())
	var closers []func()
	for range conns {
		_, cl, err := dial()
		if err != nil {
			return err
		}
		closers = append(closers, cl)
	}
	time.Sleep(500 * time.Millisecond)
	runtime.GC()
	debug.FreeOSMemory()
	after := rssKiB(os.Getpid())
	for _, cl := range closers {
		cl()
	}
	fmt.Fprintf(stdout, "{\"kib_per_conn\": %.1f}\n", float64(after-before)/float64(conns))
	return nil
}

// waitExit blocks until pid has exited, leaving it to be reaped by Wait.
func waitExit(pid int) {
	var info [128]byte // siginfo_t
	for {
		_, _, e := syscall.Syscall6(syscall.SYS_WAITID, 1 /* P_PID */, uintptr(pid), uintptr(unsafe.Pointer(&info[0])),
			syscall.WEXITED|0x01000000 /* WNOWAIT */, 0, 0)
		if e != syscall.EINTR {
			return
		}
	}
}

func rssKiB(pid int) int64 { return procStatusKiB(pid, "VmRSS:") }

// procStatusKiB reads one "Name: N kB" field of /proc/<pid>/status.
func procStatusKiB(pid int, field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, field); ok {
			v, _ := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
			return v
		}
	}
	return 0
}

type sshlibSession struct {
	s   *sshlib.Session
	in  io.WriteCloser
	out io.Reader
}

func (s *sshlibSession) stdin() io.WriteCloser { return s.in }
func (s *sshlibSession) stdout() io.Reader     { return s.out }
func (s *sshlibSession) wait() error           { return s.s.Wait() }
func (s *sshlibSession) close()                { s.s.Close() }

func dialSSHLib(ctx context.Context, addr string, c benchCase) (func(string) (legSession, error), func(), error) {
	signer, err := sshlib.ParsePrivateKey(containers.TestCredentials().PrivateKeys["ed25519"])
	if err != nil {
		return nil, nil, err
	}
	cfg := &sshlib.ClientConfig{
		User: containers.TestCredentials().User, Auth: []sshlib.AuthMethod{sshlib.PublicKeys(signer)},
		HostKeyCallback: sshlib.InsecureIgnoreHostKey(),
	}
	cfg.Ciphers = []string{c.Cipher}
	if c.MAC != "" {
		cfg.MACs = []string{c.MAC}
	}
	cl, err := sshlib.Dial(ctx, "tcp", addr, cfg)
	if err != nil {
		return nil, nil, err
	}
	open := func(cmd string) (legSession, error) {
		s, err := cl.NewSession(ctx)
		if err != nil {
			return nil, err
		}
		ls := &sshlibSession{s: s}
		if ls.in, err = s.StdinPipe(); err != nil {
			return nil, err
		}
		if ls.out, err = s.StdoutPipe(); err != nil {
			return nil, err
		}
		return ls, s.Start(ctx, cmd)
	}
	return open, func() { cl.Close() }, nil
}

type xSession struct {
	s   *ssh.Session
	in  io.WriteCloser
	out io.Reader
}

func (s *xSession) stdin() io.WriteCloser { return s.in }
func (s *xSession) stdout() io.Reader     { return s.out }
func (s *xSession) wait() error           { return s.s.Wait() }
func (s *xSession) close()                { s.s.Close() }

func dialXCrypto(addr string, c benchCase) (func(string) (legSession, error), func(), error) {
	signer, err := ssh.ParsePrivateKey(containers.TestCredentials().PrivateKeys["ed25519"])
	if err != nil {
		return nil, nil, err
	}
	cfg := &ssh.ClientConfig{
		User: containers.TestCredentials().User, Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(),
	}
	cfg.Ciphers = []string{c.Cipher}
	if c.MAC != "" {
		cfg.MACs = []string{c.MAC}
	}
	cl, err := ssh.Dial("tcp", addr, cfg)
	if err != nil {
		return nil, nil, err
	}
	open := func(cmd string) (legSession, error) {
		s, err := cl.NewSession()
		if err != nil {
			return nil, err
		}
		ls := &xSession{s: s}
		if ls.in, err = s.StdinPipe(); err != nil {
			return nil, err
		}
		if ls.out, err = s.StdoutPipe(); err != nil {
			return nil, err
		}
		return ls, s.Start(cmd)
	}
	return open, func() { cl.Close() }, nil
}

// measureIdle: for the Go clients, one process holding conns connections;
// for ssh(1), which is one process per connection, the RSS of such a
// process (mean over a few), connected and idle.
func measureIdle(self, keyFile, addr, client string, conns int) (idleResult, error) {
	if client == "openssh" {
		const procs = 5
		var total int64
		for range procs {
			cmd := exec.Command("ssh", append(sshArgs(keyFile, addr, benchCases[0]), "echo ready; sleep 30")...)
			out, err := cmd.StdoutPipe()
			if err != nil {
				return idleResult{}, err
			}
			if err := cmd.Start(); err != nil {
				return idleResult{}, err
			}
			line, err := bufio.NewReader(out).ReadString('\n')
			if err != nil || strings.TrimSpace(line) != "ready" {
				cmd.Process.Kill()
				cmd.Wait()
				return idleResult{}, fmt.Errorf("ssh did not connect: %q %v", line, err)
			}
			time.Sleep(200 * time.Millisecond)
			total += rssKiB(cmd.Process.Pid)
			cmd.Process.Kill()
			cmd.Wait()
		}
		return idleResult{Client: client, Conns: procs, KiBPerConn: float64(total) / procs,
			Description: "RSS of one ssh process holding one connection (mean of 5)"}, nil
	}
	cmd := exec.Command(self, "bench", "-leg", "-client", client, "-addr", addr, "-cipher", benchCases[0].Cipher,
		"-dir", "idle", "-conns", strconv.Itoa(conns))
	var errb bytes.Buffer
	cmd.Stderr = &errb
	out, err := cmd.Output()
	if err != nil {
		return idleResult{}, fmt.Errorf("%v: %s", err, errb.String())
	}
	var v struct {
		KiB float64 `json:"kib_per_conn"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		return idleResult{}, fmt.Errorf("leg output %q: %w", out, err)
	}
	return idleResult{Client: client, Conns: conns, KiBPerConn: v.KiB,
		Description: fmt.Sprintf("delta RSS of one process after %d more authenticated idle connections, / %d", conns, conns)}, nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func summarise(r *benchResult) {
	var mb, cpu, rss []float64
	for _, s := range r.Samples {
		mb = append(mb, s.MBps)
		cpu = append(cpu, s.CPUPerGiB)
		rss = append(rss, float64(s.MaxRSSKiB)/1024)
	}
	r.MBps, r.MBpsMin, r.MBpsMax = median(mb), slices.Min(mb), slices.Max(mb)
	r.CPUPerGiB, r.CPUMin, r.CPUMax = median(cpu), slices.Min(cpu), slices.Max(cpu)
	r.PeakRSSMiB = median(rss)
}

func find(rep *benchReport, client string, c benchCase, dir string) *benchResult {
	for i := range rep.Results {
		r := &rep.Results[i]
		if r.Client == client && r.Case == c && r.Direction == dir {
			return r
		}
	}
	return nil
}

// benchTable renders the results as Markdown: one row per case,
// direction and client, with the ratios to sshlib.
func benchTable(rep *benchReport) string {
	var b strings.Builder
	fmt.Fprintf(&b, "| algorithms | dir | client | MB/s (median) | MB/s min–max | CPU-s/GiB (median) | CPU-s/GiB min–max | peak RSS MiB | MB/s ÷ sshlib | CPU ÷ sshlib |\n")
	fmt.Fprintf(&b, "|---|---|---|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, c := range benchCases {
		for _, dir := range []string{"upload", "download"} {
			base := find(rep, "sshlib", c, dir)
			for _, cl := range benchClients {
				r := find(rep, cl.Name, c, dir)
				if r == nil {
					continue
				}
				ratioT, ratioC := "", ""
				if base != nil && cl.Name != "sshlib" {
					ratioT = fmt.Sprintf("%.2f", r.MBps/base.MBps)
					ratioC = fmt.Sprintf("%.2f", r.CPUPerGiB/base.CPUPerGiB)
				}
				fmt.Fprintf(&b, "| %s | %s | %s | %.0f | %.0f–%.0f | %.2f | %.2f–%.2f | %.1f | %s | %s |\n",
					c, dir, cl.Name, r.MBps, r.MBpsMin, r.MBpsMax, r.CPUPerGiB, r.CPUMin, r.CPUMax, r.PeakRSSMiB, ratioT, ratioC)
			}
		}
	}
	if len(rep.Idle) > 0 {
		fmt.Fprintf(&b, "\n| client | RSS per idle connection (KiB) | how |\n|---|--:|---|\n")
		for _, r := range rep.Idle {
			fmt.Fprintf(&b, "| %s | %.0f | %s |\n", r.Client, r.KiBPerConn, r.Description)
		}
	}
	return b.String()
}

// writeBenchDoc replaces the generated part of docs/benchmarks.md (between
// the markers), keeping any hand-written notes around it.
func writeBenchDoc(path string, rep *benchReport, table string) error {
	const begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
	var gen strings.Builder
	gen.WriteString(begin + "\n")
	fmt.Fprintf(&gen, "Latest run: %s, `make bench`.\n\n", rep.Date)
	fmt.Fprintf(&gen, "- Machine: %s, %d cores (shared with other jobs); load before: `%s`; after: `%s`\n", rep.CPU, rep.Cores, rep.LoadBefore, rep.LoadAfter)
	fmt.Fprintf(&gen, "- Go %s, golang.org/x/crypto %s; client %s; server `%s` (Docker, host network, 127.0.0.1)\n", rep.GoVersion, rep.XCrypto, rep.ClientVersion, rep.ServerVersion)
	fmt.Fprintf(&gen, "- %d bytes per transfer, %d interleaved runs per cell; MB/s = 10^6 bytes per second of the client process's wall time (process start, handshake, authentication and transfer); CPU = user+sys of the client process (rusage) per GiB; peak RSS = the highest VmHWM of the client process (rusage maxrss would include the Go parent's RSS at fork).\n\n", rep.Bytes, rep.Runs)
	gen.WriteString(table)
	gen.WriteString(end + "\n")
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	s := string(old)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		s = "# Benchmarks\n\n" + gen.String()
	} else {
		s = s[:i] + gen.String() + s[j+len(end)+1:]
	}
	return os.WriteFile(path, []byte(s), 0o644)
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func moduleVersion(path string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == path {
				return d.Version
			}
		}
	}
	return "?"
}

func uptime() string {
	out, err := exec.Command("uptime").Output()
	if err != nil {
		b, _ := os.ReadFile("/proc/loadavg")
		return strings.TrimSpace(string(b))
	}
	return strings.TrimSpace(string(out))
}

func load1() float64 {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}
