package dropbear

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sshmatrix/sshmatrix/containers"
	"github.com/sshmatrix/sshmatrix/containers/internal/testutil"
	"golang.org/x/crypto/ssh"
)

func TestMain(m *testing.M) { containers.TestMain(m) }

// expected: the default KEXINIT of Debian's binary with the image's default
// host keys, from server-inventory.md section 3 ("Default KEXINIT").
var expected = map[string]testutil.Expect{
	"2020.81": old,
	"2022.83": old,
	"2025.89": current,
	"2026.94": current,
}

var (
	old = testutil.Expect{
		Kex:         strings.Split("curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp521,ecdh-sha2-nistp384,ecdh-sha2-nistp256,diffie-hellman-group14-sha256,diffie-hellman-group14-sha1,kexguess2@matt.ucc.asn.au,kex-strict-s-v00@openssh.com", ","),
		HostKey:     strings.Split("ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-256,ssh-rsa,ssh-dss", ","),
		Ciphers:     strings.Split("chacha20-poly1305@openssh.com,aes128-ctr,aes256-ctr", ","),
		MACs:        strings.Split("hmac-sha1,hmac-sha2-256", ","),
		Compression: strings.Split("zlib@openssh.com,none", ","),
	}
	current = testutil.Expect{
		Kex:         strings.Split("sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,mlkem768x25519-sha256,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp521,ecdh-sha2-nistp384,ecdh-sha2-nistp256,diffie-hellman-group14-sha256,kexguess2@matt.ucc.asn.au,kex-strict-s-v00@openssh.com", ","),
		HostKey:     strings.Split("ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-256", ","),
		Ciphers:     strings.Split("chacha20-poly1305@openssh.com,aes256-ctr,aes128-ctr", ","),
		MACs:        []string{"hmac-sha2-256"},
		Compression: []string{"none"},
		// Measured here: 2025.89+ offer compression server->client only.
		// server-inventory.md 3.2 says "none" (it looked at client->server).
		CompressionServerClient: strings.Split("zlib@openssh.com,zlib,none", ","),
	}
)

// profileExpect is what a compiled profile must and must not offer (from its
// localoptions.h in dockerfiles/dropbear/profiles).
type profileExpect struct {
	has     []string // names that must be offered (in any list)
	lacks   []string // names that must not be offered
	kexOnly []string // when set, the kex list must be a subset of these
}

var profiles = map[string]profileExpect{
	"legacy": {
		has: []string{"diffie-hellman-group1-sha1", "diffie-hellman-group14-sha1", "3des-cbc", "aes128-cbc",
			"aes256-cbc", "hmac-sha1", "hmac-sha1-96", "ssh-rsa", "ssh-dss"},
	},
	"sha2-only": {
		has: []string{"hmac-sha2-256", "hmac-sha2-512", "rsa-sha2-256", "diffie-hellman-group14-sha256"},
		lacks: []string{"hmac-sha1", "hmac-sha1-96", "diffie-hellman-group1-sha1", "diffie-hellman-group14-sha1",
			"ssh-rsa", "ssh-dss"},
	},
	"pq-only": {
		has: []string{"mlkem768x25519-sha256", "sntrup761x25519-sha512"},
		kexOnly: []string{"mlkem768x25519-sha256", "sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com",
			"kexguess2@matt.ucc.asn.au", "kex-strict-s-v00@openssh.com"},
	},
	"default": {},
}

func start(t *testing.T, version string, opts ...Option) *Container {
	t.Helper()
	return containers.StartForTest(t, func(ctx context.Context) (*Container, error) { return Run(ctx, version, opts...) })
}

func login(t *testing.T, c *Container) {
	t.Helper()
	ctx := context.Background()
	addr, err := c.Address(ctx)
	if err != nil {
		t.Fatal(err)
	}
	kh, err := c.HostKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hk := testutil.HostKeyCallback(t, kh)
	if err := testutil.Login(addr, testutil.Config(ssh.Password(c.Credentials().Password), hk)); err != nil {
		t.Errorf("password login: %v", err)
	}
	for _, kind := range []string{"ed25519", "ecdsa", "rsa"} {
		if err := testutil.Login(addr, testutil.Config(ssh.PublicKeys(testutil.Signer(t, kind)), hk)); err != nil {
			t.Errorf("%s key login: %v", kind, err)
		}
	}
}

