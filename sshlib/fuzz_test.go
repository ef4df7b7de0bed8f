package sshlib

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"net"
	"testing"
	"time"

	"github.com/sshmatrix/sshmatrix/sshlib/internal/packet"
	"github.com/sshmatrix/sshmatrix/sshlib/internal/wire"
)

func FuzzParseKexInit(f *testing.F) {
	f.Add(serverKexInit(true, nil))
	f.Add(serverKexInit(false, func(m *kexInitMsg) { m.FirstKexFollows = true }))
	f.Add([]byte{msgKexInit})
	f.Fuzz(func(t *testing.T, p []byte) {
		m, err := parseKexInit(p)
		if err != nil {
			return
		}
		// What parses survives a re-encoding unchanged: no field is lost.
		m2, err := parseKexInit(m.marshal())
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		if !bytes.Equal(m2.marshal(), m.marshal()) {
			t.Fatalf("re-encoding differs")
		}
	})
}

func FuzzReadVersion(f *testing.F) {
	f.Add([]byte("SSH-2.0-OpenSSH_10.0\r\n"))
	f.Add([]byte("hello\r\nSSH-2.0-x\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		readVersion(bufio.NewReader(bytes.NewReader(b)))
	})
}

func FuzzExtInfo(f *testing.F) {
	f.Add(wire.NewBuilder(nil).Byte(msgExtInfo).Uint32(2).Text("server-sig-algs").Text("ssh-ed25519,rsa-sha2-256").Text("ping@openssh.com").Text("0").Bytes())
	f.Add(wire.NewBuilder(nil).Byte(msgExtInfo).Uint32(0xffffffff).Bytes())
	f.Fuzz(func(t *testing.T, p []byte) {
		if len(p) == 0 {
			return
		}
		tr := &transport{}
		tr.handleExtInfo(p)
	})
}

// FuzzHandshakeServerStream feeds arbitrary bytes as everything a server
// says after its banner: the handshake must end in an error, never a panic
// or a hang (the deadline bounds it; the server closes after its bytes).
func FuzzHandshakeServerStream(f *testing.F) {
	plain := packet.NewPlainSealer(rand.Reader)
	ki, _ := plain.Seal(nil, 0, serverKexInit(true, nil))
	f.Add(ki)
	f.Add([]byte{0x7f, 0xff, 0xff, 0xf0})
	f.Add(append(ki, 0, 0, 0, 12, 10, 31, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
	f.Fuzz(func(t *testing.T, stream []byte) {
		cc, sc := connPair(t)
		defer cc.Close()
		go func() {
			defer sc.Close()
			sc.Write([]byte("SSH-2.0-fuzz\r\n"))
			go discard(sc)
			sc.Write(stream)
		}()
		tr, err := newClientTransport(context.Background(), cc, &Config{HandshakeTimeout: 2 * time.Second}, nil, "h")
		if err == nil {
			tr.Close()
			t.Fatalf("handshake succeeded on fuzz input")
		}
	})
}

func discard(c net.Conn) {
	buf := make([]byte, 4096)
	for {
		if _, err := c.Read(buf); err != nil {
			return
		}
	}
}
