package main

import (
	"context"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// benchAddr is the OpenSSH server of BenchmarkTransfer: $SSHMATRIX_BENCH_ADDR
// (e.g. a container started by hand on a loopback port), or a 10.6p1
// container started here as `make bench` does.
func benchAddr(b *testing.B) string {
	if a := os.Getenv("SSHMATRIX_BENCH_ADDR"); a != "" {
		return a
	}
	port, err := freePort()
	if err != nil {
		b.Fatal(err)
	}
	srv, err := startBenchServer(context.Background(), "10.6p1", port)
	b.Cleanup(func() { srv.Terminate(context.Background()) })
	if err != nil {
		b.Skipf("no OpenSSH server (set SSHMATRIX_BENCH_ADDR or build the images): %v", err)
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
}

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkTransfer moves 64 MiB per op through one session to a real
// OpenSSH server, in this process: ns/op is wall time, and cpu-s/GiB is
// this process's user+sys (the client only; the server is elsewhere).
// The connection is set up outside the timer.
func BenchmarkTransfer(b *testing.B) {
	addr := benchAddr(b)
	const n = 64 << 20
	for _, client := range []string{"sshlib", "x/crypto"} {
		for _, c := range benchCases {
			if !benchClients[0].has(c) || (client == "x/crypto" && !benchClients[1].has(c)) {
				continue
			}
			for _, dir := range []string{"upload", "download"} {
				name := "client=" + strings.ReplaceAll(client, "/", "") + "/cipher=" + c.Cipher + "/dir=" + dir
				b.Run(name, func(b *testing.B) {
					var open func(string) (legSession, error)
					var closeConn func()
					var err error
					if client == "sshlib" {
						open, closeConn, err = dialSSHLib(context.Background(), addr, c)
					} else {
						open, closeConn, err = dialXCrypto(addr, c)
					}
					if err != nil {
						b.Fatal(err)
					}
					defer closeConn()
					b.SetBytes(n)
					b.ResetTimer()
					var cpu time.Duration
					for i := 0; i < b.N; i++ {
						b.StopTimer()
						s, err := open(remoteCommand(dir, n))
						if err != nil {
							b.Fatal(err)
						}
						b.StartTimer()
						c0 := cpuNow()
						if dir == "upload" {
							err = writeZeros(s.stdin(), n)
							if err == nil {
								err = s.stdin().Close()
							}
						} else {
							var got int64
							got, err = readAll(s.stdout())
							if err == nil && got != n {
								b.Fatalf("got %d bytes", got)
							}
						}
						if err == nil {
							err = s.wait()
						}
						cpu += cpuNow() - c0
						if err != nil {
							b.Fatal(err)
						}
						b.StopTimer()
						s.close()
						b.StartTimer()
					}
					b.ReportMetric(cpu.Seconds()/(float64(b.N)*n/(1<<30)), "cpu-s/GiB")
				})
			}
		}
	}
}
