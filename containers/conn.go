package containers

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

// Conn is one SSH connection to a server process started for it alone with
// `docker exec -i` (sshd -i, a relayed one-shot dropbear, tinysshd): the
// process's stdin/stdout are the SSH stream and its stderr is its log.
//
// It is a net.Conn (one end of a net.Pipe, so deadlines work) bridged to the
// Docker Engine API's hijacked exec stream, demultiplexed with stdcopy.
// Close ends the client side; the server process then sees EOF and exits, and
// ServerLog returns its complete log.
type Conn struct {
	net.Conn
	cli    *client.Client
	execID string
	done   chan struct{} // closed when the exec's output stream has ended
	mu     sync.Mutex
	log    bytes.Buffer
	err    error // of the output stream, if it failed

	isClosed bool
}

func (c *Conn) closed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.isClosed
}

// DialExec starts argv in the container as a one-connection server.
func (s *Server) DialExec(ctx context.Context, argv []string) (*Conn, error) {
	cr, err := s.cli.ExecCreate(ctx, s.ID(), client.ExecCreateOptions{
		AttachStdin: true, AttachStdout: true, AttachStderr: true, Cmd: argv,
	})
	if err != nil {
		return nil, fmt.Errorf("containers: dial %s %s: exec create: %w", s.Flavour, s.Version, err)
	}
	at, err := s.cli.ExecAttach(ctx, cr.ID, client.ExecAttachOptions{})
	if err != nil {
		return nil, fmt.Errorf("containers: dial %s %s: exec attach: %w", s.Flavour, s.Version, err)
	}
	ours, theirs := net.Pipe()
	c := &Conn{Conn: ours, cli: s.cli, execID: cr.ID, done: make(chan struct{})}
	// Client -> server process stdin; EOF is passed on as a half-close.
	go func() {
		_, _ = io.Copy(at.Conn, theirs)
		_ = at.CloseWrite()
	}()
	// Server process stdout -> client, stderr -> log.
	go func() {
		_, err := stdcopy.StdCopy(&dropOnError{w: theirs}, (*logWriter)(c), at.Reader)
		c.mu.Lock()
		c.err = err
		c.mu.Unlock()
		theirs.Close()
		at.Close()
		close(c.done)
	}()
	return c, nil
}

// dropOnError writes to w until the first error (the client closed its end),
// then discards, so the exec stream is drained and the log is complete.
type dropOnError struct {
	w    io.Writer
	dead bool
}

func (d *dropOnError) Write(p []byte) (int, error) {
	if !d.dead {
		if _, err := d.w.Write(p); err != nil {
			d.dead = true
		}
	}
	return len(p), nil
}

type logWriter Conn

func (l *logWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.log.Write(p)
}

// Done is closed when the server process has ended and its output is drained.
func (c *Conn) Done() <-chan struct{} { return c.done }

// ServerLog returns the server process's log (stderr). Called after Close, it
// waits up to 10 s for the process to end so the log is complete; called
// earlier it returns what has arrived so far.
func (c *Conn) ServerLog() string {
	select {
	case <-c.done:
	default:
		if c.closed() {
			select {
			case <-c.done:
			case <-time.After(10 * time.Second):
			}
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.log.String()
}

// Wait waits until the server process has ended and returns its exit code.
func (c *Conn) Wait(ctx context.Context) (int, error) {
	select {
	case <-c.done:
	case <-ctx.Done():
		return -1, ctx.Err()
	}
	in, err := c.cli.ExecInspect(ctx, c.execID, client.ExecInspectOptions{})
	if err != nil {
		return -1, fmt.Errorf("containers: exec inspect: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return in.ExitCode, c.err
}

// Close closes the client side; the server process sees end of input.
func (c *Conn) Close() error {
	c.mu.Lock()
	c.isClosed = true
	c.mu.Unlock()
	return c.Conn.Close()
}

// Offer reads this connection's server KEXINIT (what the server process
// started for it offers, the per-connection ground truth) and ends the
// connection. The deadline bounds a server that never speaks.
func (c *Conn) Offer() (*Algorithms, error) {
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	a, err := ReadKEXINIT(c)
	c.Close()
	if err != nil {
		return nil, fmt.Errorf("%w (server log: %s)", err, c.ServerLog())
	}
	return a, nil
}
