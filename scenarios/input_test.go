package scenarios

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func lines(in *Input) []string {
	var out []string
	for _, l := range in.Lines {
		out = append(out, l.String())
	}
	return out
}

func TestParseInputConfigExcerpt(t *testing.T) {
	b, err := os.ReadFile("testdata/sshd_config.excerpt")
	if err != nil {
		t.Fatal(err)
	}
	in, err := ParseInput("sshd_config.excerpt", b)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"KexAlgorithms diffie-hellman-group-exchange-sha256",
		"Ciphers aes256-ctr,aes192-ctr,aes128-ctr",
		"MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com",
		"HostKeyAlgorithms ssh-ed25519,rsa-sha2-512",
	}
	if got := lines(in); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if in.Format != FormatSSHDConfig || in.Observed || in.Software != "" {
		t.Errorf("format %q observed %v software %q", in.Format, in.Observed, in.Software)
	}
	if in.Lines[0].Line != 11 || in.Lines[1].Line != 12 {
		t.Errorf("line numbers %d, %d; want 11, 12", in.Lines[0].Line, in.Lines[1].Line)
	}
	ign := strings.Join(in.Ignored, "\n")
	for _, w := range []string{"line 4: Port (not about algorithms)", "line 20: KexAlgorithms inside the Match block of line 19"} {
		if !strings.Contains(ign, w) {
			t.Errorf("ignored list lacks %q:\n%s", w, ign)
		}
	}
}

func TestParseInputLog(t *testing.T) {
	b, err := os.ReadFile("testdata/ssh-vvv-failing.log")
	if err != nil {
		t.Fatal(err)
	}
	// Logs copied from a terminal end lines in CR LF (server-inventory.md, OpenSSH gotcha 9).
	for _, data := range [][]byte{b, []byte(strings.ReplaceAll(string(b), "\n", "\r\n"))} {
		in, err := ParseInput("log", data)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			"KexAlgorithms diffie-hellman-group14-sha1,diffie-hellman-group1-sha1",
			"HostKeyAlgorithms rsa-sha2-512,rsa-sha2-256,ssh-rsa",
			"Ciphers aes128-cbc,aes256-cbc,3des-cbc",
			"MACs hmac-sha1,hmac-md5",
		}
		if got := lines(in); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("lines (the peer's proposal, not ours):\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if in.Software != "OpenSSH_9.2p1" || !in.Observed || in.Format != FormatSSHLog {
			t.Errorf("software %q observed %v format %q", in.Software, in.Observed, in.Format)
		}
		if in.Lines[0].Line != 40 {
			t.Errorf("kex line %d, want 40", in.Lines[0].Line)
		}
	}
}

func TestParseInputLogTheirOfferOnly(t *testing.T) {
	log := "debug1: Remote protocol version 2.0, remote software version dropbear_2022.83\n" +
		"Unable to negotiate with 192.0.2.1 port 22: no matching host key type found. Their offer: ssh-ed25519,ssh-dss\n" +
		"debug1: Local version string SSH-2.0-OpenSSH_9.6\n"
	in, err := ParseInput("v.log", []byte(log))
	if err != nil {
		t.Fatal(err)
	}
	if got := lines(in); len(got) != 1 || got[0] != "HostKeyAlgorithms ssh-ed25519,ssh-dss" || in.Software != "dropbear_2022.83" {
		t.Errorf("lines %q software %q", got, in.Software)
	}
}

