package matrix

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sshmatrix/sshmatrix/containers"
	"github.com/sshmatrix/sshmatrix/scenarios"
)

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

var (
	flagMode      = flag.String("matrix.mode", env("SSHMATRIX_MODE", ModePairwise), "smoke, pairwise or full (env SSHMATRIX_MODE)")
	flagServers   = flag.String("matrix.servers", env("SSHMATRIX_SERVERS", ""), "comma-separated server ids or prefixes, e.g. openssh,dropbear-2026.94 (env SSHMATRIX_SERVERS); empty = all")
	flagShard     = flag.String("matrix.shard", env("SSHMATRIX_SHARD", ""), "k/n: run the k-th of n shards (env SSHMATRIX_SHARD)")
	flagOut       = flag.String("matrix.out", env("SSHMATRIX_OUT", "../out"), "directory for matrix.json/.xml/.md/.html (env SSHMATRIX_OUT)")
	flagScenarios = flag.Bool("matrix.scenarios", env("SSHMATRIX_SCENARIOS", "") == "1", "also run the user-reported scenarios (scenarios/) and include them in the reports (env SSHMATRIX_SCENARIOS=1)")
	flagStopAfter = flag.Int("matrix.stop-after", 0, "after this many failed cells, skip the rest, saying so (make mutants: one red cell is the proof); 0 = run everything")
	flagParallel  = env("SSHMATRIX_PARALLEL", "8")
)

func TestMain(m *testing.M) {
	flag.Parse()
	// Cells wait on the network and on server processes, not on our CPU: run
	// more of them at once than GOMAXPROCS unless the caller set -parallel.
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		if _, err := strconv.Atoi(flagParallel); err == nil {
			flag.Set("test.parallel", flagParallel)
		}
	}
	os.Exit(containers.TestMain(m))
}

// TestMatrix runs the matrix as subtests named by cell id:
// TestMatrix/<server>/kex=.../cipher=.../mac=.../hostkey=...
func TestMatrix(t *testing.T) {
	containers.Require(t)
	ctx := context.Background()
	plan, err := Prepare(ctx, Options{Mode: *flagMode, Servers: *flagServers, Shard: *flagShard, Expectations: "expectations.json"})
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		plan.Close(cctx)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Cells) == 0 {
		t.Fatalf("no cells selected (mode %s, servers %q, shard %q)", plan.Mode, *flagServers, *flagShard)
	}
	var scen []*scenarios.Result
	if *flagScenarios {
		t.Run("scenarios", func(t *testing.T) {
			t.Parallel()
			res, err := scenarios.RunAll(ctx, "../scenarios")
			scen = res
			if err != nil {
				t.Errorf("scenarios: %v", err)
			}
			for _, r := range res {
				if r.Outcome == scenarios.Fail {
					t.Errorf("scenario %s on %s: expected %s, observed %s: %s", r.Scenario, r.Server, r.Expected, r.Observed, r.Error)
				}
			}
			scenarios.Close(context.Background())
		})
	}
	t.Cleanup(func() {
		rep := plan.Report()
		rep.Scenarios = scen
		// A run that covered only part of its plan (-run picked some cells,
		// e.g. a rerun of one) must not replace the full run's reports.
		dir := *flagOut
		if len(rep.Results) < len(plan.Cells) {
			dir = filepath.Join(dir, "partial")
		}
		if err := rep.WriteAll(dir); err != nil {
			t.Errorf("write reports: %v", err)
		}
		t.Logf("matrix: %d of %d planned cells in %s: %v; reports in %s", len(rep.Results), len(plan.Cells), rep.Duration.Round(time.Second), rep.Counts, dir)
	})
	// go test shows subtest output only when the parent ends; a progress
	// line on stderr every 15 s says how far a long run is.
	stopProgress := make(chan struct{})
	go func() {
		tick := time.NewTicker(15 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				fmt.Fprintf(os.Stderr, "matrix: %s\n", plan.ProgressLine())
			case <-stopProgress:
				return
			}
		}
	}()
	t.Cleanup(func() { close(stopProgress) })
	byServer := map[string][]*Cell{}
	for _, c := range plan.Cells {
		byServer[c.Server] = append(byServer[c.Server], c)
	}
	for _, s := range plan.ServerOrder() {
		cells := byServer[s.ID]
		t.Run(s.ID, func(t *testing.T) {
			t.Parallel()
			for _, c := range cells {
				t.Run(strings.TrimPrefix(c.ID, s.ID+"/"), func(t *testing.T) {
					t.Parallel()
					if _, failed, _ := plan.Progress(); *flagStopAfter > 0 && failed >= *flagStopAfter {
						t.Skipf("not run: %d cells failed already and -matrix.stop-after=%d", failed, *flagStopAfter)
					}
					res := plan.RunCell(ctx, c)
					switch res.Outcome {
					case Fail, UnexpectedPass:
						t.Errorf("%s: %s\nserver log (tail):\n%s\nrerun: %s", res.Outcome, res.Error, tail(res.ServerLog, 25), res.Repro)
					case ExpectedFail, Unsupported:
						t.Logf("%s (%s): %s", res.Outcome, res.Reason, res.Error)
					}
				})
			}
		})
	}
}
