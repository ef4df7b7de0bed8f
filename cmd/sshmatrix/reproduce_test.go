package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sshmatrix/sshmatrix/containers"
	"github.com/sshmatrix/sshmatrix/scenarios"
)

func TestReproduceBadInput(t *testing.T) {
	for _, c := range []struct{ name, stdin, want string }{
		{"empty", "\n \n", "standard input: empty input"},
		{"garbage", "KexAlgorithms curve25519-sha256\n%%% not config\n", "standard input: line 2: not an sshd_config line"},
	} {
		var out, errb bytes.Buffer
		code := reproduceMain(context.Background(), []string{"-"}, strings.NewReader(c.stdin), &out, &errb)
		if code != 2 || !strings.Contains(errb.String(), c.want) {
			t.Errorf("%s: exit %d, stderr %q; want 2 and %q", c.name, code, errb.String(), c.want)
		}
	}
	var out, errb bytes.Buffer
	if code := reproduceMain(context.Background(), nil, strings.NewReader(""), &out, &errb); code != 2 || !strings.Contains(errb.String(), "usage: sshmatrix reproduce") {
		t.Errorf("no file: exit %d, stderr %q", code, errb.String())
	}
}

// TestReproduceSave runs the command on the test-data sshd_config excerpt
// with --save (flags after the file name), then loads and runs the saved scenario.
func TestReproduceSave(t *testing.T) {
	if os.Getenv("TESTCONTAINERS_RYUK_DISABLED") == "" {
		t.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	}
	if os.Getenv("TESTCONTAINERS_HOST_OVERRIDE") == "" {
		t.Setenv("TESTCONTAINERS_HOST_OVERRIDE", "localhost")
	}
	containers.Require(t)
	dir := t.TempDir()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	code := reproduceMain(ctx, []string{"../../scenarios/testdata/sshd_config.excerpt", "--save", dir, "--id", "repro-cmd-test"}, nil, &out, &errb)
	t.Logf("stdout:\n%s", out.String())
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errb.String())
	}
	for _, w := range []string{"result: sshlib (default settings) connects", "saved: " + filepath.Join(dir, "repro-cmd-test.json")} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("stdout lacks %q", w)
		}
	}
	all, err := scenarios.LoadDir(dir)
	if err != nil || len(all) != 1 || all[0].ID != "repro-cmd-test" {
		t.Fatalf("saved scenario: %v, %d", err, len(all))
	}
	res, err := scenarios.Run(ctx, all[0])
	defer scenarios.Close(context.WithoutCancel(ctx))
	if err != nil || len(res) != 1 || res[0].Outcome != scenarios.Pass {
		t.Fatalf("run saved scenario: %v %+v", err, res)
	}
}
