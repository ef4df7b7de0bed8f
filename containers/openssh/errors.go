package openssh

import (
	"fmt"
	"strings"
)

// ConfigError: sshd -t of this version rejects the configuration, typically
// because a name in an algorithm list is unknown to it (sshd refuses to start
// then; server-inventory.md, OpenSSH gotcha 5).
type ConfigError struct {
	Version string
	Option  string   // the keyword at fault, when it could be determined
	Unknown []string // names this version does not know
	Output  string   // what sshd -t said
}

func (e *ConfigError) Error() string {
	msg := firstLine(e.Output)
	if len(e.Unknown) > 0 {
		return fmt.Sprintf("openssh: OpenSSH %s does not know %s %s (sshd -t: %s)",
			e.Version, e.Option, strings.Join(e.Unknown, ","), msg)
	}
	if e.Option != "" {
		return fmt.Sprintf("openssh: OpenSSH %s rejects option %s (sshd -t: %s)", e.Version, e.Option, msg)
	}
	return fmt.Sprintf("openssh: OpenSSH %s rejects the configuration (sshd -t: %s)", e.Version, msg)
}

func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	return "no output"
}

// queryOf maps an algorithm-list keyword to the `ssh -Q` query listing the
// names this version accepts for it.
var queryOf = map[string]string{
	"kexalgorithms":               "kex",
	"ciphers":                     "cipher",
	"macs":                        "mac",
	"hostkeyalgorithms":           "key-sig",
	"pubkeyacceptedalgorithms":    "key-sig",
	"pubkeyacceptedkeytypes":      "key-sig",
	"casignaturealgorithms":       "key-sig",
	"hostbasedacceptedalgorithms": "key-sig",
	"hostbasedacceptedkeytypes":   "key-sig",
}

// parseConfigError reads run-sshd's report (lines "SSHMATRIX-SSHD-T: ..." with
// sshd's complaint and "SSHMATRIX-Q <query> <names...>" with what the version
// knows) and names the unknown names of the options that were set.
func parseConfigError(version string, s *settings, report string) *ConfigError {
	e := &ConfigError{Version: version}
	known := map[string]map[string]bool{}
	var out []string
	for _, l := range strings.Split(report, "\n") {
		l = strings.TrimSpace(l)
		if rest, ok := strings.CutPrefix(l, "SSHMATRIX-SSHD-T: "); ok {
			out = append(out, rest)
		} else if rest, ok := strings.CutPrefix(l, "SSHMATRIX-Q "); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				m := map[string]bool{}
				for _, n := range f[1:] {
					m[n] = true
				}
				known[f[0]] = m
			}
		}
	}
	e.Output = strings.Join(out, "\n")
	for _, kv := range s.kv {
		q, ok := queryOf[strings.ToLower(kv[0])]
		if !ok || known[q] == nil {
			continue
		}
		var unknown []string
		for _, n := range strings.Split(kv[1], ",") {
			n = strings.TrimLeft(strings.TrimSpace(n), "+-^")
			if n == "" || strings.ContainsAny(n, "*?!") {
				continue
			}
			if !known[q][n] {
				unknown = append(unknown, n)
			}
		}
		if len(unknown) > 0 {
			e.Option, e.Unknown = kv[0], unknown
			return e
		}
	}
	for _, l := range out {
		if i := strings.Index(l, "Bad configuration option: "); i >= 0 {
			e.Option = strings.TrimSpace(l[i+len("Bad configuration option: "):])
			break
		}
	}
	return e
}
