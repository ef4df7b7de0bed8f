package scenarios

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sshmatrix/sshmatrix/containers"
	"github.com/sshmatrix/sshmatrix/containers/dropbear"
	"github.com/sshmatrix/sshmatrix/containers/openssh"
	"github.com/sshmatrix/sshmatrix/sshlib"
)

// ReproduceOptions tune Reproduce.
type ReproduceOptions struct {
	// Server forces a build: "openssh-9.2p1", "dropbear-2022.83" (optionally
	// "-profile"); empty picks the closest.
	Server     string
	Iterations int // connections with sshlib's default client; 0 means 1
}

// Diagnosis is what reproducing an input showed.
type Diagnosis struct {
	Input    *Input
	Family   string
	Version  string
	Profile  string   // Dropbear
	HostKeys []string // Dropbear
	Why      string   // why this build
	Config   []string // sshd_config lines the server ran with
	Dropped  []string // observed names the build does not know

	Iterations int
	Failures   int
	Negotiated *sshlib.Negotiated // with sshlib's default client
	Err        error              // the first failure with the default client
	// Fixes say what sshlib would need; OptIn is the client configuration
	// that connects after enabling legacy algorithms (nil if none helped).
	Fixes       []string
	OptIn       *ClientSpec
	OptInResult *sshlib.Negotiated
	OptInErr    error
	ServerLog   string
}

// Reproduce picks the closest server build for the input, configures it,
// connects sshlib and diagnoses the outcome.
func Reproduce(ctx context.Context, in *Input, o ReproduceOptions) (*Diagnosis, error) {
	d := &Diagnosis{Input: in, Iterations: max(o.Iterations, 1)}
	family, version, profile, err := pickBuild(in, o.Server)
	if err != nil {
		return nil, err
	}
	d.Family, d.Profile = family, profile
	var srv *server
	switch family {
	case OpenSSH:
		srv, err = d.configureOpenSSH(ctx, version, o.Server != "")
	case Dropbear:
		srv, err = d.configureDropbear(ctx, version, profile)
	}
	if err != nil {
		return nil, err
	}
	sc := d.Scenario("")
	for i := range d.Iterations {
		neg, log, err := handshake(ctx, srv, sc, nil)
		if i == 0 {
			d.ServerLog = tail(log, serverLogTail)
		}
		if err != nil {
			d.Failures++
			if d.Err == nil {
				d.Err, d.ServerLog = err, tail(log, serverLogTail)
			}
			var ne *sshlib.NegotiationError
			if errors.As(err, &ne) {
				break // deterministic: repeating it shows nothing new
			}
			continue
		}
		if d.Negotiated == nil {
			d.Negotiated = &neg
		}
	}
	var ne *sshlib.NegotiationError
	if errors.As(d.Err, &ne) {
		d.findOptIns(ctx, srv, sc, ne)
	}
	return d, nil
}

// handshake connects, runs one command and closes.
func handshake(ctx context.Context, srv *server, sc *Scenario, client *ClientSpec) (sshlib.Negotiated, string, error) {
	ctx, cancel := context.WithTimeout(ctx, connTimeout)
	defer cancel()
	s := *sc
	if client != nil {
		s.Client = *client
	}
	conn, err := srv.dial(ctx, &s)
	if err != nil {
		return sshlib.Negotiated{}, "", fmt.Errorf("start the server for this connection: %w", err)
	}
	c, err := sshlib.NewClientConn(ctx, conn, "sshmatrix-server:22", s.clientConfig(srv))
	if err != nil {
		conn.Close()
		return sshlib.Negotiated{}, conn.ServerLog(), err
	}
	err = runEcho(ctx, c, "after login")
	neg := c.Negotiated()
	c.Close()
	conn.Close()
	return neg, conn.ServerLog(), err
}

// findOptIns retries with the server's names that sshlib implements but
// does not offer by default, one class at a time, to say everything the
// caller must enable.
func (d *Diagnosis) findOptIns(ctx context.Context, srv *server, sc *Scenario, ne *sshlib.NegotiationError) {
	spec := &ClientSpec{}
	for range 4 {
		cands := optInCandidates(ne)
		if len(cands) == 0 {
			d.Fixes = append(d.Fixes, fmt.Sprintf("sshlib does not implement any %s algorithm the server offers (%s): it would need one of them implemented", ne.Class, strings.Join(realNames(ne.Theirs), ", ")))
			d.OptIn, d.OptInErr = nil, ne
			return
		}
		field, list := spec.field(ne.Class)
		d.Fixes = append(d.Fixes, fmt.Sprintf("enable the legacy %s algorithm %s by naming it in Config.%s%s", ne.Class, cands[0], field, orAlso(cands[1:])))
		*list = append(defaultNames(ne.Class), cands[0])
		d.OptIn = spec
		neg, _, err := handshake(ctx, srv, sc, spec)
		if err == nil {
			d.OptInResult, d.OptInErr = &neg, nil
			return
		}
		d.OptInErr = err
		if !errors.As(err, &ne) {
			return
		}
	}
}

