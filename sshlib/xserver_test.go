package sshlib

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// xServer is golang.org/x/crypto/ssh's server, in-process on a loopback
// listener: the independent peer of the client tests. Its sessions run a
// tiny command language:
//
//	echo WORDS    print WORDS and a newline
//	stderr WORDS  print WORDS to standard error
//	exit N        exit with status N
//	kill          end with exit-signal KILL
//	cat           copy standard input to standard output
//	sha256        print the SHA-256 of standard input
//	gen N         print N bytes of a fixed pattern
//	env NAME      print the value set by an env request
//	wait          wait for a signal request, print its name
//
// Subsystem "sftp" is pkg/sftp's in-memory server. Global requests
// tcpip-forward/cancel-tcpip-forward listen on loopback; direct-tcpip
// channels dial out.
type xServer struct {
	t        testing.TB
	cfg      *ssh.ServerConfig
	hostKey  ssh.Signer
	ln       net.Listener
	addr     string
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    []*ssh.ServerConn
	sftpRoot sftp.Handlers
}

func newXServer(t testing.TB, cfg *ssh.ServerConfig) *xServer {
	t.Helper()
	hk, _ := newHostKeyTB(t)
	cfg.AddHostKey(hk)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &xServer{t: t, cfg: cfg, hostKey: hk, ln: ln, addr: ln.Addr().String(), sftpRoot: sftp.InMemHandler()}
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(s.close)
	return s
}

func (s *xServer) hostPublicKey() PublicKey {
	k, err := ParsePublicKey(s.hostKey.PublicKey().Marshal())
	if err != nil {
		s.t.Fatal(err)
	}
	return k
}

func (s *xServer) close() {
	s.ln.Close()
	s.mu.Lock()
	for _, c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *xServer) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serve(c)
		}()
	}
}

func (s *xServer) serve(c net.Conn) {
	conn, chans, reqs, err := ssh.NewServerConn(c, s.cfg)
	if err != nil {
		c.Close()
		return
	}
	s.mu.Lock()
	s.conns = append(s.conns, conn)
	s.mu.Unlock()
	var wg sync.WaitGroup
	fw := &xForwards{conn: conn, ls: map[string]net.Listener{}}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for r := range reqs {
			switch r.Type {
			case "tcpip-forward":
				fw.listen(r, &wg)
			case "cancel-tcpip-forward":
				fw.cancel(r)
			default:
				r.Reply(false, nil)
			}
		}
		fw.closeAll()
	}()
	for nc := range chans {
		switch nc.ChannelType() {
		case "session":
			ch, rq, err := nc.Accept()
			if err != nil {
				continue
			}
			wg.Add(1)
			go func() { defer wg.Done(); s.session(ch, rq) }()
		case "direct-tcpip":
			var m struct {
				Host     string
				Port     uint32
				OrigHost string
				OrigPort uint32
			}
			if err := ssh.Unmarshal(nc.ExtraData(), &m); err != nil {
				nc.Reject(ssh.ConnectionFailed, "bad data")
				continue
			}
			tc, err := net.Dial("tcp", net.JoinHostPort(m.Host, strconv.Itoa(int(m.Port))))
			if err != nil {
				nc.Reject(ssh.ConnectionFailed, err.Error())
				continue
			}
			ch, rq, err := nc.Accept()
			if err != nil {
				tc.Close()
				continue
			}
			go ssh.DiscardRequests(rq)
			wg.Add(1)
			go func() { defer wg.Done(); pipe(ch, tc) }()
		default:
			nc.Reject(ssh.UnknownChannelType, "no")
		}
	}
	conn.Close()
	wg.Wait()
}

// pipe copies both ways between a channel and a TCP connection.
func pipe(ch ssh.Channel, tc net.Conn) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); io.Copy(ch, tc); ch.CloseWrite() }()
	go func() { defer wg.Done(); io.Copy(tc, ch); tc.(*net.TCPConn).CloseWrite() }()
	wg.Wait()
	ch.Close()
	tc.Close()
}

type xForwards struct {
	conn *ssh.ServerConn
	mu   sync.Mutex
	ls   map[string]net.Listener
}

