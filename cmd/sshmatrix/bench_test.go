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

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"1G": 1 << 30, "64M": 64 << 20, "3K": 3072, "1000": 1000} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "G", "-1M", "0", "1T"} {
		if _, err := parseSize(bad); err == nil {
			t.Errorf("parseSize(%q) accepted", bad)
		}
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{{[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}, {[]float64{7}, 7}} {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

// TestBenchDocKeepsNotes: a run rewrites only the part between the markers.
func TestBenchDocKeepsNotes(t *testing.T) {
	path := t.TempDir() + "/b.md"
	rep := &benchReport{Date: "D1", Bytes: 1, Runs: 1}
	if err := writeBenchDoc(path, rep, "TABLE1\n"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	doc := "intro\n" + string(b) + "notes\n"
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	rep.Date = "D2"
	if err := writeBenchDoc(path, rep, "TABLE2\n"); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(path)
	s := string(b)
	if !strings.HasPrefix(s, "intro\n") || !strings.HasSuffix(s, "notes\n") || strings.Contains(s, "TABLE1") || !strings.Contains(s, "TABLE2") || !strings.Contains(s, "D2") {
		t.Fatalf("rewritten doc:\n%s", s)
	}
}