// sshdT renders sshd -T style output: every keyword, lowercase (to 10.0)
// or CamelCase (10.6).
func sshdT(camel bool) string {
	kw := []string{"port 22", "addressfamily any", "listenaddress 0.0.0.0:22", "usepam yes", "logingracetime 120",
		"x11displayoffset 10", "maxauthtries 6", "maxsessions 10", "clientaliveinterval 0", "clientalivecountmax 3",
		"requiredrsasize 1024", "permitrootlogin without-password", "ignorerhosts yes", "ignoreuserknownhosts no",
		"hostbasedauthentication no", "pubkeyauthentication yes", "kerberosauthentication no", "gssapiauthentication no",
		"passwordauthentication yes", "kbdinteractiveauthentication no", "printmotd no", "printlastlog yes",
		"x11forwarding yes", "x11uselocalhost yes", "permittty yes", "strictmodes yes", "tcpkeepalive yes",
		"permitemptypasswords no", "compression yes", "gatewayports no", "usedns no", "allowtcpforwarding yes",
		"ciphers chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com",
		"macs umac-64-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-256",
		"kexalgorithms sntrup761x25519-sha512,curve25519-sha256,diffie-hellman-group14-sha256",
		"hostkeyalgorithms ssh-ed25519,rsa-sha2-512,rsa-sha2-256",
		"pubkeyacceptedalgorithms ssh-ed25519,rsa-sha2-512", "rekeylimit 0 0", "authorizedkeysfile .ssh/authorized_keys"}
	var b strings.Builder
	for _, l := range kw {
		if camel {
			k, v, _ := strings.Cut(l, " ")
			if c, ok := map[string]string{"kexalgorithms": "KexAlgorithms", "ciphers": "Ciphers", "macs": "MACs", "hostkeyalgorithms": "HostKeyAlgorithms", "requiredrsasize": "RequiredRSASize", "rekeylimit": "RekeyLimit"}[k]; ok {
				k = c
			} else {
				k = strings.ToUpper(k[:1]) + k[1:]
			}
			l = k + " " + v
		}
		b.WriteString(l + "\n")
	}
	return b.String()
}

func TestParseInputSSHDT(t *testing.T) {
	for _, camel := range []bool{false, true} {
		in, err := ParseInput("T", []byte(sshdT(camel)))
		if err != nil {
			t.Fatal(err)
		}
		if in.Format != FormatSSHDT {
			t.Errorf("camel %v: format %q", camel, in.Format)
		}
		got := strings.Join(lines(in), "\n")
		for _, w := range []string{"KexAlgorithms sntrup761x25519-sha512,curve25519-sha256,diffie-hellman-group14-sha256", "MACs umac-64-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-256", "RequiredRSASize 1024"} {
			if !strings.Contains(got, w) {
				t.Errorf("camel %v: lines lack %q:\n%s", camel, w, got)
			}
		}
		if strings.Contains(got, "passwordauthentication") || strings.Contains(got, "PubkeyAccepted") {
			t.Errorf("camel %v: host settings passed to the server:\n%s", camel, got)
		}
	}
}

func TestParseInputAudit(t *testing.T) {
	audit := `{"banner": {"comments": "Debian-2+deb12u3", "protocol": "2.0", "raw": "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3", "software": "OpenSSH_9.2p1"},
 "compression": ["none", "zlib@openssh.com"],
 "enc": [{"algorithm": "aes128-ctr", "notes": {}}, {"algorithm": "aes256-ctr", "notes": {}}],
 "fingerprints": [{"hash": "x", "hash_alg": "SHA256", "hostkey": "ssh-ed25519"}],
 "kex": [{"algorithm": "diffie-hellman-group14-sha256", "notes": {}}, {"algorithm": "kex-strict-s-v00@openssh.com", "notes": {}}],
 "key": [{"algorithm": "ssh-ed25519", "notes": {}}, {"algorithm": "rsa-sha2-512", "keysize": 3072, "notes": {}}],
 "mac": [{"algorithm": "hmac-sha2-256", "notes": {}}],
 "recommendations": {}, "target": "192.0.2.10:22"}`
	in, err := ParseInput("audit.json", []byte(audit))
	if err != nil {
		t.Fatal(err)
	}
	want := "KexAlgorithms diffie-hellman-group14-sha256\nHostKeyAlgorithms ssh-ed25519,rsa-sha2-512\nCiphers aes128-ctr,aes256-ctr\nMACs hmac-sha2-256"
	if got := strings.Join(lines(in), "\n"); got != want || in.Software != "OpenSSH_9.2p1" || in.Format != FormatAudit {
		t.Errorf("got %q (software %q, format %q), want %q", got, in.Software, in.Format, want)
	}
}

