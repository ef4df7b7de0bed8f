//go:build !linux

package main

import (
	"fmt"
	"os"
)

// readSecret asks on the terminal; echo cannot be turned off here.
func readSecret(prompt string) (string, error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return "", fmt.Errorf("no terminal to ask for a password (set SSHPASS): %w", err)
	}
	defer tty.Close()
	fmt.Fprint(tty, prompt)
	return readLine(tty)
}
