package matrix

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sshmatrix/sshmatrix/sshlib"
)

// fakeRunning is a server as the generator sees it: an offer, no container.
func fakeRunning(id string, restricts bool, offer Offer) *running {
	return &running{Server: Server{ID: id}, offer: offer, restricts: restricts, password: true, userKeys: []string{"ed25519", "ecdsa", "rsa"}}
}

// OpenSSH 9.2p1's accepted names (server-inventory.md §2), as the matrix
// sees them after probing.
func openssh92() *running {
	return fakeRunning("openssh-9.2p1", true, Offer{
		sshlib.ClassKex: {"sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com", "curve25519-sha256", "curve25519-sha256@libssh.org",
			"ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521", "diffie-hellman-group-exchange-sha256", "diffie-hellman-group16-sha512",
			"diffie-hellman-group18-sha512", "diffie-hellman-group14-sha256", "diffie-hellman-group14-sha1", "diffie-hellman-group1-sha1", "diffie-hellman-group-exchange-sha1"},
		sshlib.ClassCipher: {"chacha20-poly1305@openssh.com", "aes128-ctr", "aes192-ctr", "aes256-ctr", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "aes128-cbc", "aes192-cbc", "aes256-cbc", "3des-cbc"},
		sshlib.ClassMAC:    sshlib.SupportedNames(sshlib.ClassMAC),
		sshlib.ClassHostKey: {"ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512", "rsa-sha2-256", "ssh-rsa", "ssh-dss",
			"ssh-ed25519-cert-v01@openssh.com", "rsa-sha2-512-cert-v01@openssh.com"},
		sshlib.ClassCompression: {"none", "zlib@openssh.com"},
	})
}

// Dropbear 2025.89 (server-inventory.md §3): fixed at compile time.
func dropbear2025() *running {
	return fakeRunning("dropbear-2025.89", false, Offer{
		sshlib.ClassKex: {"sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com", "mlkem768x25519-sha256", "curve25519-sha256", "curve25519-sha256@libssh.org",
			"ecdh-sha2-nistp521", "ecdh-sha2-nistp384", "ecdh-sha2-nistp256", "diffie-hellman-group14-sha256", "kexguess2@matt.ucc.asn.au", "kex-strict-s-v00@openssh.com"},
		sshlib.ClassCipher:      {"chacha20-poly1305@openssh.com", "aes256-ctr", "aes128-ctr"},
		sshlib.ClassMAC:         {"hmac-sha2-256"},
		sshlib.ClassHostKey:     {"ssh-ed25519", "ecdsa-sha2-nistp256", "rsa-sha2-256"},
		sshlib.ClassCompression: {"none"},
	})
}

func TestPairwiseCoversEveryPairAndAlgorithm(t *testing.T) {
	for _, r := range []*running{openssh92(), dropbear2025()} {
		cells, err := GenerateCells(r, ModePairwise)
		if err != nil {
			t.Fatal(err)
		}
		pairs := map[string]bool{}
		seen := map[string]bool{}
		for _, c := range cells {
			if c.NegClass != "" {
				continue
			}
			vals := []string{"kex=" + c.Kex, "cipher=" + c.Cipher, "mac=" + orImplicit(c.MAC), "hostkey=" + c.HostKey}
			for i := range vals {
				seen[vals[i]] = true
				for j := i + 1; j < len(vals); j++ {
					pairs[vals[i]+" "+vals[j]] = true
				}
			}
			if sshlib.CipherIsAEAD(c.Cipher) != (c.MAC == "") {
				t.Errorf("%s: AEAD cipher with a MAC, or a plain cipher without one", c.ID)
			}
		}
		for _, class := range []string{sshlib.ClassKex, sshlib.ClassCipher, sshlib.ClassHostKey} {
			for _, n := range common(r, class) {
				if !seen[class+"="+n] {
					t.Errorf("%s: %s %s in no cell", r.ID, class, n)
				}
			}
		}
		// Spot-check pairs, including the KDF pairs of past-bugs.md.
		for _, p := range []string{"kex=diffie-hellman-group14-sha1 mac=hmac-sha2-512", "kex=diffie-hellman-group1-sha1 cipher=3des-cbc", "cipher=aes128-cbc hostkey=ssh-dss"} {
			if r.ID == "openssh-9.2p1" && !pairs[p] {
				t.Errorf("%s: pair %s not covered", r.ID, p)
			}
		}
		t.Logf("%s: %d cells", r.ID, len(cells))
	}
}

