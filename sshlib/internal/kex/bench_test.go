package kex

import (
	"fmt"
	"math/big"
	"testing"
)

// benchConn is testConn with the server's work kept off the clock.
type benchConn struct {
	b     *testing.B
	srv   testServer
	queue [][]byte
}

func (c *benchConn) WritePacket(p []byte) error {
	c.b.StopTimer()
	c.queue = append(c.queue, c.srv.handle(c.b, p)...)
	c.b.StartTimer()
	return nil
}

func (c *benchConn) ReadPacket() ([]byte, error) {
	p := c.queue[0]
	c.queue = c.queue[1:]
	return p, nil
}

// BenchmarkClient measures the client-side CPU cost of one exchange per
// method (key generation, peer checks, shared secret, H).
func BenchmarkClient(b *testing.B) {
	for i := range Methods {
		m := &Methods[i]
		b.Run(m.Name, func(b *testing.B) {
			for b.Loop() {
				cl, err := m.Start(&Params{})
				if err != nil {
					b.Fatal(err)
				}
				c := &benchConn{b: b, srv: newSrv(b, m.Name, srvOpts{})}
				c.WritePacket(cl.First())
				if _, err := cl.Finish(c, testMagics); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkGexGroupCheck measures the cost of accepting a server's group,
// dominated by the safe-prime test (see gexClient.checkGroup).
func BenchmarkGexGroupCheck(b *testing.B) {
	g := &gexClient{min: 1024, n: 3072, max: 8192}
	for _, bits := range []int{2048, 3072, 4096, 8192} {
		p := tModp()[bits]
		b.Run(fmt.Sprint(bits), func(b *testing.B) {
			for b.Loop() {
				if err := g.checkGroup(p, big.NewInt(2)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
