package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sshmatrix/sshmatrix/sshlib"
)

const sshUsage = `usage: sshmatrix ssh [-i KEY] [-p PORT] [-o Name=Value ...] [-n] [-v] [user@]host [--] [command]

Runs command on host with sshlib, prints its output and exits with its status
(255 if the connection fails). Without a command it runs the login shell with
no terminal. Options (-o) follow ssh_config(5):

  KexAlgorithms, Ciphers, MACs, HostKeyAlgorithms, PubkeyAcceptedAlgorithms
      comma-separated lists that replace sshlib's defaults
  StrictHostKeyChecking=yes|accept-new|no
  UserKnownHostsFile=FILE[ FILE...]   (default ~/.ssh/known_hosts)
  User, Port, ConnectTimeout=SECONDS, ServerAliveInterval=SECONDS
  PasswordAuthentication=yes|no, KbdInteractiveAuthentication=yes|no

Keys: -i files, else ~/.ssh/id_ed25519, id_ecdsa, id_rsa; then the agent at
SSH_AUTH_SOCK. Passwords come from $SSHPASS or are asked on the terminal.
`

// sshOptions is the parsed command line.
type sshOptions struct {
	identities []string
	port       string
	user       string
	host       string
	command    string
	verbose    bool
	noStdin    bool
	opts       map[string]string // lower-cased option name -> value
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func parseSSHArgs(args []string, stderr io.Writer) (*sshOptions, error) {
	fs := flag.NewFlagSet("ssh", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, sshUsage) }
	var ids, opts multiFlag
	o := &sshOptions{opts: map[string]string{}}
	fs.Var(&ids, "i", "identity (private key) file; repeatable")
	fs.StringVar(&o.port, "p", "", "port")
	fs.Var(&opts, "o", "Name=Value option; repeatable")
	fs.BoolVar(&o.verbose, "v", false, "print the negotiated algorithms")
	fs.BoolVar(&o.noStdin, "n", false, "read no standard input")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	o.identities = ids
	for _, kv := range opts {
		name, value, ok := strings.Cut(kv, "=")
		if !ok {
			name, value, ok = strings.Cut(kv, " ")
		}
		if !ok || name == "" {
			return nil, fmt.Errorf("option %q is not Name=Value", kv)
		}
		o.opts[strings.ToLower(strings.TrimSpace(name))] = strings.TrimSpace(value)
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fs.Usage()
		return nil, errors.New("no host given")
	}
	dest := rest[0]
	rest = rest[1:]
	if len(rest) > 0 && rest[0] == "--" {
		rest = rest[1:]
	}
	o.command = strings.Join(rest, " ")
	if u, h, ok := strings.Cut(dest, "@"); ok {
		o.user, o.host = u, h
	} else {
		o.host = dest
	}
	if v, ok := o.opts["user"]; ok && o.user == "" {
		o.user = v
	}
	if o.user == "" {
		o.user = os.Getenv("USER")
	}
	if o.port == "" {
		o.port = o.opts["port"]
	}
	if o.port == "" {
		o.port = "22"
	}
	if _, err := strconv.ParseUint(o.port, 10, 16); err != nil {
		return nil, fmt.Errorf("bad port %q", o.port)
	}
	return o, nil
}