// Every (kex hash, extension rounds) combination the sets allow has a cell.
func TestKDFRoundsCovered(t *testing.T) {
	r := openssh92()
	cells, _ := GenerateCells(r, ModePairwise)
	have := map[string]bool{}
	for _, c := range cells {
		if c.NegClass == "" {
			have[roundsKey(c.Kex, c.Cipher, c.MAC)] = true
		}
	}
	for _, k := range common(r, sshlib.ClassKex) {
		for _, ci := range common(r, sshlib.ClassCipher) {
			macs := append([]string{""}, common(r, sshlib.ClassMAC)...)
			for _, m := range macs {
				if sshlib.CipherIsAEAD(ci) != (m == "") {
					continue
				}
				if key := roundsKey(k, ci, m); !have[key] {
					t.Errorf("no cell for %s (e.g. %s %s %s)", key, k, ci, m)
				}
			}
		}
	}
	if !have["SHA-1/3"] {
		t.Error("SHA-1 with three extension rounds (64-byte keys) is not covered")
	}
}

func TestNegativeCells(t *testing.T) {
	for _, r := range []*running{openssh92(), dropbear2025()} {
		cells, _ := GenerateCells(r, ModeSmoke)
		classes := map[string]string{}
		for _, c := range cells {
			if c.NegClass != "" {
				classes[c.NegClass] = c.NegOffer
				if !r.restricts && slices.Contains(r.offer[c.NegClass], c.NegOffer) {
					t.Errorf("%s: negative offer %s is offered by an unrestrictable server", c.ID, c.NegOffer)
				}
			}
		}
		for _, want := range []string{sshlib.ClassKex, sshlib.ClassCipher, sshlib.ClassMAC, sshlib.ClassHostKey} {
			if _, ok := classes[want]; !ok {
				t.Errorf("%s: no negative cell for %s", r.ID, want)
			}
		}
	}
}

func TestCellIDsStableAndDeterministic(t *testing.T) {
	a, _ := GenerateCells(openssh92(), ModePairwise)
	b, _ := GenerateCells(openssh92(), ModePairwise)
	if len(a) != len(b) {
		t.Fatal("two generations differ in size")
	}
	ids := map[string]bool{}
	for i := range a {
		if a[i].ID != b[i].ID || a[i].Auth != b[i].Auth || a[i].Edge != b[i].Edge || a[i].ClientRekey != b[i].ClientRekey {
			t.Fatalf("cell %d differs between runs", i)
		}
		if ids[a[i].ID] {
			t.Fatalf("duplicate id %s", a[i].ID)
		}
		ids[a[i].ID] = true
	}
	want := "openssh-9.2p1/kex=diffie-hellman-group14-sha1/cipher=aes256-ctr/mac=hmac-sha2-512/hostkey=ssh-ed25519"
	if got := cellID("openssh-9.2p1", "diffie-hellman-group14-sha1", "aes256-ctr", "hmac-sha2-512", "ssh-ed25519", "none"); got != want {
		t.Fatalf("id %s, want %s", got, want)
	}
	// A share of cells re-keys each way and logs in with a password.
	var cr, sr, pw int
	for _, c := range a {
		if c.ClientRekey {
			cr++
		}
		if c.ServerRekey {
			sr++
		}
		if c.Auth == "password" {
			pw++
		}
	}
	if cr == 0 || sr == 0 || pw == 0 {
		t.Fatalf("client re-key %d, server re-key %d, password %d cells: each share must be non-zero", cr, sr, pw)
	}
}

func TestModes(t *testing.T) {
	r := openssh92()
	smoke, _ := GenerateCells(r, ModeSmoke)
	pw, _ := GenerateCells(r, ModePairwise)
	if len(smoke) >= len(pw) {
		t.Fatalf("smoke %d cells >= pairwise %d", len(smoke), len(pw))
	}
	if _, err := GenerateCells(r, "exhaustive"); err == nil {
		t.Fatal("unknown mode accepted")
	}
}

func TestShard(t *testing.T) {
	cells, _ := GenerateCells(openssh92(), ModePairwise)
	total := 0
	seen := map[string]bool{}
	for k := 1; k <= 4; k++ {
		for _, c := range Shard(cells, k, 4) {
			if seen[c.ID] {
				t.Fatalf("%s in two shards", c.ID)
			}
			seen[c.ID] = true
			total++
		}
	}
	if total != len(cells) {
		t.Fatalf("shards hold %d of %d cells", total, len(cells))
	}
	for _, bad := range []string{"0/4", "5/4", "x", "1/0", "2/4/1"} {
		if _, _, err := ParseShard(bad); err == nil {
			t.Errorf("shard %q accepted", bad)
		}
	}
}

