// Package scenarios turns server configurations that users reported ("your
// library can't connect to my server") into data files, runs them against
// real servers in containers, and reproduces a pasted config or debug log
// with one command (sshmatrix reproduce).
//
// CONTRACT (what the matrix and the command rely on):
//   - A scenario is one JSON file (*.json in a directory; see Scenario for
//     the schema). LoadDir checks every file strictly: unknown fields,
//     missing required fields, unknown enumerated values and versions are
//     errors that name the file and the field.
//   - Run starts (or reuses) one container per server build, connects sshlib
//     to a server process restricted for that one connection, and returns one
//     *Result per server version the scenario names. Versions of an "all"
//     scenario whose sshd rejects the configuration (sshd -t) are Results
//     with outcome "unsupported", not failures.
//   - Close terminates the containers Run started. This package never
//     imports matrix/ (the matrix imports it).
package scenarios

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/sshmatrix/sshmatrix/containers"
	"github.com/sshmatrix/sshmatrix/containers/dropbear"
	"github.com/sshmatrix/sshmatrix/sshlib"
)

// Families a scenario can run on.
const (
	OpenSSH  = "openssh"
	Dropbear = "dropbear"
)

// AllVersions in Server.Versions means every version that supports the
// configuration: for OpenSSH, every version whose sshd -t accepts the
// lines; for Dropbear, every version that has the profile.
const AllVersions = "all"

// AnyVersion is the key of Expect that applies to versions not named.
const AnyVersion = "*"

// Scenario is one reported server configuration and what sshlib must do
// against it. JSON field names are the schema.
type Scenario struct {
	ID     string `json:"id"`     // required; [a-z0-9-]+, unique in a directory
	Title  string `json:"title"`  // required
	Source string `json:"source"` // required: where it was reported
	Notes  string `json:"notes,omitempty"`

	Server ServerSpec `json:"server"`
	Client ClientSpec `json:"client,omitzero"`

	// Iterations repeats the connection (hybrid kex encoding bugs show
	// about once in 256 connections); 0 means 1.
	Iterations int `json:"iterations,omitempty"`
	// Rekey runs a client-initiated key re-exchange inside the connection
	// and a command after it (sequence numbers and keys must stay right).
	Rekey bool `json:"rekey,omitempty"`
	// PreBanner makes the connection deliver text lines before the
	// server's SSH-2.0 line (RFC 4253 §4.2 allows them).
	PreBanner *PreBanner `json:"pre_banner,omitempty"`

	// Expect maps a server version (or "*" for the others) to the outcome.
	Expect map[string]*Expectation `json:"expect"`

	// File is where the scenario was loaded from (not part of the schema).
	File string `json:"-"`
}

// ServerSpec says which server to run and how it is restricted.
type ServerSpec struct {
	Family   string   `json:"family"`   // "openssh" or "dropbear"
	Versions []string `json:"versions"` // explicit versions, or ["all"]
	// SSHDConfig are sshd_config lines ("Keyword value"), OpenSSH only.
	SSHDConfig []string `json:"sshd_config,omitempty"`
	// Profile is the Dropbear compile-time profile ("default" when empty).
	Profile string `json:"profile,omitempty"`
	// HostKeys are the Dropbear host keys to load (dropbear.HostKey names);
	// empty means the image's defaults.
	HostKeys []string `json:"host_keys,omitempty"`
}

// ClientSpec are sshlib Config lists; empty means sshlib's defaults.
// Naming a legacy algorithm is the opt-in.
type ClientSpec struct {
	KeyExchanges      []string `json:"kex,omitempty"`
	HostKeyAlgorithms []string `json:"host_key_algorithms,omitempty"`
	Ciphers           []string `json:"ciphers,omitempty"`
	MACs              []string `json:"macs,omitempty"`
	DisableStrictKex  bool     `json:"disable_strict_kex,omitempty"`
}

// PreBanner describes the text lines sent before the version line.
type PreBanner struct {
	Lines int `json:"lines"` // how many lines, 1..1000
	Width int `json:"width"` // bytes per line without CR LF, 1..8000
}

