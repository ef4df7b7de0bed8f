package sshlib

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/sshmatrix/sshmatrix/sshlib/internal/wire"
)

// Session is a "session" channel (RFC 4254 §6): one remote command, shell
// or subsystem, with its standard streams. Set Stdin, Stdout and Stderr, or
// take pipes, before Start, Shell or RequestSubsystem.
type Session struct {
	// Stdin is copied to the remote side; nil means empty input (EOF is
	// sent at once).
	Stdin io.Reader
	// Stdout and Stderr receive the remote output; nil discards it.
	Stdout io.Writer
	Stderr io.Writer

	ch *channel

	mu         sync.Mutex
	started    bool
	stdinPiped bool
	outPiped   bool
	errPiped   bool
	exit       *ExitError // exit-status or exit-signal, once received
	copiers    sync.WaitGroup
	copyErrs   []error
	stopCtx    func() bool
	waitOnce   sync.Once
	waitErr    error
}

// ExitError is a remote command's unsuccessful end: a non-zero exit-status
// or an exit-signal (RFC 4254 §6.10).
type ExitError struct {
	Status     int    // exit status; -1 when the command was killed by a signal
	Signal     string // signal name without "SIG", e.g. "KILL"; "" if none
	CoreDumped bool
	Message    string // the server's error message for a signal
}

func (e *ExitError) Error() string {
	if e.Signal != "" {
		s := "sshlib: remote command killed by signal " + e.Signal
		if e.CoreDumped {
			s += " (core dumped)"
		}
		if e.Message != "" {
			s += ": " + e.Message
		}
		return s
	}
	return fmt.Sprintf("sshlib: remote command exited with status %d", e.Status)
}

// ExitMissingError is returned by Wait when the channel closed without an
// exit-status or exit-signal, as some servers do when a command is lost.
type ExitMissingError struct{}

func (*ExitMissingError) Error() string {
	return "sshlib: remote command exited without exit status or exit signal"
}

// Signal is a POSIX signal name without "SIG" (RFC 4254 §6.10).
type Signal string

const (
	SIGABRT Signal = "ABRT"
	SIGALRM Signal = "ALRM"
	SIGFPE  Signal = "FPE"
	SIGHUP  Signal = "HUP"
	SIGILL  Signal = "ILL"
	SIGINT  Signal = "INT"
	SIGKILL Signal = "KILL"
	SIGPIPE Signal = "PIPE"
	SIGQUIT Signal = "QUIT"
	SIGSEGV Signal = "SEGV"
	SIGTERM Signal = "TERM"
	SIGUSR1 Signal = "USR1"
	SIGUSR2 Signal = "USR2"
)

// TerminalModes are the encoded terminal modes of a pty-req (RFC 4254
// §8): opcode to value.
type TerminalModes map[uint8]uint32

// Terminal mode opcodes most often set (RFC 4254 §8).
const (
	ECHO          = 53
	TTY_OP_ISPEED = 128
	TTY_OP_OSPEED = 129
)

// NewSession opens a session channel.
func (c *Client) NewSession(ctx context.Context) (*Session, error) {
	ch, err := c.mux.openChannel(ctx, "session", nil)
	if err != nil {
		return nil, err
	}
	s := &Session{ch: ch}
	ch.mu.Lock()
	ch.onRequest = s.handleRequest
	ch.mu.Unlock()
	return s, nil
}

// handleRequest takes the server's requests on the session in the read
// loop (RFC 4254 §6.10). It must not block.
func (s *Session) handleRequest(req *channelRequestMsg) bool {
	r := wire.NewReader(req.payload)
	switch req.name {
	case "exit-status":
		status := r.Uint32("exit status")
		if r.Done("exit status") != nil {
			return false
		}
		s.mu.Lock()
		if s.exit == nil {
			s.exit = &ExitError{Status: int(status)}
		}
		s.mu.Unlock()
		return true
	case "exit-signal":
		sig := r.Text("signal name")
		core := r.Bool("core dumped")
		msg := r.Text("error message")
		r.Text("language tag")
		if r.Done("language tag") != nil {
			return false
		}
		s.mu.Lock()
		if s.exit == nil {
			s.exit = &ExitError{Status: -1, Signal: sig, CoreDumped: core, Message: msg}
		}
		s.mu.Unlock()
		return true
	}
	// keepalive@openssh.com and anything else: a failure reply is what
	// OpenSSH's own client sends.
	return false
}

