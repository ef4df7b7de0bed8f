package scenarios

import (
	"bufio"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/sshmatrix/sshmatrix/sshlib"
)

// Input formats ParseInput recognises.
const (
	FormatSSHDConfig = "sshd_config excerpt"
	FormatSSHDT      = "sshd -T output"
	FormatSSHLog     = "ssh -vv log"
	FormatAudit      = "ssh-audit JSON"
)

// Input is what a user pasted, reduced to what reproduces the server.
type Input struct {
	Name     string
	Format   string
	Software string // the server's software version ("OpenSSH_9.2p1", "dropbear_2022.83"), if the input says
	// Lines are the sshd_config lines that restrict the algorithms, with
	// where they came from, in input order (first occurrence wins, as in sshd).
	Lines []ConfigLine
	// Observed is true when the lists are what a server offered (a log or
	// ssh-audit) rather than what a user configured.
	Observed bool
	Ignored  []string // what was left out, and why
}

// ConfigLine is one sshd_config line and where it came from.
type ConfigLine struct {
	Line    int // 1-based line of the input; 0 for JSON input
	Keyword string
	Value   string
}

func (l ConfigLine) String() string { return l.Keyword + " " + l.Value }

// InputError is input that cannot be reproduced; Line is 0 when it is
// about the whole input.
type InputError struct {
	Name string
	Line int
	Msg  string
}

func (e *InputError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("scenarios: %s: line %d: %s", e.Name, e.Line, e.Msg)
	}
	return fmt.Sprintf("scenarios: %s: %s", e.Name, e.Msg)
}

// algorithmKeywords are the sshd_config keywords reproduce passes to the
// server, in canonical spelling; everything else (Port, PasswordAuthentication,
// ...) is about the host, not the handshake, and is ignored so the test user
// can still log in.
var algorithmKeywords = []string{"KexAlgorithms", "Ciphers", "MACs", "HostKeyAlgorithms", "RequiredRSASize", "RekeyLimit"}

func canonicalKeyword(k string) (string, bool) {
	for _, c := range algorithmKeywords {
		if strings.EqualFold(c, k) {
			return c, true
		}
	}
	return "", false
}

// keywordOfClass maps an algorithm class to its sshd_config keyword.
var keywordOfClass = map[string]string{
	sshlib.ClassKex: "KexAlgorithms", sshlib.ClassHostKey: "HostKeyAlgorithms",
	sshlib.ClassCipher: "Ciphers", sshlib.ClassMAC: "MACs",
}

// ParseInput recognises the format of data and extracts the server's
// algorithm configuration. name is used in errors ("-" is standard input).
func ParseInput(name string, data []byte) (*Input, error) {
	text := strings.ReplaceAll(string(data), "\r", "")
	if strings.TrimSpace(text) == "" {
		return nil, &InputError{Name: name, Msg: "empty input: want an sshd_config excerpt, sshd -T output, an ssh -vv log or ssh-audit JSON"}
	}
	in := &Input{Name: name}
	var err error
	switch t := strings.TrimSpace(text); {
	case strings.HasPrefix(t, "{"):
		err = in.parseAudit([]byte(t))
	case reDebug.MatchString(text) || strings.Contains(text, "OpenSSH_") && strings.Contains(text, "debug"):
		err = in.parseLog(text)
	default:
		err = in.parseConfig(text)
	}
	if err != nil {
		return nil, err
	}
	if len(in.Lines) == 0 {
		return nil, &InputError{Name: name, Msg: fmt.Sprintf("%s without any algorithm setting (%s): nothing to reproduce", in.Format, strings.Join(algorithmKeywords, ", "))}
	}
	return in, nil
}

var reDebug = regexp.MustCompile(`(?m)^debug[123]: `)

