package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/sshmatrix/sshmatrix/sshlib"
)

var classOrder = []struct{ class, key string }{
	{sshlib.ClassKex, "kex"},
	{sshlib.ClassCipher, "cipher"},
	{sshlib.ClassMAC, "mac"},
	{sshlib.ClassHostKey, "hostkey"},
	{sshlib.ClassCompression, "compression"},
}

// cmdAlgorithms prints what sshlib supports: one line per class in default
// preference order, opt-in names marked; --json for machines.
func cmdAlgorithms(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("algorithms", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, `print {"kex":[...],"cipher":[...],"mac":[...],"hostkey":[...],"compression":[...]}`)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "sshmatrix algorithms: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	all := sshlib.Algorithms()
	if *asJSON {
		out := map[string][]string{}
		for _, c := range classOrder {
			out[c.key] = []string{}
		}
		for _, a := range all {
			for _, c := range classOrder {
				if c.class == a.Class {
					out[c.key] = append(out[c.key], a.Name)
				}
			}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			fmt.Fprintf(stderr, "sshmatrix algorithms: %v\n", err)
			return 1
		}
		return 0
	}
	fmt.Fprintln(stdout, "# default preference order; [opt-in] = legacy, offered only when named; (not default) = secure but opt-in")
	for _, c := range classOrder {
		var names []string
		for _, a := range all {
			if a.Class != c.class {
				continue
			}
			switch {
			case a.Insecure:
				names = append(names, a.Name+"[opt-in]")
			case !a.Default:
				names = append(names, a.Name+"(not default)")
			default:
				names = append(names, a.Name)
			}
		}
		fmt.Fprintf(stdout, "%-12s %s\n", c.key+":", strings.Join(names, ","))
	}
	return 0
}