// list reads an algorithm list option, with OpenSSH's forms that modify the
// default list (ssh_config(5)): "+a,b" appends to it, "-a,b" removes from it,
// "^a,b" puts the names first. The default is sshlib's (DefaultAlgorithms);
// a name sshlib does not know is left for the config check to reject.
func (o *sshOptions) list(name string) ([]string, error) {
	v, ok := o.opts[strings.ToLower(name)]
	if !ok || v == "" {
		return nil, nil
	}
	op := v[0]
	if !strings.ContainsRune("+-^", rune(op)) {
		return strings.Split(v, ","), nil
	}
	names := strings.Split(v[1:], ",")
	if v[1:] == "" || slices.Contains(names, "") {
		return nil, fmt.Errorf("%s=%s: empty name in the list", name, v)
	}
	var def []string
	switch strings.ToLower(name) {
	case "kexalgorithms":
		def = sshlib.DefaultAlgorithms(sshlib.ClassKex)
	case "ciphers":
		def = sshlib.DefaultAlgorithms(sshlib.ClassCipher)
	case "macs":
		def = sshlib.DefaultAlgorithms(sshlib.ClassMAC)
	case "hostkeyalgorithms", "pubkeyacceptedalgorithms":
		def = sshlib.DefaultAlgorithms(sshlib.ClassHostKey)
	default:
		return nil, fmt.Errorf("%s: the %c form applies to algorithm lists only", name, op)
	}
	var out []string
	switch op {
	case '+':
		out = slices.Clone(def)
		for _, n := range names {
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	case '-':
		for _, d := range def {
			if !slices.Contains(names, d) {
				out = append(out, d)
			}
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("%s=%s removes every default algorithm", name, v)
		}
	case '^':
		out = slices.Clone(names)
		for _, d := range def {
			if !slices.Contains(out, d) {
				out = append(out, d)
			}
		}
	}
	return out, nil
}

func (o *sshOptions) yes(name string, def bool) bool {
	switch strings.ToLower(o.opts[strings.ToLower(name)]) {
	case "yes", "true":
		return true
	case "no", "false":
		return false
	}
	return def
}

// clientConfig turns the options into an sshlib.ClientConfig.
func (o *sshOptions) clientConfig(stderr io.Writer) (*sshlib.ClientConfig, error) {
	cfg := &sshlib.ClientConfig{User: o.user}
	var err error
	for name, dst := range map[string]*[]string{
		"KexAlgorithms": &cfg.KeyExchanges, "Ciphers": &cfg.Ciphers, "MACs": &cfg.MACs,
		"HostKeyAlgorithms": &cfg.HostKeyAlgorithms, "PubkeyAcceptedAlgorithms": &cfg.PublicKeyAlgorithms,
	} {
		if *dst, err = o.list(name); err != nil {
			return nil, err
		}
	}
	if v := o.opts["connecttimeout"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("ConnectTimeout: bad value %q", v)
		}
		cfg.Timeout = time.Duration(n) * time.Second
	}
	if v := o.opts["serveraliveinterval"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("ServerAliveInterval: bad value %q", v)
		}
		cfg.KeepAliveInterval = time.Duration(n) * time.Second
	}

	files := []string{sshlib.DefaultKnownHostsFile()}
	if v := o.opts["userknownhostsfile"]; v != "" {
		files = strings.Fields(v)
		for i, f := range files {
			files[i] = expandHome(f)
		}
	}
	switch strings.ToLower(o.opts["stricthostkeychecking"]) {
	case "", "yes", "ask":
		cfg.HostKeyCallback, err = sshlib.KnownHosts(sshlib.StrictHostKeyChecking, files...)
	case "accept-new":
		cfg.HostKeyCallback, err = sshlib.KnownHosts(sshlib.AcceptNewHostKeys, files...)
	case "no", "off":
		cfg.HostKeyCallback = sshlib.InsecureIgnoreHostKey()
	default:
		return nil, fmt.Errorf("StrictHostKeyChecking: bad value %q", o.opts["stricthostkeychecking"])
	}
	if err != nil {
		return nil, err
	}
	// Like ssh(1): without -o HostKeyAlgorithms, prefer the key types
	// known_hosts already has for this host.
	if len(cfg.HostKeyAlgorithms) == 0 && !strings.EqualFold(o.opts["stricthostkeychecking"], "no") && !strings.EqualFold(o.opts["stricthostkeychecking"], "off") {
		if cfg.HostKeyAlgorithms, err = sshlib.KnownHostKeyAlgorithms(net.JoinHostPort(o.host, o.port), files...); err != nil {
			return nil, err
		}
	}

	// Authentication, in OpenSSH's order: publickey (files, then the
	// agent), keyboard-interactive, password.
	var signers []sshlib.Signer
	ids := o.identities
	explicit := len(ids) > 0
	if !explicit {
		if home, err := os.UserHomeDir(); err == nil {
			for _, n := range []string{"id_ed25519", "id_ecdsa", "id_rsa"} {
				ids = append(ids, filepath.Join(home, ".ssh", n))
			}
		}
	}
	for _, f := range ids {
		s, err := loadKey(expandHome(f), explicit)
		if err != nil {
			if explicit {
				return nil, err
			}
			fmt.Fprintf(stderr, "sshmatrix: skipping %s: %v\n", f, err)
			continue
		}
		if s != nil {
			signers = append(signers, s)
		}
	}
	if len(signers) > 0 {
		cfg.Auth = append(cfg.Auth, sshlib.PublicKeys(signers...))
	}
	if os.Getenv("SSH_AUTH_SOCK") != "" {
		cfg.Auth = append(cfg.Auth, sshlib.Agent())
	}
	prompt := func(p string) (string, error) {
		if pw, ok := os.LookupEnv("SSHPASS"); ok {
			return pw, nil
		}
		return readSecret(p)
	}
	if o.yes("KbdInteractiveAuthentication", true) {
		cfg.Auth = append(cfg.Auth, sshlib.KeyboardInteractive(func(name, instr string, qs []string, echos []bool) ([]string, error) {
			if instr != "" {
				fmt.Fprintln(stderr, instr)
			}
			ans := make([]string, len(qs))
			for i, q := range qs {
				var err error
				if ans[i], err = prompt(q); err != nil {
					return nil, err
				}
			}
			return ans, nil
		}))
	}
	if o.yes("PasswordAuthentication", true) {
		cfg.Auth = append(cfg.Auth, sshlib.PasswordCallback(func() (string, error) {
			return prompt(fmt.Sprintf("%s@%s's password: ", o.user, o.host))
		}))
	}
	cfg.BannerCallback = func(m string) error { fmt.Fprint(stderr, m); return nil }
	return cfg, nil
}