func TestParseInputErrors(t *testing.T) {
	for _, c := range []struct {
		name, in string
		line     int
		want     string
	}{
		{"empty", " \n\t\n", 0, "empty input"},
		{"garbage", "# my config\nKexAlgorithms curve25519-sha256\n%%% what\n", 3, "not an sshd_config line"},
		{"no algorithms", "Port 22\nPermitRootLogin no\n", 0, "without any algorithm setting"},
		{"log without proposal", "debug1: Connecting to x port 22.\ndebug1: Connection established.\n", 0, "no \"peer server KEXINIT proposal\""},
		{"json not audit", `{"foo": 1}`, 0, "without ssh-audit's"},
		{"bad json", "{\n\"kex\": [\n", 2, "not ssh-audit JSON"},
	} {
		_, err := ParseInput(c.name, []byte(c.in))
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), c.want) || ie.Line != c.line || !strings.HasPrefix(err.Error(), "scenarios: "+c.name+": ") {
			t.Errorf("%s: got %v, want an *InputError at line %d containing %q", c.name, err, c.line, c.want)
		}
	}
}

func TestSchemaErrors(t *testing.T) {
	good := `{"id": "x-1", "title": "t", "source": "s", "server": {"family": "openssh", "versions": ["9.2p1"], "sshd_config": ["Ciphers aes128-ctr"]},
	"expect": {"*": {"negotiated": {"kex": "curve25519-sha256", "host_key": "ssh-ed25519", "cipher": "aes128-ctr", "mac": "hmac-sha2-256"}}}}`
	if _, err := Parse("good.json", []byte(good)); err != nil {
		t.Fatalf("the base case must load: %v", err)
	}
	for _, c := range []struct{ old, new, field string }{
		{`"id": "x-1"`, `"id": "X 1"`, "id"},
		{`"title": "t", `, ``, "title"},
		{`"source": "s"`, `"source": ""`, "source"},
		{`"family": "openssh"`, `"family": "putty"`, "server.family"},
		{`"versions": ["9.2p1"]`, `"versions": ["7.4p1"]`, "server.versions[0]"},
		{`"versions": ["9.2p1"]`, `"versions": []`, "server.versions"},
		{`"Ciphers aes128-ctr"`, `"Match User x"`, "server.sshd_config[0]"},
		{`"sshd_config"`, `"sshd_confg"`, `unknown field "sshd_confg"`},
		{`"server": {`, `"client": {"kex": ["nope"]}, "server": {`, "client.kex[0]"},
		{`"kex": "curve25519-sha256"`, `"kex": ""`, `expect["*"].negotiated.kex`},
		{`, "mac": "hmac-sha2-256"`, ``, `expect["*"].negotiated.mac`},
		{`"cipher": "aes128-ctr"`, `"cipher": "chacha20-poly1305@openssh.com"`, `expect["*"].negotiated.mac`},
		{`{"negotiated"`, `{"failure": {"class": "kex"}, "negotiated"`, `expect["*"]`},
		{`"*": {"negotiated"`, `"8.4p1": {"negotiated"`, `expect["8.4p1"]`},
		{`{"negotiated": {"kex"`, `{"failure": {"class": "compression"}, "x": {"kex"`, `unknown field "x"`},
		{`"family": "openssh"`, `"family": "dropbear", "profile": "sha2-only"`, "server.sshd_config"},
		{`"id": "x-1"`, `"id": 7`, "id: line 1: want string"},
	} {
		in := strings.Replace(good, c.old, c.new, 1)
		if in == good {
			t.Fatalf("case %q does not change the base case", c.field)
		}
		_, err := Parse("bad.json", []byte(in))
		if err == nil || !strings.Contains(err.Error(), "bad.json") || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%s: got %v, want an error naming bad.json and %s", c.field, err, c.field)
		}
	}
	if _, err := Parse("empty.json", nil); err == nil || !strings.Contains(err.Error(), "empty.json: empty file") {
		t.Errorf("empty: %v", err)
	}
}
