// Command sshmatrix is the command-line face of the harness: it lists what
// sshlib supports, and (as later work lands) runs the matrix and reproduces
// user-reported server configurations.
package main

import (
	"fmt"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: sshmatrix <command> [flags]\n\ncommands:\n  algorithms [--json]   list the algorithms sshlib supports")
		return 2
	}
	switch args[0] {
	case "ssh":
		return runSSH(args[1:])
	}
	fmt.Fprintf(os.Stderr, "sshmatrix: unknown command %q\n", args[0])
	return 2
}
