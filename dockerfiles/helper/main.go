// Command sshmatrix-helper runs inside the Dropbear and TinySSH images (built
// statically by dockerfiles/build-images.sh). It gives those servers what
// OpenSSH has built in:
//
//	sshmatrix-helper tcpserve ADDR CMD [ARG...]
//	    An inetd-style accept loop: for each TCP connection on ADDR, run CMD
//	    with the socket as stdin and stdout and the helper's stderr as stderr.
//	    TinySSH has no listener of its own. SIGCHLD keeps its default
//	    disposition: tinysshd's own waitpid() fails when it is ignored
//	    (server-inventory.md, TinySSH gotcha 2).
//
//	sshmatrix-helper relay CMD [ARG...]
//	    One connection on stdin/stdout, served by a listening server started
//	    for it: every "{PORT}" in the arguments becomes a free loopback port,
//	    CMD is started (its stderr is the helper's stderr), the helper connects
//	    to 127.0.0.1:PORT, copies bytes both ways, and kills CMD when the server
//	    closes the connection. Dropbear needs this because its inetd mode (-i)
//	    refuses to log to stderr ("Dropbear inetd mode is incompatible with
//	    debug -v or non-syslog"), and the harness needs each connection's log.
package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

func main() {
	if len(os.Args) < 3 {
		fatalf("usage: sshmatrix-helper tcpserve ADDR CMD... | relay CMD...")
	}
	var err error
	switch os.Args[1] {
	case "tcpserve":
		if len(os.Args) < 4 {
			fatalf("usage: sshmatrix-helper tcpserve ADDR CMD...")
		}
		err = tcpserve(os.Args[2], os.Args[3:])
	case "relay":
		err = relay(os.Args[2:])
	default:
		fatalf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fatalf("%v", err)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "sshmatrix-helper: "+format+"\n", args...)
	os.Exit(111)
}

func tcpserve(addr string, argv []string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		go serveOne(c.(*net.TCPConn), argv)
	}
}

func serveOne(c *net.TCPConn, argv []string) {
	f, err := c.File() // a blocking duplicate of the socket for the child
	c.Close()
	if err != nil {
		fmt.Fprintf(os.Stderr, "sshmatrix-helper: %v\n", err)
		return
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = f, f, os.Stderr
	err = cmd.Start()
	f.Close()
	if err != nil {
		fmt.Fprintf(os.Stderr, "sshmatrix-helper: %v\n", err)
		return
	}
	_ = cmd.Wait()
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// relay retries with a new port when the server could not bind the one it was
// given (another relay may have taken it between freePort and the bind).
func relay(argv []string) error {
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			return err
		}
		args := make([]string, len(argv))
		for i, a := range argv {
			args[i] = strings.ReplaceAll(a, "{PORT}", strconv.Itoa(port))
		}
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			return err
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		conn, err := dialUntil(port, exited)
		if err != nil {
			lastErr = err
			_ = cmd.Process.Kill()
			continue
		}
		pump(conn)
		// The server closed the connection: its session process has logged
		// its last line and exited. The listener is of no further use.
		_ = cmd.Process.Kill()
		<-exited
		return nil
	}
	return fmt.Errorf("relay: server did not accept: %v", lastErr)
}

func dialUntil(port int, exited <-chan error) (*net.TCPConn, error) {
	deadline := time.Now().Add(10 * time.Second)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	for delay := time.Millisecond; ; {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			return c.(*net.TCPConn), nil
		}
		select {
		case werr := <-exited:
			return nil, fmt.Errorf("server exited before listening: %v", werr)
		case <-time.After(delay):
		}
		if time.Now().After(deadline) {
			return nil, err
		}
		if delay < 20*time.Millisecond {
			delay *= 2
		}
	}
}

// pump copies stdin to the server (then half-closes) and the server to stdout,
// and returns when the server side is done.
func pump(c *net.TCPConn) {
	go func() {
		_, _ = io.Copy(c, os.Stdin)
		_ = c.CloseWrite()
	}()
	_, _ = io.Copy(os.Stdout, c)
	c.Close()
}
