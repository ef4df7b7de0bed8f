package containers

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"
)

// TestNoEngine: an unreachable engine is an *EngineError that says how to get one.
func TestNoEngine(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := connect(ctx, client.WithHost("unix:///nonexistent/docker.sock"))
	var ee *EngineError
	if !errors.As(err, &ee) {
		t.Fatalf("got %v, want *EngineError", err)
	}
	for _, want := range []string{"install Docker", "DOCKER_HOST", "-short"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not say %q", err, want)
		}
	}
}

func TestBuildsTable(t *testing.T) {
	for _, f := range []string{"openssh", "dropbear", "tinyssh"} {
		if n := len(Versions(f)); n != 4 {
			t.Errorf("%s has %d versions, want 4 (one per suite)", f, n)
		}
	}
	if _, err := LookupBuild("openssh", "7.4p1"); err == nil || !strings.Contains(err.Error(), "9.2p1") {
		t.Errorf("unknown version: %v", err)
	}
}

func TestKnownHosts(t *testing.T) {
	got := KnownHosts("localhost:2222", "ssh-ed25519 AAAA comment\n\necdsa-sha2-nistp256 BBBB\n")
	want := []string{"[localhost]:2222 ssh-ed25519 AAAA", "[localhost]:2222 ecdsa-sha2-nistp256 BBBB"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got %q", got)
	}
	if got := KnownHosts("example:22", "ssh-ed25519 AAAA"); got[0] != "example ssh-ed25519 AAAA" {
		t.Errorf("port 22: %q", got)
	}
}