func orAlso(more []string) string {
	if len(more) == 0 {
		return ""
	}
	return " (the server also has " + strings.Join(more, ", ") + ")"
}

// optInCandidates are the server's names of the failing class that sshlib
// implements but did not offer, in the server's order.
func optInCandidates(ne *sshlib.NegotiationError) []string {
	var out []string
	for _, n := range ne.Theirs {
		if !isPseudoKex(n) && !slices.Contains(ne.Ours, n) && slices.Contains(sshlib.SupportedNames(ne.Class), n) && !strings.Contains(n, "-cert-") {
			out = append(out, n)
		}
	}
	// Suggest the least weak first: group1, 3DES, MD5 and DSA last.
	weak := func(n string) bool {
		return strings.Contains(n, "group1-") || strings.Contains(n, "3des") || strings.Contains(n, "md5") || strings.Contains(n, "dss")
	}
	slices.SortStableFunc(out, func(a, b string) int {
		switch {
		case weak(a) == weak(b):
			return 0
		case weak(a):
			return 1
		}
		return -1
	})
	return out
}

func realNames(names []string) []string {
	return slices.DeleteFunc(slices.Clone(names), isPseudoKex)
}

// defaultNames is sshlib's default list of a class (host keys without
// certificate forms, which need Config.HostAuthorities).
func defaultNames(class string) []string {
	var out []string
	for _, a := range sshlib.Algorithms() {
		if a.Class == class && a.Default && !strings.Contains(a.Name, "-cert-") {
			out = append(out, a.Name)
		}
	}
	return out
}

func (c *ClientSpec) field(class string) (string, *[]string) {
	switch class {
	case sshlib.ClassKex:
		return "KeyExchanges", &c.KeyExchanges
	case sshlib.ClassHostKey:
		return "HostKeyAlgorithms", &c.HostKeyAlgorithms
	case sshlib.ClassCipher:
		return "Ciphers", &c.Ciphers
	}
	return "MACs", &c.MACs
}

var (
	reOpenSSHVersion  = regexp.MustCompile(`(?i)OpenSSH_(\d+)\.(\d+)`)
	reDropbearVersion = regexp.MustCompile(`(?i)dropbear_(\d+)\.(\d+)`)
	reVersionNum      = regexp.MustCompile(`^(\d+)\.(\d+)`)
)

func versionNumber(v string) int {
	m := reVersionNum.FindStringSubmatch(v)
	if m == nil {
		return 0
	}
	a, _ := strconv.Atoi(m[1])
	b, _ := strconv.Atoi(m[2])
	return a*1000 + b
}

// pickBuild chooses the family and the order of candidate versions.
func pickBuild(in *Input, force string) (family, version, profile string, err error) {
	if force != "" {
		for _, b := range containers.Builds {
			id := b.Flavour + "-" + b.Version
			if force == id || strings.HasPrefix(force, id+"-") {
				if b.Flavour == "tinyssh" {
					return "", "", "", fmt.Errorf("scenarios: %s: TinySSH cannot be configured", force)
				}
				profile = strings.TrimPrefix(strings.TrimPrefix(force, id), "-")
				if profile != "" && (b.Flavour != Dropbear || !slices.Contains(profilesOf(b.Version), profile)) {
					return "", "", "", fmt.Errorf("scenarios: %s has no profile %q", id, profile)
				}
				return b.Flavour, b.Version, profile, nil
			}
		}
		return "", "", "", fmt.Errorf("scenarios: no server build %q (want e.g. openssh-9.2p1 or dropbear-2022.83)", force)
	}
	family = OpenSSH
	if reDropbearVersion.MatchString(in.Software) || strings.HasPrefix(strings.ToLower(in.Software), "dropbear") {
		family = Dropbear
	}
	return family, "", "", nil
}

