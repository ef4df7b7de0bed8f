package openssh

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sshmatrix/sshmatrix/containers"
	"github.com/sshmatrix/sshmatrix/containers/internal/testutil"
	"golang.org/x/crypto/ssh"
)

func TestMain(m *testing.M) { containers.TestMain(m) }

// expected is what each version offers from the image's configuration, from
// server-inventory.md: KEX, cipher and MAC lists are the default wire lists
// (2.1-2.3); the host-key algorithms are the default HostKeyAlgorithms (2.4)
// for which the image loads a key (ECDSA P-256/384/521, RSA, Ed25519, DSA,
// ML-DSA on sid) and a certificate; DSA is loaded but ssh-dss is not default.
var expected = map[string]testutil.Expect{
	"8.4p1": {
		Kex:         strings.Split("curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256,kex-strict-s-v00@openssh.com", ","),
		Ciphers:     ciphersOld,
		MACs:        macs,
		Compression: []string{"none", "zlib@openssh.com"},
		HostKey:     append(append([]string{}, hostKeys...), "ssh-rsa", "ssh-rsa-cert-v01@openssh.com"),
	},
	"9.2p1": {
		Kex:         strings.Split("sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256,kex-strict-s-v00@openssh.com", ","),
		Ciphers:     ciphersOld,
		MACs:        macs,
		Compression: []string{"none", "zlib@openssh.com"},
		HostKey:     hostKeys,
	},
	"10.0p2": {
		Kex:         strings.Split("mlkem768x25519-sha256,sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,ext-info-s,kex-strict-s-v00@openssh.com", ","),
		Ciphers:     ciphersNew,
		MACs:        macs,
		Compression: []string{"none", "zlib@openssh.com"},
		HostKey:     hostKeys,
	},
	"10.6p1": {
		Kex:         strings.Split("mlkem768x25519-sha256,sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,ext-info-s,kex-strict-s-v00@openssh.com", ","),
		Ciphers:     ciphersNew,
		MACs:        macs,
		Compression: []string{"none", "zlib@openssh.com"},
		HostKey:     append(append([]string{}, hostKeys...), "ssh-mldsa44-ed25519", "ssh-mldsa44-ed25519-cert"),
	},
}

var (
	ciphersOld = strings.Split("chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com", ",")
	ciphersNew = strings.Split("chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-gcm@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr", ",")
	macs       = strings.Split("umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1", ",")
	hostKeys   = strings.Split("ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,rsa-sha2-512,rsa-sha2-256,ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,ecdsa-sha2-nistp384-cert-v01@openssh.com,ecdsa-sha2-nistp521-cert-v01@openssh.com,rsa-sha2-512-cert-v01@openssh.com,rsa-sha2-256-cert-v01@openssh.com", ",")
)

func start(t *testing.T, version string, opts ...Option) *Container {
	t.Helper()
	return containers.StartForTest(t, func(ctx context.Context) (*Container, error) { return Run(ctx, version, opts...) })
}

// TestVersions starts every version, checks its KEXINIT against the table,
// its host keys and certificate, and logs in with a password and each key.
func TestVersions(t *testing.T) {
	for _, v := range Versions() {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			want, ok := expected[v]
			if !ok {
				t.Fatalf("no expectation for %s: add a row", v)
			}
			c := start(t, v)
			ctx := context.Background()
			a, err := c.Algorithms(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(a.Banner, "SSH-2.0-OpenSSH_"+v) {
				t.Errorf("banner %q, want OpenSSH_%s", a.Banner, v)
			}
			testutil.CheckAlgorithms(t, a, want)

			addr, err := c.Address(ctx)
			if err != nil {
				t.Fatal(err)
			}
			kh, err := c.HostKeys(ctx)
			if err != nil {
				t.Fatal(err)
			}
			hk := testutil.HostKeyCallback(t, kh)
			creds := c.Credentials()
			if err := testutil.Login(addr, testutil.Config(ssh.Password(creds.Password), hk)); err != nil {
				t.Errorf("password login: %v", err)
			}
			for _, kind := range []string{"ed25519", "ecdsa", "rsa"} {
				if err := testutil.Login(addr, testutil.Config(ssh.PublicKeys(testutil.Signer(t, kind)), hk)); err != nil {
					t.Errorf("%s key login: %v", kind, err)
				}
			}
			// The host certificate verifies against the test CA.
			ca, _, _, _, err := ssh.ParseAuthorizedKey([]byte(creds.HostCA))
			if err != nil {
				t.Fatal(err)
			}
			cc := &ssh.CertChecker{IsHostAuthority: func(k ssh.PublicKey, _ string) bool {
				return string(k.Marshal()) == string(ca.Marshal())
			}}
			cfg := testutil.Config(ssh.PublicKeys(testutil.Signer(t, "ed25519")), cc.CheckHostKey)
			cfg.HostKeyAlgorithms = []string{ssh.CertAlgoED25519v01}
			if err := testutil.Login(addr, cfg); err != nil {
				t.Errorf("login verifying the host certificate: %v", err)
			}
			logs, err := c.Logs(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(logs, "Accepted password for sshtest") {
				t.Errorf("container log lacks the password login:\n%s", logs)
			}
		})
	}
}

