package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/sshmatrix/sshmatrix/scenarios"
)

// reproduceUsage is the one-line summary in the command table.
const reproduceUsage = "reproduce a reported server: reproduce [--server openssh-9.2p1] [--iterations N] [--save FILE|DIR] [--id ID] FILE|-"

func cmdReproduce(args []string, stdout, stderr io.Writer) int {
	return reproduceMain(context.Background(), args, os.Stdin, stdout, stderr)
}

// reproduceMain reads an sshd_config excerpt, sshd -T output, an ssh -vv
// log or ssh-audit JSON, runs the closest server build configured that way,
// connects sshlib and prints the diagnosis. Exit status: 0 sshlib
// connects, 1 it does not, 2 bad usage or input.
func reproduceMain(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("reproduce", flag.ContinueOnError)
	fs.SetOutput(stderr)
	server := fs.String("server", "", "server build to use (openssh-9.2p1, dropbear-2022.83[-profile]); default: the closest")
	iterations := fs.Int("iterations", 1, "connections to make (hybrid kex encoding bugs show about once in 256)")
	save := fs.String("save", "", "write the reproduction as a scenario file (a directory gets ID.json)")
	id := fs.String("id", "", "scenario id for --save (default: derived from the input)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: sshmatrix %s\n", reproduceUsage)
		fs.PrintDefaults()
	}
	// Flags may follow the file name.
	var pos []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			return 2
		}
		rest = fs.Args()
		if len(rest) == 0 {
			break
		}
		pos = append(pos, rest[0])
		rest = rest[1:]
		if len(rest) == 0 {
			break
		}
	}
	if len(pos) != 1 {
		fs.Usage()
		return 2
	}
	if *iterations < 1 || *iterations > 4096 {
		fmt.Fprintf(stderr, "sshmatrix reproduce: --iterations %d: want 1..4096\n", *iterations)
		return 2
	}
	name := pos[0]
	var data []byte
	var err error
	if name == "-" {
		name = "standard input"
		data, err = io.ReadAll(io.LimitReader(stdin, 16<<20))
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		fmt.Fprintf(stderr, "sshmatrix reproduce: %v\n", err)
		return 2
	}
	in, err := scenarios.ParseInput(name, data)
	if err != nil {
		fmt.Fprintf(stderr, "sshmatrix reproduce: %v\n", err)
		return 2
	}
	defer scenarios.Close(context.WithoutCancel(ctx))
	d, err := scenarios.Reproduce(ctx, in, scenarios.ReproduceOptions{Server: *server, Iterations: *iterations})
	if err != nil {
		fmt.Fprintf(stderr, "sshmatrix reproduce: %v\n", err)
		var ie *scenarios.InputError
		if errors.As(err, &ie) {
			return 2
		}
		return 1
	}
	fmt.Fprint(stdout, d.Text())
	if *save != "" {
		s := d.Scenario(*id)
		if s.Expect == nil {
			fmt.Fprintf(stderr, "sshmatrix reproduce: --save: the outcome (%v) is neither a negotiation nor a negotiation error; no scenario written\n", d.Err)
			return 1
		}
		path := *save
		if st, err := os.Stat(path); err == nil && st.IsDir() {
			path = filepath.Join(path, s.ID+".json")
		}
		s.File = path
		b, err := s.Marshal()
		if err == nil {
			_, err = scenarios.Parse(path, b) // what is written must load
		}
		if err == nil {
			err = os.WriteFile(path, b, 0o644)
		}
		if err != nil {
			fmt.Fprintf(stderr, "sshmatrix reproduce: --save: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "saved: %s (scenario %s; go test ./scenarios runs it when it is in scenarios/)\n", path, s.ID)
	}
	if d.Err != nil || d.Failures > 0 {
		return 1
	}
	return 0
}
