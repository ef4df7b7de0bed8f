package scenarios

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sshmatrix/sshmatrix/containers"
)

func TestMain(m *testing.M) {
	code := containers.TestMain(m)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	Close(ctx)
	cancel()
	os.Exit(code)
}

// TestLoadDir checks every scenario file against the schema, and that every
// numbered config of user-configs.md (items 1-13) has a scenario.
func TestLoadDir(t *testing.T) {
	all, err := LoadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	covered := map[int]bool{}
	re := regexp.MustCompile(`user-configs\.md item (\d+)`)
	for _, s := range all {
		if strings.HasPrefix(s.ID, "repro-") {
			continue // saved by sshmatrix reproduce --save: its source is the command
		}
		m := re.FindStringSubmatch(s.Source)
		if m == nil {
			t.Errorf("%s: source %q does not name its user-configs.md item", s.File, s.Source)
			continue
		}
		var n int
		fmt.Sscan(m[1], &n)
		covered[n] = true
		if !strings.HasPrefix(s.ID, fmt.Sprintf("%02d-", n)) {
			t.Errorf("%s: id %q should start with %02d-", s.File, s.ID, n)
		}
		if want := s.ID + ".json"; filepath.Base(s.File) != want {
			t.Errorf("%s: file name should be %s", s.File, want)
		}
	}
	for i := 1; i <= 13; i++ {
		if !covered[i] {
			t.Errorf("user-configs.md item %d has no scenario", i)
		}
	}
}

// TestScenarios runs every scenario on every server version it names,
// sharing one container per server build.
func TestScenarios(t *testing.T) {
	containers.Require(t)
	all, err := LoadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		t.Run(s.ID, func(t *testing.T) {
			t.Parallel()
			runScenario(t, s)
		})
	}
}

// runScenario runs s as subtests scenario-id/server-version and fails if
// an "all" scenario ran on no version at all.
func runScenario(t *testing.T, s *Scenario) {
	var mu sync.Mutex
	ran := 0
	t.Cleanup(func() {
		if ran == 0 && !t.Failed() {
			t.Errorf("%s ran on no server version: every version rejected its configuration", s.ID)
		}
	})
	for _, v := range s.Versions() {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
			defer cancel()
			r, err := RunVersion(ctx, s, v)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s on %s: %s in %v, %d connection(s): %s", s.ID, r.Server, r.Outcome, r.Duration.Round(time.Millisecond), r.Iterations, r.Observed)
			switch r.Outcome {
			case Pass:
				mu.Lock()
				ran++
				mu.Unlock()
			case Unsupported:
				t.Skipf("%s: %s", r.Observed, r.Error)
			default:
				t.Errorf("%s on %s:\nexpected: %s\nobserved: %s\nerror: %s\nserver log (tail):\n%s", s.ID, r.Server, r.Expected, r.Observed, r.Error, r.ServerLog)
			}
		})
	}
}