// TestDialRestricted: a one-connection restriction is honoured and shows in
// that connection's server log; an unknown name fails before any connection.
func TestDialRestricted(t *testing.T) {
	c := start(t, "9.2p1")
	ctx := context.Background()

	// x/crypto/ssh has no hmac-md5, so the MAC restriction the client can use
	// is shown with hmac-sha2-512, and hmac-md5 separately by KEXINIT and sshd -t.
	conn, err := c.Dial(ctx, WithCiphers("aes128-ctr"), WithMACs("hmac-sha2-512"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := testutil.Config(ssh.Password(c.Credentials().Password), nil)
	cfg.Ciphers = []string{"aes128-ctr"}
	cfg.MACs = []string{"hmac-sha2-256", "hmac-sha2-512"}
	if err := testutil.LoginConn(conn, cfg); err != nil {
		t.Fatalf("login over the restricted connection: %v", err)
	}
	conn.Close()
	log := conn.ServerLog()
	for _, want := range []string{
		"kex: client->server cipher: aes128-ctr MAC: hmac-sha2-512",
		"kex: server->client cipher: aes128-ctr MAC: hmac-sha2-512",
		"Accepted password for sshtest",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("server log lacks %q:\n%s", want, log)
		}
	}

	// hmac-md5: sshd -t accepts it, and the server offers exactly that.
	if err := c.Check(ctx, WithCiphers("aes128-ctr"), WithMACs("hmac-md5")); err != nil {
		t.Errorf("sshd -t rejects MACs=hmac-md5 on 9.2p1: %v", err)
	}
	conn, err = c.Dial(ctx, WithCiphers("aes128-ctr"), WithMACs("hmac-md5"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := conn.Offer()
	if err != nil {
		t.Fatal(err)
	}
	testutil.CheckAlgorithms(t, a, testutil.Expect{Ciphers: []string{"aes128-ctr"}, MACs: []string{"hmac-md5"}})
	// A client without hmac-md5 is refused, and the log says why.
	conn, err = c.Dial(ctx, WithCiphers("aes128-ctr"), WithMACs("hmac-md5"))
	if err != nil {
		t.Fatal(err)
	}
	if err := testutil.LoginConn(conn, cfg); err == nil {
		t.Error("login without hmac-md5 succeeded against MACs=hmac-md5")
	}
	conn.Close()
	if log := conn.ServerLog(); !strings.Contains(log, "no matching MAC found") {
		t.Errorf("server log lacks the MAC mismatch:\n%s", log)
	}

	// mlkem768x25519-sha256 is 10.x only: rejected before any connection.
	_, err = c.Dial(ctx, WithKexAlgorithms("mlkem768x25519-sha256"))
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("Dial with KexAlgorithms=mlkem768x25519-sha256 on 9.2p1: got %v, want *ConfigError", err)
	}
	if ce.Version != "9.2p1" || ce.Option != "KexAlgorithms" || len(ce.Unknown) != 1 || ce.Unknown[0] != "mlkem768x25519-sha256" {
		t.Errorf("ConfigError %+v", ce)
	}
	t.Logf("rejected as expected: %v", err)
}

// TestRunRejectsUnknownName: Run with a name the version lacks fails with a
// *ConfigError naming it (the container stops before serving).
func TestRunRejectsUnknownName(t *testing.T) {
	containers.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := Run(ctx, "8.4p1", WithCiphers("aes128-ctr", "aes256-gcm@openssh.com", "no-such-cipher"))
	containers.Cleanup(t, c)
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("got %v, want *ConfigError", err)
	}
	if ce.Option != "Ciphers" || fmt.Sprint(ce.Unknown) != "[no-such-cipher]" {
		t.Errorf("ConfigError %+v", ce)
	}
	// PubkeyAcceptedAlgorithms is spelled PubkeyAcceptedKeyTypes on 8.4p1.
	if err := checkRename(ctx, t); err != nil {
		t.Error(err)
	}
}

// checkRename checks the option rename against a running 8.4p1.
func checkRename(ctx context.Context, t *testing.T) error {
	c := start(t, "8.4p1")
	return c.Check(ctx, WithPubkeyAcceptedAlgorithms("ssh-ed25519", "rsa-sha2-256"), WithRekeyLimit("1K"))
}

// TestDialOverhead measures the per-connection cost of Dial (exec create +
// attach + sshd -i up to its KEXINIT), sequential and 8 in parallel.
func TestDialOverhead(t *testing.T) {
	c := start(t, "10.6p1")
	ctx := context.Background()
	one := func() error {
		conn, err := c.Dial(ctx, WithKexAlgorithms("curve25519-sha256"))
		if err != nil {
			return err
		}
		a, err := conn.Offer()
		if err != nil {
			return err
		}
		if len(a.Kex) == 0 || a.Kex[0] != "curve25519-sha256" {
			return fmt.Errorf("kex %v", a.Kex)
		}
		return nil
	}
	if err := one(); err != nil { // warms the sshd -t cache
		t.Fatal(err)
	}
	const n = 10
	t0 := time.Now()
	for i := 0; i < n; i++ {
		if err := one(); err != nil {
			t.Fatal(err)
		}
	}
	seq := time.Since(t0) / n
	t0 = time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, 4*n)
	for i := 0; i < 4*n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- one()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	par := time.Since(t0) / (4 * n)
	t.Logf("Dial up to the server's KEXINIT: %v per connection sequential, %v per connection with %d concurrent", seq, par, 4*n)
}