func (s *Session) sendRequest(ctx context.Context, name string, payload []byte) error {
	ok, err := s.ch.request(ctx, name, true, payload)
	if err != nil {
		return err
	}
	if !ok {
		return &RequestError{Request: name}
	}
	return nil
}

// RequestError is the server's refusal (CHANNEL_FAILURE or REQUEST_FAILURE)
// of a request.
type RequestError struct{ Request string }

func (e *RequestError) Error() string { return "sshlib: server refused " + e.Request + " request" }

// Setenv asks the server to set an environment variable (RFC 4254 §6.4).
// Servers accept only the names they are configured to (OpenSSH: AcceptEnv).
func (s *Session) Setenv(ctx context.Context, name, value string) error {
	return s.sendRequest(ctx, "env", wire.NewBuilder(nil).Text(name).Text(value).Bytes())
}

// RequestPty asks for a pseudo-terminal (RFC 4254 §6.2).
func (s *Session) RequestPty(ctx context.Context, term string, height, width int, modes TerminalModes) error {
	var enc []byte
	for op, v := range modes {
		if op == 0 || op >= 160 {
			return fmt.Errorf("sshlib: pty-req: invalid terminal mode opcode %d", op)
		}
		enc = wire.NewBuilder(enc).Byte(op).Uint32(v).Bytes()
	}
	enc = append(enc, 0) // TTY_OP_END
	p := wire.NewBuilder(nil).Text(term).Uint32(uint32(width)).Uint32(uint32(height)).
		Uint32(0).Uint32(0).String(enc).Bytes()
	return s.sendRequest(ctx, "pty-req", p)
}

// WindowChange tells the server the terminal size changed (RFC 4254 §6.7).
func (s *Session) WindowChange(height, width int) error {
	p := wire.NewBuilder(nil).Uint32(uint32(width)).Uint32(uint32(height)).Uint32(0).Uint32(0).Bytes()
	_, err := s.ch.request(context.Background(), "window-change", false, p)
	return err
}

// Signal sends a signal to the remote process (RFC 4254 §6.9). Servers
// may ignore it (OpenSSH before 8.2 did).
func (s *Session) Signal(sig Signal) error {
	_, err := s.ch.request(context.Background(), "signal", false, wire.NewBuilder(nil).Text(string(sig)).Bytes())
	return err
}

// StdinPipe returns a pipe to the remote standard input. Closing it sends
// EOF.
func (s *Session) StdinPipe() (io.WriteCloser, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Stdin != nil || s.stdinPiped {
		return nil, errors.New("sshlib: Stdin already set")
	}
	if s.started {
		return nil, errors.New("sshlib: StdinPipe after the session started")
	}
	s.stdinPiped = true
	return &stdinPipe{s.ch}, nil
}

// StdoutPipe returns a pipe from the remote standard output. Read it to the
// end: unread output holds back the channel window, stdout and stderr
// together.
func (s *Session) StdoutPipe() (io.Reader, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Stdout != nil || s.outPiped {
		return nil, errors.New("sshlib: Stdout already set")
	}
	if s.started {
		return nil, errors.New("sshlib: StdoutPipe after the session started")
	}
	s.outPiped = true
	return channelReader{s.ch, false}, nil
}

// StderrPipe returns a pipe from the remote standard error.
func (s *Session) StderrPipe() (io.Reader, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Stderr != nil || s.errPiped {
		return nil, errors.New("sshlib: Stderr already set")
	}
	if s.started {
		return nil, errors.New("sshlib: StderrPipe after the session started")
	}
	s.errPiped = true
	return channelReader{s.ch, true}, nil
}

type stdinPipe struct{ ch *channel }

func (p *stdinPipe) Write(b []byte) (int, error) { return p.ch.write(b, false, 0) }
func (p *stdinPipe) Close() error                { return p.ch.closeWrite() }

type channelReader struct {
	ch  *channel
	ext bool
}

func (r channelReader) Read(b []byte) (int, error) { return r.ch.read(b, r.ext) }

// Start runs cmd on the server (an "exec" request, RFC 4254 §6.5) and
// returns without waiting for it. If ctx ends before Wait returns, the
// remote process is sent SIGKILL and the session closed.
func (s *Session) Start(ctx context.Context, cmd string) error {
	return s.start(ctx, "exec", wire.NewBuilder(nil).Text(cmd).Bytes())
}

// Shell starts the user's login shell (RFC 4254 §6.5).
func (s *Session) Shell(ctx context.Context) error { return s.start(ctx, "shell", nil) }