func TestSelectServers(t *testing.T) {
	s, err := SelectServers("openssh,dropbear-2026.94")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, x := range s {
		ids = append(ids, x.ID)
	}
	if !slices.Contains(ids, "openssh-8.4p1") || !slices.Contains(ids, "dropbear-2026.94-legacy") || slices.Contains(ids, "tinyssh-20190101") {
		t.Fatalf("selected %v", ids)
	}
	if _, err := SelectServers("openssh-7.4p1"); err == nil {
		t.Fatal("unknown server accepted")
	}
}

func TestExpectationsFile(t *testing.T) {
	// The committed file must load.
	if _, err := LoadExpectations("expectations.json"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, body := range map[string]string{
		"no reason":     `{"expectations":[{"cell":"x","result":"expected-fail","reason":""}]}`,
		"bad result":    `{"expectations":[{"cell":"x","result":"skip","reason":"because it is broken"}]}`,
		"bad regexp":    `{"expectations":[{"cell":"(","result":"unsupported","reason":"because it is broken"}]}`,
		"unknown field": `{"expectations":[{"cell":"x","result":"unsupported","reason":"because it is broken","why":1}]}`,
	} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".json")
		os.WriteFile(p, []byte(body), 0o644)
		_, err := LoadExpectations(p)
		var ee *ExpectationError
		if !errors.As(err, &ee) {
			t.Errorf("%s: want *ExpectationError, got %v", name, err)
		}
	}
}

func TestReproCommandSelectsOneCell(t *testing.T) {
	p := &Plan{Options: Options{Mode: ModePairwise}}
	c := &Cell{ID: "openssh-9.2p1/kex=curve25519-sha256@libssh.org/cipher=aes128-gcm@openssh.com/mac=implicit/hostkey=ssh-ed25519", Server: "openssh-9.2p1"}
	cmd := p.Repro(c)
	m := regexp.MustCompile(`-run '([^']+)'`).FindStringSubmatch(cmd)
	if m == nil {
		t.Fatalf("no -run in %q", cmd)
	}
	// The pattern's elements must match the subtest name's elements, as go test splits both at '/'.
	name := append([]string{"TestMatrix"}, strings.Split(c.ID, "/")...)
	pats := strings.Split(m[1], "/")
	if len(pats) != len(name) {
		t.Fatalf("pattern %q has %d elements, name %d", m[1], len(pats), len(name))
	}
	for i := range pats {
		if !regexp.MustCompile(pats[i]).MatchString(name[i]) {
			t.Fatalf("element %d: %q does not match %q", i, pats[i], name[i])
		}
	}
	other := strings.Replace(c.ID, "curve25519-sha256@libssh.org", "curve25519-sha256", 1)
	if regexp.MustCompile(pats[2]).MatchString(strings.Split(other, "/")[1]) {
		t.Fatal("pattern also selects a neighbouring cell")
	}
}

func TestReportsWrite(t *testing.T) {
	cells, _ := GenerateCells(dropbear2025(), ModeSmoke)
	rep := &Report{Mode: ModeSmoke, Shard: "1/1", Started: time.Now(), Servers: []string{"dropbear-2025.89"}}
	for i, c := range cells {
		o := Pass
		if i == 1 {
			o = Fail
		}
		rep.Results = append(rep.Results, &Result{Cell: c, Outcome: o, Error: map[bool]string{true: "boom <script>"}[o == Fail], ServerLog: "log line", Repro: "go test ./matrix -run x"})
	}
	dir := t.TempDir()
	if err := rep.WriteAll(dir); err != nil {
		t.Fatal(err)
	}
	var back Report
	b, _ := os.ReadFile(filepath.Join(dir, "matrix.json"))
	if err := json.Unmarshal(b, &back); err != nil || len(back.Results) != len(cells) || back.Counts[Fail] != 1 {
		t.Fatalf("matrix.json: %v, %d results, counts %v", err, len(back.Results), back.Counts)
	}
	x, _ := os.ReadFile(filepath.Join(dir, "matrix.xml"))
	var js junitSuites
	if err := xml.Unmarshal(x, &js); err != nil || js.Suites[0].Failures != 1 {
		t.Fatalf("junit: %v %+v", err, js)
	}
	h, _ := os.ReadFile(filepath.Join(dir, "matrix.html"))
	if strings.Contains(string(h), "<script>") || !strings.Contains(string(h), "boom &lt;script&gt;") {
		t.Fatal("html does not escape errors")
	}
	if strings.Contains(string(h), "http://") || strings.Contains(string(h), "https://") {
		t.Fatal("html refers to the network")
	}
	md, _ := os.ReadFile(filepath.Join(dir, "matrix.md"))
	if !strings.Contains(string(md), "## Failures") {
		t.Fatal("markdown lists no failures")
	}
	if !rep.Failed() {
		t.Fatal("a report with a failure is not Failed")
	}
}
