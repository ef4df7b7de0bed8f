package sshlib

import (
	"context"
	"fmt"

	"github.com/pkg/sftp"
)

// NewSFTPClient starts the "sftp" subsystem (RFC 4254 §6.5) on a new
// session and returns a github.com/pkg/sftp client over it. ctx bounds the
// start and the SFTP version exchange. Closing the SFTP client closes the
// session.
func NewSFTPClient(ctx context.Context, c *Client, opts ...sftp.ClientOption) (*sftp.Client, error) {
	s, err := c.NewSession(ctx)
	if err != nil {
		return nil, err
	}
	w, err := s.StdinPipe()
	if err != nil {
		s.Close()
		return nil, err
	}
	r, err := s.StdoutPipe()
	if err != nil {
		s.Close()
		return nil, err
	}
	if err := s.RequestSubsystem(ctx, "sftp"); err != nil {
		s.Close()
		return nil, fmt.Errorf("sshlib: sftp: %w", err)
	}
	// pkg/sftp's version exchange takes no context; closing the session
	// unblocks it.
	stop := context.AfterFunc(ctx, func() { s.Close() })
	cl, err := sftp.NewClientPipe(r, sessionCloser{w: w, s: s}, opts...)
	if !stop() {
		if cl != nil {
			cl.Close()
		}
		return nil, fmt.Errorf("sshlib: sftp: %w", ctx.Err())
	}
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("sshlib: sftp: %w", err)
	}
	return cl, nil
}

// sessionCloser sends EOF, then closes the session channel.
type sessionCloser struct {
	w interface {
		Write([]byte) (int, error)
		Close() error
	}
	s *Session
}

func (c sessionCloser) Write(b []byte) (int, error) { return c.w.Write(b) }
func (c sessionCloser) Close() error {
	c.w.Close()
	return c.s.Close()
}