// candidates orders a family's versions: closest to the input's software
// version first (ties to the older), or newest first when it has none.
func candidates(family, software string) ([]string, string) {
	vs := slices.Clone(containers.Versions(family))
	re := reOpenSSHVersion
	if family == Dropbear {
		re = reDropbearVersion
	}
	m := re.FindStringSubmatch(software)
	if m == nil {
		slices.Reverse(vs)
		return vs, "newest " + family + " build that accepts every name"
	}
	want := versionNumber(m[1] + "." + m[2])
	slices.SortStableFunc(vs, func(a, b string) int {
		da, db := abs(versionNumber(a)-want), abs(versionNumber(b)-want)
		if da != db {
			return da - db
		}
		return versionNumber(a) - versionNumber(b)
	})
	if versionNumber(vs[0]) == want {
		return vs, fmt.Sprintf("the input's server is %s", software)
	}
	return vs, fmt.Sprintf("closest build to the input's %s", software)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// configureOpenSSH finds the build and the sshd_config lines. A user's
// configuration must be accepted as written: a rejected line is an error
// naming it. An observed offer may name algorithms no build here knows
// (an older server): those are dropped and listed.
func (d *Diagnosis) configureOpenSSH(ctx context.Context, forced string, isForced bool) (*server, error) {
	in := d.Input
	vs, why := candidates(OpenSSH, in.Software)
	if isForced {
		vs, why = []string{forced}, "chosen with --server"
	}
	lines := func(cl []ConfigLine) []string {
		var out []string
		for _, l := range cl {
			out = append(out, l.String())
		}
		return out
	}
	// With the input's own version (or --server) only that build is asked;
	// otherwise every build, newest first, until one accepts every line.
	tryAll := in.Observed || (!isForced && !reOpenSSHVersion.MatchString(in.Software))
	var firstErr error
	for i, v := range vs {
		if i > 0 && !tryAll {
			break
		}
		srv, err := getServer(ctx, OpenSSH, v, "default")
		if err != nil {
			return nil, err
		}
		err = srv.ssh.Check(ctx, openssh.WithConfig(lines(in.Lines)...))
		if err == nil {
			if i > 0 {
				why = fmt.Sprintf("%s (closer builds reject a line: %v)", why, firstErr)
			}
			d.Version, d.Why, d.Config = v, why, lines(in.Lines)
			return srv, nil
		}
		var ce *openssh.ConfigError
		if !errors.As(err, &ce) {
			return nil, err
		}
		if firstErr == nil {
			firstErr = in.lineError(ce)
		}
	}
	if !in.Observed {
		return nil, firstErr
	}
	// Observed offer: run the closest build without the names it lacks.
	v := vs[0]
	srv, err := getServer(ctx, OpenSSH, v, "default")
	if err != nil {
		return nil, err
	}
	cl := slices.Clone(in.Lines)
	for range 8 {
		err := srv.ssh.Check(ctx, openssh.WithConfig(lines(cl)...))
		if err == nil {
			d.Version, d.Why, d.Config = v, why+"; names it does not know were dropped", lines(cl)
			return srv, nil
		}
		var ce *openssh.ConfigError
		if !errors.As(err, &ce) || len(ce.Unknown) == 0 {
			return nil, in.lineError(ce)
		}
		for i := range cl {
			if !strings.EqualFold(cl[i].Keyword, ce.Option) {
				continue
			}
			names := slices.DeleteFunc(strings.Split(cl[i].Value, ","), func(n string) bool { return slices.Contains(ce.Unknown, n) })
			for _, u := range ce.Unknown {
				d.Dropped = append(d.Dropped, fmt.Sprintf("%s %s (OpenSSH %s does not know it%s)", cl[i].Keyword, u, v, sshlibKnows(u)))
			}
			if len(names) == 0 {
				return nil, &InputError{Name: in.Name, Line: cl[i].Line, Msg: fmt.Sprintf("no %s name the server offered is known to any OpenSSH build here (%s); it cannot be reproduced", cl[i].Keyword, cl[i].Value)}
			}
			cl[i].Value = strings.Join(names, ",")
		}
	}
	return nil, fmt.Errorf("scenarios: %s: OpenSSH %s keeps rejecting the configuration", in.Name, v)
}

func sshlibKnows(name string) string {
	for _, c := range classes {
		if slices.Contains(sshlib.SupportedNames(c), name) {
			return ""
		}
	}
	return "; neither does sshlib"
}

// lineError turns sshd -t's complaint into an error naming the input line.
func (in *Input) lineError(ce *openssh.ConfigError) error {
	if ce == nil {
		return &InputError{Name: in.Name, Msg: "the server rejects the configuration"}
	}
	msg := fmt.Sprintf("OpenSSH %s rejects this line: %s", ce.Version, ce.Error())
	if len(ce.Unknown) > 0 {
		msg = fmt.Sprintf("OpenSSH %s does not know %s %s", ce.Version, ce.Option, strings.Join(ce.Unknown, ","))
	}
	if l, ok := in.lineFor(ce.Option); ok {
		return &InputError{Name: in.Name, Line: l.Line, Msg: fmt.Sprintf("%q: %s", trunc(l.String(), 120), msg)}
	}
	return &InputError{Name: in.Name, Msg: msg}
}

// configureDropbear picks the version and the profile whose offer is
// closest to the observed one, and the host keys that give its host-key list.
func (d *Diagnosis) configureDropbear(ctx context.Context, forced, profile string) (*server, error) {
	in := d.Input
	vs, why := candidates(Dropbear, in.Software)
	if forced != "" {
		vs, why = []string{forced}, "chosen with --server"
	}
	v := vs[0]
	d.Version, d.Why = v, why
	profiles := profilesOf(v)
	if profile != "" {
		profiles = []string{profile}
	}
	best, bestScore := "", -1<<30
	var bestSrv *server
	for _, p := range profiles {
		srv, err := getServer(ctx, Dropbear, v, p)
		if err != nil {
			return nil, err
		}
		if len(profiles) == 1 {
			best, bestSrv = p, srv
			break
		}
		a, err := srv.db.Algorithms(ctx)
		if err != nil {
			return nil, fmt.Errorf("scenarios: dropbear %s %s: %w", v, p, err)
		}
		score := 0
		for _, pair := range [][2][]string{
			{in.names("KexAlgorithms"), a.Kex}, {in.names("Ciphers"), a.CiphersClientServer}, {in.names("MACs"), a.MACsClientServer},
		} {
			for _, n := range realNames(pair[1]) {
				if slices.Contains(pair[0], n) {
					score++
				} else {
					score--
				}
			}
			for _, n := range pair[0] {
				if !slices.Contains(pair[1], n) {
					score--
				}
			}
		}
		if score > bestScore {
			best, bestScore, bestSrv = p, score, srv
		}
	}
	d.Profile = best
	if len(profiles) > 1 {
		d.Why += fmt.Sprintf("; profile %q is the closest to the offer", best)
	}
	d.HostKeys = dropbearHostKeys(in.names("HostKeyAlgorithms"), v)
	for _, l := range in.Lines {
		d.Config = append(d.Config, "(observed) "+l.String())
	}
	return bestSrv, nil
}

func (in *Input) names(keyword string) []string {
	if l, ok := in.lineFor(keyword); ok {
		return strings.Split(l.Value, ",")
	}
	return nil
}

// dropbearHostKeys maps offered host-key algorithms to the keys to load.
func dropbearHostKeys(algs []string, version string) []string {
	var keys []string
	add := func(k dropbear.HostKey) {
		if !slices.Contains(keys, string(k)) {
			keys = append(keys, string(k))
		}
	}
	for _, a := range algs {
		switch a {
		case "ssh-ed25519":
			add(dropbear.Ed25519)
		case "ecdsa-sha2-nistp256":
			add(dropbear.ECDSA256)
		case "ecdsa-sha2-nistp384":
			add(dropbear.ECDSA384)
		case "ecdsa-sha2-nistp521":
			add(dropbear.ECDSA521)
		case "rsa-sha2-256", "rsa-sha2-512", "ssh-rsa":
			add(dropbear.RSA)
		case "ssh-dss":
			if version == "2020.81" || version == "2022.83" {
				add(dropbear.DSS)
			}
		}
	}
	if len(keys) > 0 && (version == "2020.81" || version == "2022.83") {
		add(dropbear.RSA) // these advertise RSA regardless (server-inventory.md, Dropbear gotcha 3)
	}
	return keys
}

// Scenario turns the diagnosis into a scenario whose expectation is what
// sshlib's default client did. id "" derives one from the input.
func (d *Diagnosis) Scenario(id string) *Scenario {
	if id == "" {
		h := sha256.Sum256([]byte(strings.Join(d.Config, "\n") + d.Family + d.Version + d.Profile))
		id = fmt.Sprintf("repro-%s-%s-%s", d.Family, d.Version, hex.EncodeToString(h[:4]))
	}
	s := &Scenario{
		ID:     id,
		Title:  fmt.Sprintf("Reproduced from %s (%s)", d.Input.Name, d.Input.Format),
		Source: fmt.Sprintf("sshmatrix reproduce %s, %s", d.Input.Name, time.Now().UTC().Format("2006-01-02")),
		Server: ServerSpec{Family: d.Family, Versions: []string{d.Version}},
	}
	if d.Family == OpenSSH {
		s.Server.SSHDConfig = d.Config
	} else {
		if d.Profile != "default" {
			s.Server.Profile = d.Profile
		}
		s.Server.HostKeys = d.HostKeys
	}
	if d.Iterations > 1 {
		s.Iterations = d.Iterations
	}
	var notes []string
	if d.Why != "" {
		notes = append(notes, "server: "+d.Why)
	}
	if d.Input.Software != "" {
		notes = append(notes, "the input's server: "+d.Input.Software)
	}
	notes = append(notes, d.Dropped...)
	s.Notes = strings.Join(notes, "; ")
	var ne *sshlib.NegotiationError
	switch {
	case d.Negotiated != nil && d.Failures == 0:
		n := d.Negotiated
		strict := n.StrictKex
		s.Expect = map[string]*Expectation{d.Version: {Negotiated: &Negotiated{
			Kex: n.KeyExchange, HostKey: n.HostKey, Cipher: n.ClientToServer.Cipher, MAC: n.ClientToServer.MAC, StrictKex: &strict}}}
	case errors.As(d.Err, &ne):
		s.Expect = map[string]*Expectation{d.Version: {Failure: &Failure{Class: ne.Class, TheirsInclude: realNames(ne.Theirs)}}}
	}
	return s
}

// Text is the diagnosis for people.
func (d *Diagnosis) Text() string {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	in := d.Input
	sw := ""
	if in.Software != "" {
		sw = ", server " + in.Software
	}
	p("input: %s (%s%s)", in.Name, in.Format, sw)
	srv := d.Family + " " + d.Version
	if d.Family == Dropbear {
		srv += " profile " + d.Profile
		if len(d.HostKeys) > 0 {
			srv += ", host keys " + strings.Join(d.HostKeys, ",")
		}
	}
	p("server: %s (%s)", srv, d.Why)
	for _, l := range d.Config {
		p("  %s", l)
	}
	for _, x := range in.Ignored {
		p("ignored: %s", x)
	}
	for _, x := range d.Dropped {
		p("dropped: %s", x)
	}
	if d.Iterations > 1 {
		p("connections: %d, failed: %d", d.Iterations, d.Failures)
	}
	var ne *sshlib.NegotiationError
	switch {
	case d.Err == nil:
		n := d.Negotiated
		p("result: sshlib (default settings) connects")
		p("  kex %s, host key %s", n.KeyExchange, n.HostKey)
		p("  cipher %s, mac %s (client to server); cipher %s, mac %s (server to client)", n.ClientToServer.Cipher, macName(n.ClientToServer), n.ServerToClient.Cipher, macName(n.ServerToClient))
		p("  strict kex %v, ext-info %v, server %s", n.StrictKex, n.ExtInfo, n.ServerVersion)
	case errors.As(d.Err, &ne):
		p("result: sshlib (default settings) fails: no common %s algorithm", ne.Class)
		p("  sshlib offered: %s", strings.Join(ne.Ours, ","))
		p("  server offered: %s", strings.Join(ne.Theirs, ","))
		for _, f := range d.Fixes {
			p("fix: %s", f)
		}
		switch {
		case d.OptInResult != nil:
			n := d.OptInResult
			p("with that: sshlib connects: kex %s, host key %s, cipher %s, mac %s, strict kex %v", n.KeyExchange, n.HostKey, n.ClientToServer.Cipher, macName(n.ClientToServer), n.StrictKex)
		case d.OptInErr != nil && d.OptIn != nil:
			p("with that: still failing: %v", d.OptInErr)
		}
	default:
		p("result: sshlib (default settings) fails: %v", d.Err)
		if d.Negotiated != nil {
			p("  (other connections negotiated kex %s, host key %s, cipher %s)", d.Negotiated.KeyExchange, d.Negotiated.HostKey, d.Negotiated.ClientToServer.Cipher)
		}
		if d.ServerLog != "" {
			p("server log (tail):\n%s", d.ServerLog)
		}
	}
	return b.String()
}

func macName(d sshlib.DirectionAlgorithms) string {
	if d.MAC == "" {
		return "(AEAD, none)"
	}
	return d.MAC
}