func (in *Input) parseConfig(text string) error {
	in.Format = FormatSSHDConfig
	seen := map[string]int{}
	inMatch := 0
	directives, comments, lower := 0, 0, 0
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		raw := sc.Text()
		l := strings.TrimSpace(raw)
		if l == "" {
			continue
		}
		if strings.HasPrefix(l, "#") {
			comments++
			continue
		}
		k, v, ok := splitConfigLine(l)
		if !ok {
			return &InputError{Name: in.Name, Line: n, Msg: fmt.Sprintf("not an sshd_config line (want \"Keyword value\"), and not an ssh -vv log or ssh-audit JSON either: %q", trunc(raw, 80))}
		}
		directives++
		if k == strings.ToLower(k) {
			lower++
		}
		if strings.EqualFold(k, "Match") {
			if inMatch == 0 {
				inMatch = n
			}
			continue
		}
		if inMatch > 0 {
			// sshd_config(5): a Match block lasts to the next Match or the end.
			if _, ok := canonicalKeyword(k); ok {
				in.Ignored = append(in.Ignored, fmt.Sprintf("line %d: %s inside the Match block of line %d (applies to some connections only)", n, k, inMatch))
			}
			continue
		}
		ck, ok := canonicalKeyword(k)
		if !ok {
			in.Ignored = append(in.Ignored, fmt.Sprintf("line %d: %s (not about algorithms)", n, k))
			continue
		}
		if first, dup := seen[ck]; dup {
			in.Ignored = append(in.Ignored, fmt.Sprintf("line %d: %s again (sshd keeps the first value, line %d)", n, k, first))
			continue
		}
		seen[ck] = n
		v = strings.Trim(v, `"`)
		in.Lines = append(in.Lines, ConfigLine{Line: n, Keyword: ck, Value: v})
	}
	// sshd -T prints every keyword (dozens), never a comment; lowercase up
	// to 10.0, CamelCase from 10.6 (server-inventory.md, OpenSSH gotcha 7).
	if comments == 0 && directives >= 30 && (lower == directives || seen["KexAlgorithms"] > 0 && seen["Ciphers"] > 0 && seen["MACs"] > 0 && seen["HostKeyAlgorithms"] > 0) {
		in.Format = FormatSSHDT
		in.Ignored = slices.DeleteFunc(in.Ignored, func(s string) bool { return strings.HasSuffix(s, "(not about algorithms)") })
		in.Ignored = append(in.Ignored, "every other keyword of the sshd -T output (not about algorithms)")
	}
	return nil
}

// The labels of the OpenSSH client's "peer server KEXINIT proposal" block
// (kex.c, kex_proposal_print).
var logLabels = map[string]string{
	"KEX algorithms":      sshlib.ClassKex,
	"host key algorithms": sshlib.ClassHostKey,
	"ciphers ctos":        sshlib.ClassCipher,
	"MACs ctos":           sshlib.ClassMAC,
}

var (
	reRemoteVersion = regexp.MustCompile(`remote software version (\S+)`)
	reTheirOffer    = regexp.MustCompile(`no matching (key exchange method|host key type|cipher|MAC) found\. Their offer: (\S+)`)
)

func (in *Input) parseLog(text string) error {
	in.Format, in.Observed = FormatSSHLog, true
	lines := strings.Split(text, "\n")
	peer := false
	found := map[string]bool{}
	for i, l := range lines {
		if m := reRemoteVersion.FindStringSubmatch(l); m != nil && in.Software == "" {
			in.Software = m[1]
		}
		_, msg, ok := strings.Cut(l, ": ")
		if !ok || !strings.HasPrefix(strings.TrimSpace(l), "debug") {
			continue
		}
		switch {
		case strings.HasPrefix(msg, "peer server KEXINIT proposal"):
			peer = true
			continue
		case strings.HasPrefix(msg, "local client KEXINIT proposal"), strings.HasPrefix(msg, "reserved"):
			peer = false
			continue
		}
		if !peer {
			continue
		}
		label, value, ok := strings.Cut(msg, ": ")
		if class, known := logLabels[label]; ok && known && !found[class] {
			found[class] = true
			in.addObserved(i+1, class, strings.Split(strings.TrimSpace(value), ","))
		}
	}
	if len(found) == 0 {
		// ssh -v only: the error line still names the server's list of the failing class.
		for i, l := range lines {
			if m := reTheirOffer.FindStringSubmatch(l); m != nil {
				class := map[string]string{"key exchange method": sshlib.ClassKex, "host key type": sshlib.ClassHostKey, "cipher": sshlib.ClassCipher, "MAC": sshlib.ClassMAC}[m[1]]
				in.addObserved(i+1, class, strings.Split(m[2], ","))
				in.Ignored = append(in.Ignored, "the log has no \"peer server KEXINIT proposal\" block (run ssh -vv): only the failing class's list is known; the other classes keep the server's defaults")
			}
		}
	}
	if len(in.Lines) == 0 {
		return &InputError{Name: in.Name, Msg: "ssh log without the server's proposal: no \"peer server KEXINIT proposal\" block and no \"Their offer:\" line; run ssh -vv (or -vvv) and paste its output"}
	}
	return nil
}