// Expectation is the outcome on one server version: exactly one of
// Negotiated and Failure.
type Expectation struct {
	Negotiated *Negotiated `json:"negotiated,omitempty"`
	Failure    *Failure    `json:"failure,omitempty"`
}

// Negotiated are the algorithms the connection must agree on (the same in
// both directions). MAC is "" for an AEAD cipher.
type Negotiated struct {
	Kex       string `json:"kex"`
	HostKey   string `json:"host_key"`
	Cipher    string `json:"cipher"`
	MAC       string `json:"mac,omitempty"`
	StrictKex *bool  `json:"strict_kex,omitempty"` // checked when set
}

// Failure is a typed failure: a *sshlib.NegotiationError of Class.
type Failure struct {
	Class string `json:"class"` // kex, hostkey, cipher, mac
	// TheirsInclude are names the server's list in the error must contain.
	TheirsInclude []string `json:"theirs_include,omitempty"`
}

var classes = []string{sshlib.ClassKex, sshlib.ClassHostKey, sshlib.ClassCipher, sshlib.ClassMAC}

// FieldError is a scenario file that does not follow the schema.
type FieldError struct {
	File  string
	Field string // JSON path, e.g. expect["9.2p1"].negotiated.kex
	Msg   string
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("scenarios: %s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("scenarios: %s: %s: %s", e.File, e.Field, e.Msg)
}

// LoadFile reads and checks one scenario file.
func LoadFile(path string) (*Scenario, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scenarios: %w", err)
	}
	return Parse(path, b)
}

// Parse decodes and checks a scenario; name is used in errors.
func Parse(name string, b []byte) (*Scenario, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, &FieldError{File: name, Msg: "empty file"}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var s Scenario
	if err := dec.Decode(&s); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, &FieldError{File: name, Msg: fmt.Sprintf("line %d: %v", lineOf(b, se.Offset), se)}
		case errors.As(err, &te):
			return nil, &FieldError{File: name, Field: te.Field, Msg: fmt.Sprintf("line %d: want %s, got JSON %s", lineOf(b, te.Offset), te.Type, te.Value)}
		}
		// Unknown fields: "json: unknown field \"x\"".
		return nil, &FieldError{File: name, Msg: strings.TrimPrefix(err.Error(), "json: ")}
	}
	if dec.More() {
		return nil, &FieldError{File: name, Msg: "more than one JSON value"}
	}
	s.File = name
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &s, nil
}

func lineOf(b []byte, off int64) int {
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	return bytes.Count(b[:off], []byte("\n")) + 1
}

// LoadDir loads every *.json file of dir, in name order. Ids must be unique.
func LoadDir(dir string) ([]*Scenario, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("scenarios: %w", err)
	}
	sort.Strings(files)
	var out []*Scenario
	seen := map[string]string{}
	for _, f := range files {
		s, err := LoadFile(f)
		if err != nil {
			return nil, err
		}
		if prev, ok := seen[s.ID]; ok {
			return nil, &FieldError{File: f, Field: "id", Msg: fmt.Sprintf("%q is also the id of %s", s.ID, prev)}
		}
		seen[s.ID] = f
		out = append(out, s)
	}
	return out, nil
}