// RequestSubsystem starts a subsystem such as "sftp" (RFC 4254 §6.5).
func (s *Session) RequestSubsystem(ctx context.Context, name string) error {
	return s.start(ctx, "subsystem", wire.NewBuilder(nil).Text(name).Bytes())
}

func (s *Session) start(ctx context.Context, req string, payload []byte) error {
	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		return errors.New("sshlib: session already started")
	}
	s.started = true
	s.mu.Unlock()
	if err := s.sendRequest(ctx, req, payload); err != nil {
		return err
	}
	s.stopCtx = context.AfterFunc(ctx, func() {
		s.Signal(SIGKILL)
		s.Close()
	})
	s.startCopiers()
	return nil
}

// startCopiers connects Stdin, Stdout and Stderr that are not pipes. The
// stdout and stderr copiers end with the channel; Wait waits for them. The
// stdin copier ends when Stdin does or the channel closes.
func (s *Session) startCopiers() {
	if !s.stdinPiped {
		if s.Stdin == nil {
			s.ch.closeWrite()
		} else {
			in := s.Stdin
			go func() {
				_, err := io.Copy(stdinWriter{s.ch}, in)
				if err == nil {
					s.ch.closeWrite()
				}
			}()
		}
	}
	if !s.outPiped {
		s.copy(s.Stdout, false)
	}
	if !s.errPiped {
		s.copy(s.Stderr, true)
	}
}

type stdinWriter struct{ ch *channel }

func (w stdinWriter) Write(b []byte) (int, error) { return w.ch.write(b, false, 0) }

func (s *Session) copy(w io.Writer, ext bool) {
	if w == nil {
		w = io.Discard
	}
	s.copiers.Add(1)
	go func() {
		defer s.copiers.Done()
		if _, err := io.Copy(w, channelReader{s.ch, ext}); err != nil {
			s.mu.Lock()
			s.copyErrs = append(s.copyErrs, err)
			s.mu.Unlock()
		}
	}()
}

// Wait waits for the remote command to exit and its output to be copied.
// It returns nil for exit status 0, an *ExitError for another status or a
// signal, an *ExitMissingError if the server sent neither, or the
// connection's error. Close or the Start context unblocks it.
func (s *Session) Wait() error {
	s.mu.Lock()
	started := s.started
	s.mu.Unlock()
	if !started {
		return errors.New("sshlib: Wait before Start")
	}
	s.waitOnce.Do(func() { s.waitErr = s.wait() })
	return s.waitErr
}

func (s *Session) wait() error {
	ch := s.ch
	ch.mu.Lock()
	for !ch.gotClose && ch.err == nil && !ch.closed {
		ch.cond.Wait()
	}
	connErr := ch.err
	ch.mu.Unlock()
	s.copiers.Wait()
	if s.stopCtx != nil {
		s.stopCtx()
	}
	s.mu.Lock()
	exit := s.exit
	copyErrs := s.copyErrs
	s.mu.Unlock()
	switch {
	case exit != nil && exit.Signal == "" && exit.Status == 0:
		if len(copyErrs) > 0 {
			return copyErrs[0]
		}
		return nil
	case exit != nil:
		return exit
	case connErr != nil:
		return connErr
	}
	return &ExitMissingError{}
}

// Run runs cmd and waits for it. See Start and Wait.
func (s *Session) Run(ctx context.Context, cmd string) error {
	if err := s.Start(ctx, cmd); err != nil {
		return err
	}
	return s.Wait()
}

// Output runs cmd and returns its standard output.
func (s *Session) Output(ctx context.Context, cmd string) ([]byte, error) {
	if s.Stdout != nil {
		return nil, errors.New("sshlib: Stdout already set")
	}
	var b bytes.Buffer
	s.Stdout = &b
	err := s.Run(ctx, cmd)
	return b.Bytes(), err
}

// CombinedOutput runs cmd and returns its standard output and standard
// error interleaved as they arrived.
func (s *Session) CombinedOutput(ctx context.Context, cmd string) ([]byte, error) {
	if s.Stdout != nil || s.Stderr != nil {
		return nil, errors.New("sshlib: Stdout or Stderr already set")
	}
	var b lockedBuffer
	s.Stdout, s.Stderr = &b, &b
	err := s.Run(ctx, cmd)
	return b.Bytes(), err
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Bytes()
}

// Close closes the session channel. Blocked reads, writes and Wait return.
func (s *Session) Close() error { return s.ch.close() }