func (f *xForwards) listen(r *ssh.Request, wg *sync.WaitGroup) {
	var m struct {
		Addr string
		Port uint32
	}
	if err := ssh.Unmarshal(r.Payload, &m); err != nil {
		r.Reply(false, nil)
		return
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(m.Addr, strconv.Itoa(int(m.Port))))
	if err != nil {
		r.Reply(false, nil)
		return
	}
	port := uint32(ln.Addr().(*net.TCPAddr).Port)
	f.mu.Lock()
	f.ls[fmt.Sprintf("%s:%d", m.Addr, port)] = ln
	f.mu.Unlock()
	var reply []byte
	if m.Port == 0 {
		reply = binary.BigEndian.AppendUint32(nil, port)
	}
	r.Reply(true, reply)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			tc, err := ln.Accept()
			if err != nil {
				return
			}
			ra := tc.RemoteAddr().(*net.TCPAddr)
			extra := ssh.Marshal(struct {
				Addr     string
				Port     uint32
				OrigAddr string
				OrigPort uint32
			}{m.Addr, port, ra.IP.String(), uint32(ra.Port)})
			ch, rq, err := f.conn.OpenChannel("forwarded-tcpip", extra)
			if err != nil {
				tc.Close()
				continue
			}
			go ssh.DiscardRequests(rq)
			wg.Add(1)
			go func() { defer wg.Done(); pipe(ch, tc) }()
		}
	}()
}

func (f *xForwards) cancel(r *ssh.Request) {
	var m struct {
		Addr string
		Port uint32
	}
	ssh.Unmarshal(r.Payload, &m)
	f.mu.Lock()
	key := fmt.Sprintf("%s:%d", m.Addr, m.Port)
	ln := f.ls[key]
	delete(f.ls, key)
	f.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
	r.Reply(ln != nil, nil)
}

func (f *xForwards) closeAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, ln := range f.ls {
		ln.Close()
	}
}

func exitStatus(ch ssh.Channel, n uint32) {
	ch.SendRequest("exit-status", false, binary.BigEndian.AppendUint32(nil, n))
}

func (s *xServer) session(ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer ch.Close()
	env := map[string]string{}
	signals := make(chan string, 4)
	started := false
	for r := range reqs {
		switch r.Type {
		case "env":
			var m struct{ Name, Value string }
			if ssh.Unmarshal(r.Payload, &m) != nil {
				r.Reply(false, nil)
				continue
			}
			env[m.Name] = m.Value
			r.Reply(true, nil)
		case "pty-req":
			r.Reply(true, nil)
		case "signal":
			var m struct{ Name string }
			ssh.Unmarshal(r.Payload, &m)
			select {
			case signals <- m.Name:
			default:
			}
		case "exec", "shell":
			if started {
				r.Reply(false, nil)
				continue
			}
			started = true
			var m struct{ Cmd string }
			if r.Type == "exec" {
				ssh.Unmarshal(r.Payload, &m)
			} else {
				m.Cmd = "cat"
			}
			r.Reply(true, nil)
			go func() {
				s.run(ch, m.Cmd, env, signals)
				ch.Close()
			}()
		case "subsystem":
			var m struct{ Name string }
			ssh.Unmarshal(r.Payload, &m)
			if m.Name != "sftp" || started {
				r.Reply(false, nil)
				continue
			}
			started = true
			r.Reply(true, nil)
			go func() {
				srv := sftp.NewRequestServer(ch, s.sftpRoot)
				srv.Serve()
				srv.Close()
				exitStatus(ch, 0)
				ch.Close()
			}()
		default:
			if r.WantReply {
				r.Reply(false, nil)
			}
		}
	}
}

func (s *xServer) run(ch ssh.Channel, cmd string, env map[string]string, signals chan string) {
	name, arg, _ := strings.Cut(cmd, " ")
	switch name {
	case "echo":
		fmt.Fprintln(ch, arg)
	case "stderr":
		fmt.Fprintln(ch.Stderr(), arg)
	case "exit":
		n, _ := strconv.Atoi(arg)
		exitStatus(ch, uint32(n))
		return
	case "kill":
		ch.SendRequest("exit-signal", false, ssh.Marshal(struct {
			Sig  string
			Core bool
			Msg  string
			Lang string
		}{"KILL", false, "killed", ""}))
		return
	case "cat":
		io.Copy(ch, ch)
	case "sha256":
		h := sha256.New()
		io.Copy(h, ch)
		fmt.Fprintln(ch, hex.EncodeToString(h.Sum(nil)))
	case "gen":
		n, _ := strconv.Atoi(arg)
		io.Copy(ch, io.LimitReader(patternReader{}, int64(n)))
	case "env":
		fmt.Fprintln(ch, env[arg])
	case "wait":
		fmt.Fprintln(ch, <-signals)
	default:
		fmt.Fprintf(ch.Stderr(), "unknown command %q\n", cmd)
		exitStatus(ch, 127)
		return
	}
	ch.CloseWrite()
	exitStatus(ch, 0)
}

// patternReader yields a fixed, non-repeating-within-a-block pattern.
type patternReader struct{}

func (patternReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(i*7 + i>>8)
	}
	return len(p), nil
}

func newHostKeyTB(t testing.TB) (ssh.Signer, PublicKey) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ParsePublicKey(s.PublicKey().Marshal())
	if err != nil {
		t.Fatal(err)
	}
	return s, k
}
