package sshlib_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/sshmatrix/sshmatrix/sshlib"
)

// Run a command and read its output. The server here is an in-process test
// server; for a real one, use KnownHosts for the host key.
func ExampleDial() {
	addr, hostKey, stop := sshlib.StartExampleServer()
	defer stop()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client, err := sshlib.Dial(ctx, "tcp", addr, &sshlib.ClientConfig{
		User:            "alice",
		Auth:            []sshlib.AuthMethod{sshlib.Password("pw")},
		HostKeyCallback: sshlib.FixedHostKey(hostKey),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	session, err := client.NewSession(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer session.Close()
	out, err := session.Output(ctx, "echo hello from the server")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(out))
	// Output: hello from the server
}

// A non-zero exit status is an *ExitError.
func ExampleSession_Run() {
	addr, hostKey, stop := sshlib.StartExampleServer()
	defer stop()
	ctx := context.Background()
	client, err := sshlib.Dial(ctx, "tcp", addr, &sshlib.ClientConfig{
		User:            "alice",
		Auth:            []sshlib.AuthMethod{sshlib.Password("pw")},
		HostKeyCallback: sshlib.FixedHostKey(hostKey),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	session, err := client.NewSession(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer session.Close()
	err = session.Run(ctx, "exit 3")
	if exit, ok := err.(*sshlib.ExitError); ok {
		fmt.Println("exit status", exit.Status)
	}
	// Output: exit status 3
}

// Trust on first use: accept-new records the host key in a known_hosts
// file, and later connections are held to it.
func ExampleKnownHosts() {
	addr, _, stop := sshlib.StartExampleServer()
	defer stop()
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "known_hosts")

	hostKeys, err := sshlib.KnownHosts(sshlib.AcceptNewHostKeys, file)
	if err != nil {
		log.Fatal(err)
	}
	client, err := sshlib.Dial(context.Background(), "tcp", addr, &sshlib.ClientConfig{
		User:            "alice",
		Auth:            []sshlib.AuthMethod{sshlib.Password("pw")},
		HostKeyCallback: hostKeys,
	})
	if err != nil {
		log.Fatal(err)
	}
	client.Close()
	b, _ := os.ReadFile(file)
	fmt.Println("lines recorded:", len(b) > 0)
	// Output: lines recorded: true
}

// Forward a local TCP connection through the server (ssh -L).
func ExampleClient_DialContext() {
	addr, hostKey, stop := sshlib.StartExampleServer()
	defer stop()
	ctx := context.Background()
	client, err := sshlib.Dial(ctx, "tcp", addr, &sshlib.ClientConfig{
		User:            "alice",
		Auth:            []sshlib.AuthMethod{sshlib.Password("pw")},
		HostKeyCallback: sshlib.FixedHostKey(hostKey),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	// A service reachable from the server: here, one on loopback.
	svc, _ := net.Listen("tcp", "127.0.0.1:0")
	defer svc.Close()
	go func() {
		c, err := svc.Accept()
		if err == nil {
			io.WriteString(c, "greetings from the service\n")
			c.Close()
		}
	}()

	conn, err := client.DialContext(ctx, "tcp", svc.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	b, _ := io.ReadAll(conn)
	fmt.Print(string(b))
	// Output: greetings from the service
}