// Validate checks the fields that the JSON decoder cannot.
func (s *Scenario) Validate() error {
	bad := func(field, format string, a ...any) error {
		return &FieldError{File: s.File, Field: field, Msg: fmt.Sprintf(format, a...)}
	}
	if s.ID == "" {
		return bad("id", "required")
	}
	for _, c := range s.ID {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return bad("id", "%q: only a-z, 0-9, '-' and '.'", s.ID)
		}
	}
	if s.Title == "" {
		return bad("title", "required")
	}
	if s.Source == "" {
		return bad("source", "required")
	}
	sv := &s.Server
	var known []string
	switch sv.Family {
	case OpenSSH:
		known = containers.Versions(OpenSSH)
		if sv.Profile != "" {
			return bad("server.profile", "only for dropbear")
		}
		if len(sv.HostKeys) > 0 {
			return bad("server.host_keys", "only for dropbear (restrict OpenSSH with HostKeyAlgorithms)")
		}
		for i, l := range sv.SSHDConfig {
			if err := checkConfigLine(l); err != nil {
				return bad(fmt.Sprintf("server.sshd_config[%d]", i), "%v", err)
			}
		}
	case Dropbear:
		known = containers.Versions(Dropbear)
		if len(sv.SSHDConfig) > 0 {
			return bad("server.sshd_config", "only for openssh (Dropbear is restricted by a build profile)")
		}
		if sv.Profile != "" && !profileExists(sv.Profile) {
			return bad("server.profile", "unknown profile %q (dropbear.Profiles)", sv.Profile)
		}
		for i, k := range sv.HostKeys {
			if !slices.Contains(hostKeyNames, k) {
				return bad(fmt.Sprintf("server.host_keys[%d]", i), "unknown host key %q, want one of %s", k, strings.Join(hostKeyNames, ", "))
			}
		}
	case "":
		return bad("server.family", "required (openssh or dropbear)")
	default:
		return bad("server.family", "%q: want openssh or dropbear", sv.Family)
	}
	if len(sv.Versions) == 0 {
		return bad("server.versions", "required: a list of versions, or [\"all\"]")
	}
	for i, v := range sv.Versions {
		if v == AllVersions {
			if len(sv.Versions) > 1 {
				return bad("server.versions", "\"all\" must be alone")
			}
			continue
		}
		if !slices.Contains(known, v) {
			return bad(fmt.Sprintf("server.versions[%d]", i), "%s has no version %q (have %s)", sv.Family, v, strings.Join(known, ", "))
		}
		if sv.Family == Dropbear && !slices.Contains(profilesOf(v), sv.profile()) {
			return bad(fmt.Sprintf("server.versions[%d]", i), "dropbear %s has no profile %q (has %s)", v, sv.profile(), strings.Join(profilesOf(v), ", "))
		}
	}
	c := &s.Client
	for _, l := range []struct {
		field, class string
		names        []string
	}{
		{"client.kex", sshlib.ClassKex, c.KeyExchanges},
		{"client.host_key_algorithms", sshlib.ClassHostKey, c.HostKeyAlgorithms},
		{"client.ciphers", sshlib.ClassCipher, c.Ciphers},
		{"client.macs", sshlib.ClassMAC, c.MACs},
	} {
		for i, n := range l.names {
			if !slices.Contains(sshlib.SupportedNames(l.class), n) {
				return bad(fmt.Sprintf("%s[%d]", l.field, i), "sshlib does not implement %s algorithm %q", l.class, n)
			}
		}
	}
	if s.Iterations < 0 || s.Iterations > 4096 {
		return bad("iterations", "%d: want 0..4096", s.Iterations)
	}
	if p := s.PreBanner; p != nil {
		if p.Lines < 1 || p.Lines > 1000 {
			return bad("pre_banner.lines", "%d: want 1..1000", p.Lines)
		}
		if p.Width < 1 || p.Width > 8000 {
			return bad("pre_banner.width", "%d: want 1..8000", p.Width)
		}
	}
	if len(s.Expect) == 0 {
		return bad("expect", "required: the outcome per server version (\"*\" for every other version)")
	}
	for v, e := range s.Expect {
		field := fmt.Sprintf("expect[%q]", v)
		if v != AnyVersion && !slices.Contains(known, v) {
			return bad(field, "%s has no version %q", sv.Family, v)
		}
		if v != AnyVersion && sv.Versions[0] != AllVersions && !slices.Contains(sv.Versions, v) {
			return bad(field, "version %q is not in server.versions", v)
		}
		if e == nil || (e.Negotiated == nil) == (e.Failure == nil) {
			return bad(field, "want exactly one of negotiated and failure")
		}
		if n := e.Negotiated; n != nil {
			for _, f := range []struct{ name, class, v string }{
				{"kex", sshlib.ClassKex, n.Kex}, {"host_key", sshlib.ClassHostKey, n.HostKey}, {"cipher", sshlib.ClassCipher, n.Cipher},
			} {
				if f.v == "" {
					return bad(field+".negotiated."+f.name, "required")
				}
				if !slices.Contains(sshlib.SupportedNames(f.class), f.v) {
					return bad(field+".negotiated."+f.name, "sshlib does not implement %q", f.v)
				}
			}
			aead := sshlib.CipherIsAEAD(n.Cipher)
			switch {
			case aead && n.MAC != "":
				return bad(field+".negotiated.mac", "%s is an AEAD cipher: no MAC is negotiated, leave mac out", n.Cipher)
			case !aead && n.MAC == "":
				return bad(field+".negotiated.mac", "required with the non-AEAD cipher %s", n.Cipher)
			case !aead && !slices.Contains(sshlib.SupportedNames(sshlib.ClassMAC), n.MAC):
				return bad(field+".negotiated.mac", "sshlib does not implement %q", n.MAC)
			}
		}
		if f := e.Failure; f != nil && !slices.Contains(classes, f.Class) {
			return bad(field+".failure.class", "%q: want one of %s", f.Class, strings.Join(classes, ", "))
		}
	}
	if sv.Versions[0] != AllVersions && s.Expect[AnyVersion] == nil {
		for _, v := range sv.Versions {
			if s.Expect[v] == nil {
				return bad("expect", "no outcome for version %s (name it or add \"*\")", v)
			}
		}
	}
	if sv.Versions[0] == AllVersions && s.Expect[AnyVersion] == nil {
		return bad("expect", "server.versions is \"all\": add \"*\" for the versions not named")
	}
	return nil
}