func expandHome(p string) string {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	return p
}

// loadKey reads a private key and, if it exists, the certificate beside it
// (KEY-cert.pub), as ssh(1) does. A missing default key is no error.
func loadKey(path string, explicit bool) (sshlib.Signer, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && !explicit {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	s, err := sshlib.ParsePrivateKey(b)
	if errors.Is(err, sshlib.ErrPassphraseNeeded) {
		pass, perr := readSecret(fmt.Sprintf("Enter passphrase for key '%s': ", path))
		if perr != nil {
			return nil, perr
		}
		s, err = sshlib.ParsePrivateKeyWithPassphrase(b, []byte(pass))
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if cb, err := os.ReadFile(path + "-cert.pub"); err == nil {
		cert, _, _, err := sshlib.ParseAuthorizedKey(cb)
		if err != nil {
			return nil, fmt.Errorf("%s-cert.pub: %w", path, err)
		}
		if s, err = sshlib.NewCertSigner(cert, s); err != nil {
			return nil, fmt.Errorf("%s-cert.pub: %w", path, err)
		}
	}
	return s, nil
}

// readLine reads a line from r without its end.
func readLine(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && line == "" {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func sshMain(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	o, err := parseSSHArgs(args, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stderr, "sshmatrix ssh: %v\n", err)
		}
		return 255
	}
	cfg, err := o.clientConfig(stderr)
	if err != nil {
		fmt.Fprintf(stderr, "sshmatrix ssh: %v\n", err)
		return 255
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	addr := net.JoinHostPort(o.host, o.port)
	c, err := sshlib.Dial(ctx, "tcp", addr, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "sshmatrix ssh: %v\n", err)
		return 255
	}
	defer c.Close()
	if o.verbose {
		printNegotiated(stderr, c.Negotiated())
	}
	s, err := c.NewSession(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "sshmatrix ssh: %v\n", err)
		return 255
	}
	defer s.Close()
	s.Stdout, s.Stderr = stdout, stderr
	if !o.noStdin {
		s.Stdin = stdin
	}
	if o.command == "" {
		err = s.Shell(ctx)
		if err == nil {
			err = s.Wait()
		}
	} else {
		err = s.Run(ctx, o.command)
	}
	var ee *sshlib.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee) && ee.Signal == "":
		return ee.Status
	case errors.As(err, &ee):
		fmt.Fprintf(stderr, "sshmatrix ssh: %v\n", err)
		return 255
	}
	fmt.Fprintf(stderr, "sshmatrix ssh: %v\n", err)
	return 255
}

func printNegotiated(w io.Writer, n sshlib.Negotiated) {
	dir := func(d sshlib.DirectionAlgorithms) string {
		mac := d.MAC
		if mac == "" {
			mac = "<implicit>"
		}
		return fmt.Sprintf("cipher: %s MAC: %s compression: %s", d.Cipher, mac, d.Compression)
	}
	fmt.Fprintf(w, "debug1: remote software version: %s\n", n.ServerVersion)
	fmt.Fprintf(w, "debug1: kex: algorithm: %s\n", n.KeyExchange)
	fmt.Fprintf(w, "debug1: kex: host key algorithm: %s\n", n.HostKey)
	fmt.Fprintf(w, "debug1: kex: server->client %s\n", dir(n.ServerToClient))
	fmt.Fprintf(w, "debug1: kex: client->server %s\n", dir(n.ClientToServer))
	fmt.Fprintf(w, "debug1: strict kex: %v, ext-info: %v, key exchanges: %d\n", n.StrictKex, n.ExtInfo, n.KeyExchanges)
}