// addObserved records a server's list as the sshd_config line that makes
// an OpenSSH server offer it; pseudo-algorithms are dropped (sshd rejects them).
func (in *Input) addObserved(line int, class string, names []string) {
	var keep []string
	for _, n := range names {
		n = strings.TrimSpace(n)
		switch {
		case n == "":
		case isPseudoKex(n):
			in.Ignored = append(in.Ignored, fmt.Sprintf("line %d: %s (a signal, not an algorithm: the server adds it itself)", line, n))
		default:
			keep = append(keep, n)
		}
	}
	if len(keep) > 0 {
		in.Lines = append(in.Lines, ConfigLine{Line: line, Keyword: keywordOfClass[class], Value: strings.Join(keep, ",")})
	}
}

func isPseudoKex(n string) bool {
	switch n {
	case "ext-info-s", "ext-info-c", "kex-strict-s-v00@openssh.com", "kex-strict-c-v00@openssh.com", "kexguess2@matt.ucc.asn.au":
		return true
	}
	return false
}

// auditJSON is the part of ssh-audit's JSON output (ssh-audit -j) used here.
type auditJSON struct {
	Banner *struct {
		Raw      string `json:"raw"`
		Software string `json:"software"`
	} `json:"banner"`
	Kex []auditAlg `json:"kex"`
	Key []auditAlg `json:"key"`
	Enc []auditAlg `json:"enc"`
	MAC []auditAlg `json:"mac"`
}

type auditAlg struct {
	Algorithm string `json:"algorithm"`
}

func (in *Input) parseAudit(b []byte) error {
	in.Format, in.Observed = FormatAudit, true
	var a auditJSON
	if err := json.Unmarshal(b, &a); err != nil {
		line := 0
		if se, ok := err.(*json.SyntaxError); ok {
			line = lineOf(b, se.Offset)
		}
		return &InputError{Name: in.Name, Line: line, Msg: fmt.Sprintf("input starts with '{' but is not ssh-audit JSON: %v", err)}
	}
	if len(a.Kex)+len(a.Key)+len(a.Enc)+len(a.MAC) == 0 {
		return &InputError{Name: in.Name, Msg: "JSON without ssh-audit's \"kex\", \"key\", \"enc\" or \"mac\" lists"}
	}
	if a.Banner != nil {
		in.Software = a.Banner.Software
		if in.Software == "" {
			if _, rest, ok := strings.Cut(a.Banner.Raw, "SSH-2.0-"); ok {
				in.Software, _, _ = strings.Cut(rest, " ")
			}
		}
	}
	for _, c := range []struct {
		class string
		algs  []auditAlg
	}{{sshlib.ClassKex, a.Kex}, {sshlib.ClassHostKey, a.Key}, {sshlib.ClassCipher, a.Enc}, {sshlib.ClassMAC, a.MAC}} {
		var names []string
		for _, x := range c.algs {
			names = append(names, x.Algorithm)
		}
		in.addObserved(0, c.class, names)
	}
	return nil
}

func trunc(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// lineFor finds the input line of a keyword.
func (in *Input) lineFor(keyword string) (ConfigLine, bool) {
	for _, l := range in.Lines {
		if strings.EqualFold(l.Keyword, keyword) {
			return l, true
		}
	}
	return ConfigLine{}, false
}