// checkConfigLine accepts "Keyword value" with a plain keyword; sshd -t
// decides about the value.
func checkConfigLine(l string) error {
	k, v, ok := splitConfigLine(l)
	if !ok {
		return fmt.Errorf("%q: want \"Keyword value\"", l)
	}
	if strings.EqualFold(k, "Match") || strings.EqualFold(k, "Include") {
		return fmt.Errorf("%q: %s cannot be passed as a command-line option", l, k)
	}
	_ = v
	return nil
}

// splitConfigLine splits an sshd_config line into keyword and value
// (sshd_config(5): keyword, whitespace or "=", arguments).
func splitConfigLine(l string) (keyword, value string, ok bool) {
	l = strings.TrimSpace(l)
	i := strings.IndexAny(l, " \t=")
	if i <= 0 {
		return "", "", false
	}
	keyword, value = l[:i], strings.TrimSpace(l[i:])
	value = strings.TrimSpace(strings.TrimPrefix(value, "="))
	for _, c := range keyword {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return "", "", false
		}
	}
	return keyword, value, value != ""
}

var hostKeyNames = []string{
	string(dropbear.Ed25519), string(dropbear.ECDSA256), string(dropbear.ECDSA384),
	string(dropbear.ECDSA521), string(dropbear.RSA), string(dropbear.DSS),
}

func (sv *ServerSpec) profile() string {
	if sv.Profile == "" {
		return "default"
	}
	return sv.Profile
}

func profilesOf(version string) []string { return dropbear.Profiles[version] }

func profileExists(p string) bool {
	for _, ps := range dropbear.Profiles {
		if slices.Contains(ps, p) {
			return true
		}
	}
	return false
}

// expectationFor returns the outcome expected on version.
func (s *Scenario) expectationFor(version string) *Expectation {
	if e := s.Expect[version]; e != nil {
		return e
	}
	return s.Expect[AnyVersion]
}

// Marshal renders the scenario as indented JSON, as the files are written.
func (s *Scenario) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

func (e *Expectation) String() string {
	if e == nil {
		return "(none)"
	}
	if f := e.Failure; f != nil {
		return fmt.Sprintf("no common %s algorithm (*sshlib.NegotiationError)", f.Class)
	}
	return e.Negotiated.String()
}

func (n *Negotiated) String() string {
	mac := n.MAC
	if mac == "" {
		mac = "(AEAD)"
	}
	s := fmt.Sprintf("kex %s, host key %s, cipher %s, mac %s", n.Kex, n.HostKey, n.Cipher, mac)
	if n.StrictKex != nil {
		s += fmt.Sprintf(", strict kex %v", *n.StrictKex)
	}
	return s
}
