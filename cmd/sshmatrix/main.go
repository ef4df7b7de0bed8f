// Command sshmatrix is the command-line face of the harness: it lists what
// sshlib supports, and (as later work lands) runs the matrix and reproduces
// user-reported server configurations.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type command struct {
	name, summary string
	run           func(args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"algorithms", "list the algorithms sshlib supports (--json for machines)", cmdAlgorithms},
		{"bench", "throughput, CPU and memory of sshlib, x/crypto/ssh and ssh(1) against OpenSSH: bench [-n 5] [-size 1G]", cmdBench},
		{"reproduce", reproduceUsage, cmdReproduce},
		{"run", "run the interop matrix: run [-mode pairwise] [-servers openssh,...] [-shard k/n] [-out out]", cmdRun},
		{"ssh", "run a command on a server with sshlib: ssh [-i KEY] [-p PORT] [-o Name=Value] [-v] user@host [-- command]",
			func(args []string, stdout, stderr io.Writer) int {
				return sshMain(context.Background(), args, os.Stdin, stdout, stderr)
			}},
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: sshmatrix <command> [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		return 2
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "sshmatrix: unknown command %q\n", args[0])
	usage(stderr)
	return 2
}
