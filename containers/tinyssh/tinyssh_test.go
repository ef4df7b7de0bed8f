package tinyssh

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

// expected KEX lists from server-inventory.md section 4; everything else is
// fixed: ssh-ed25519, chacha20-poly1305@openssh.com, hmac-sha2-256 (listed,
// never used), no compression.
var expected = map[string][]string{
	"20190101": strings.Split("curve25519-sha256,curve25519-sha256@libssh.org,sntrup4591761x25519-sha512@tinyssh.org", ","),
	"20230101": strings.Split("curve25519-sha256,curve25519-sha256@libssh.org,sntrup761x25519-sha512@openssh.com", ","),
	"20250501": strings.Split("curve25519-sha256,curve25519-sha256@libssh.org,sntrup761x25519-sha512@openssh.com,kex-strict-s-v00@openssh.com", ","),
	"20261001": strings.Split("curve25519-sha256,curve25519-sha256@libssh.org,sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,kex-strict-s-v00@openssh.com", ","),
}

func expect(kex []string) testutil.Expect {
	return testutil.Expect{
		Kex:         kex,
		HostKey:     []string{"ssh-ed25519"},
		Ciphers:     []string{"chacha20-poly1305@openssh.com"},
		MACs:        []string{"hmac-sha2-256"},
		Compression: []string{"none"},
	}
}

// withoutPQ drops the sntrup names: what -P leaves.
func withoutPQ(kex []string) []string {
	var out []string
	for _, k := range kex {
		if !strings.HasPrefix(k, "sntrup") {
			out = append(out, k)
		}
	}
	return out
}

func start(t *testing.T, version string, opts ...Option) *Container {
	t.Helper()
	return containers.StartForTest(t, func(ctx context.Context) (*Container, error) { return Run(ctx, version, opts...) })
}

// TestVersions starts every version, checks its KEXINIT with and without -P
// (per connection, by Dial) and logs in with the Ed25519 key.
func TestVersions(t *testing.T) {
	for _, v := range Versions() {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			kex, ok := expected[v]
			if !ok {
				t.Fatalf("no expectation for %s: add a row", v)
			}
			c := start(t, v)
			ctx := context.Background()
			a, err := c.Algorithms(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(a.Banner, "SSH-2.0-tinyssh") {
				t.Errorf("banner %q", a.Banner)
			}
			testutil.CheckAlgorithms(t, a, expect(kex))

			addr, err := c.Address(ctx)
			if err != nil {
				t.Fatal(err)
			}
			kh, err := c.HostKeys(ctx)
			if err != nil {
				t.Fatal(err)
			}
			cfg := testutil.Config(ssh.PublicKeys(testutil.Signer(t, "ed25519")), testutil.HostKeyCallback(t, kh))
			if err := testutil.Login(addr, cfg); err != nil {
				t.Errorf("ed25519 key login: %v", err)
			}
			// No password authentication in TinySSH.
			if err := testutil.Login(addr, testutil.Config(ssh.Password(c.Credentials().Password), nil)); err == nil {
				t.Error("password login succeeded against TinySSH")
			}

			// -P for one connection.
			conn, err := c.Dial(ctx, WithoutPQ())
			if err != nil {
				t.Fatal(err)
			}
			if a, err = conn.Offer(); err != nil {
				t.Fatal(err)
			}
			testutil.CheckAlgorithms(t, a, expect(withoutPQ(kex)))

			// A login over Dial, and its log.
			conn, err = c.Dial(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := testutil.LoginConn(conn, testutil.Config(ssh.PublicKeys(testutil.Signer(t, "ed25519")), nil)); err != nil {
				t.Errorf("login over Dial: %v", err)
			}
			conn.Close()
			if log := conn.ServerLog(); !strings.Contains(log, "sshtest") {
				t.Errorf("server log does not mention the user:\n%s", log)
			}
		})
	}
}

// TestDialOverhead: per-connection cost of exec + tinysshd up to its KEXINIT.
func TestDialOverhead(t *testing.T) {
	c := start(t, "20261001")
	ctx := context.Background()
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

// TestRunWithoutPQ: -P on the long-running listener.
func TestRunWithoutPQ(t *testing.T) {
	c := start(t, "20261001", WithoutPQ())
	a, err := c.Algorithms(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	testutil.CheckAlgorithms(t, a, expect(withoutPQ(expected["20261001"])))
}
