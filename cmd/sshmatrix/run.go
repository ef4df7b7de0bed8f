package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/sshmatrix/sshmatrix/containers"
	"github.com/sshmatrix/sshmatrix/matrix"
)

// cmdRun runs the matrix from the command line, as `go test ./matrix` does,
// with a progress line, and writes the reports.
func cmdRun(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	mode := fs.String("mode", matrix.ModePairwise, "smoke, pairwise or full")
	servers := fs.String("servers", "", "comma-separated server ids or prefixes (default: all)")
	shard := fs.String("shard", "", "k/n: run the k-th of n shards")
	out := fs.String("out", "out", "directory for the reports")
	parallel := fs.Int("parallel", 8, "cells run at once")
	exps := fs.String("expectations", "matrix/expectations.json", "expectations file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "sshmatrix run: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *parallel < 1 {
		fmt.Fprintf(stderr, "sshmatrix run: -parallel %d: want at least 1\n", *parallel)
		return 2
	}
	// No registry: testcontainers-go must not try to pull its reaper.
	if _, ok := os.LookupEnv("TESTCONTAINERS_RYUK_DISABLED"); !ok {
		os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		containers.TerminateAll(cctx)
	}()
	fmt.Fprintf(stderr, "sshmatrix run: starting servers (%s)...\n", orAll(*servers))
	plan, err := matrix.Prepare(ctx, matrix.Options{Mode: *mode, Servers: *servers, Shard: *shard, Expectations: *exps})
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		plan.Close(cctx)
	}()
	if err != nil {
		fmt.Fprintf(stderr, "sshmatrix run: %v\n", err)
		return 1
	}
	total := len(plan.Cells)
	rep := plan.Run(ctx, *parallel, func(int, int, int, time.Duration) {
		fmt.Fprintf(stderr, "\r%s   ", plan.ProgressLine())
	})
	fmt.Fprintln(stderr)
	if err := rep.WriteAll(*out); err != nil {
		fmt.Fprintf(stderr, "sshmatrix run: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "%d cells in %s: %d pass, %d fail, %d expected-fail, %d unexpected-pass, %d unsupported; reports in %s/\n",
		total, rep.Duration.Round(time.Second), rep.Counts[matrix.Pass], rep.Counts[matrix.Fail], rep.Counts[matrix.ExpectedFail],
		rep.Counts[matrix.UnexpectedPass], rep.Counts[matrix.Unsupported], *out)
	for _, r := range rep.Results {
		if r.Outcome == matrix.Fail || r.Outcome == matrix.UnexpectedPass {
			fmt.Fprintf(stdout, "FAIL %s: %s\n  rerun: %s\n", r.Cell.ID, r.Error, r.Repro)
		}
	}
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "sshmatrix run: interrupted")
		return 130
	}
	if rep.Failed() {
		return 1
	}
	return 0
}

func orAll(s string) string {
	if s == "" {
		return "all"
	}
	return s
}