// TestVersions starts every version (Debian's binary), checks its KEXINIT
// against the table and logs in with a password and each key.
func TestVersions(t *testing.T) {
	for _, v := range Versions() {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			want, ok := expected[v]
			if !ok {
				t.Fatalf("no expectation for %s: add a row", v)
			}
			c := start(t, v)
			a, err := c.Algorithms(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(a.Banner, "SSH-2.0-dropbear_"+v) {
				t.Errorf("banner %q, want dropbear_%s", a.Banner, v)
			}
			testutil.CheckAlgorithms(t, a, want)
			login(t, c)
		})
	}
}

// TestProfiles starts every compiled profile and checks that it offers its set.
func TestProfiles(t *testing.T) {
	for _, v := range Versions() {
		for _, p := range Profiles[v] {
			if p == "default" {
				continue
			}
			t.Run(v+"/"+p, func(t *testing.T) {
				t.Parallel()
				want, ok := profiles[p]
				if !ok {
					t.Fatalf("no expectation for profile %s: add a row", p)
				}
				c := start(t, v, WithProfile(p))
				a, err := c.Algorithms(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("%s %s offers kex %v, host keys %v, ciphers %v, MACs %v", v, p, a.Kex, a.HostKey, a.CiphersServerClient, a.MACsServerClient)
				var all []string
				for _, l := range [][]string{a.Kex, a.HostKey, a.CiphersClientServer, a.CiphersServerClient, a.MACsClientServer, a.MACsServerClient} {
					all = append(all, l...)
				}
				for _, n := range want.has {
					if !containers.Contains(all, n) {
						t.Errorf("profile %s of %s does not offer %s", p, v, n)
					}
				}
				for _, n := range want.lacks {
					if containers.Contains(all, n) {
						t.Errorf("profile %s of %s offers %s", p, v, n)
					}
				}
				for _, n := range a.Kex {
					if want.kexOnly != nil && !containers.Contains(want.kexOnly, n) {
						t.Errorf("profile %s of %s offers kex %s", p, v, n)
					}
				}
				if p != "pq-only" { // x/crypto/ssh's client needs a kex it has
					login(t, c)
				}
			})
		}
	}
}

// TestDial: one connection served by its own dropbear, with a chosen host
// key, whose log is that server's alone.
func TestDial(t *testing.T) {
	c := start(t, "2026.94")
	ctx := context.Background()
	conn, err := c.Dial(ctx, WithHostKeys(ECDSA384, RSA))
	if err != nil {
		t.Fatal(err)
	}
	a, err := conn.Offer()
	if err != nil {
		t.Fatal(err)
	}
	testutil.CheckAlgorithms(t, a, testutil.Expect{HostKey: []string{"ecdsa-sha2-nistp384", "rsa-sha2-256"}})

	conn, err = c.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := testutil.LoginConn(conn, testutil.Config(ssh.Password(c.Credentials().Password), nil)); err != nil {
		t.Fatalf("login over Dial: %v", err)
	}
	conn.Close()
	if log := conn.ServerLog(); !strings.Contains(log, "Password auth succeeded for 'sshtest'") {
		t.Errorf("server log lacks the login:\n%s", log)
	}
	if _, err := c.Dial(ctx, WithProfile("legacy")); err == nil {
		t.Error("Dial changed the profile of a running container")
	}

	// Per-connection cost: exec + a one-shot dropbear + relay, up to its KEXINIT.
	const n = 5
	t0 := time.Now()
	for i := 0; i < n; i++ {
		conn, err := c.Dial(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Offer(); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("Dial up to the server's KEXINIT: %v per connection (sequential)", time.Since(t0)/n)
}
