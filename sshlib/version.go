package sshlib

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
)

// Limits of the identification exchange (RFC 4253 §4.2). The version line
// itself is at most 255 bytes including CR LF; the server may send other
// lines before it. OpenSSH's client accepts up to 1024 such lines; so do we,
// each up to 8 KiB, so a server cannot make us read without end.
const (
	maxVersionLine   = 255
	maxPreBannerLine = 8192
	maxPreBanner     = 1024
)

// readVersion reads the server's identification string and returns it
// without CR LF, and the lines that preceded it.
func readVersion(r *bufio.Reader) (version []byte, pre []string, err error) {
	for n := 0; ; n++ {
		if n >= maxPreBanner {
			return nil, pre, &VersionError{Err: fmt.Errorf("%w: more than %d lines", ErrTooManyLines, maxPreBanner)}
		}
		line, err := readLine(r, maxPreBannerLine)
		if err != nil {
			return nil, pre, err
		}
		if !bytes.HasPrefix(line, []byte("SSH-")) {
			pre = append(pre, string(line))
			continue
		}
		if len(line)+2 > maxVersionLine {
			return nil, pre, &VersionError{Line: trunc(line), Err: ErrVersionTooLong}
		}
		// "SSH-1.99-" means a server that speaks 2.0 too (RFC 4253 §5.1).
		if !bytes.HasPrefix(line, []byte("SSH-2.0-")) && !bytes.HasPrefix(line, []byte("SSH-1.99-")) {
			return nil, pre, &VersionError{Line: trunc(line), Err: ErrProtocolVersion}
		}
		for _, c := range line {
			if c < 0x20 || c > 0x7e {
				return nil, pre, &VersionError{Line: trunc(line), Err: fmt.Errorf("control or non-ASCII byte 0x%02x", c)}
			}
		}
		return line, pre, nil
	}
}

// readLine reads one line ended by LF (CR LF or bare LF) of at most max
// bytes, and returns it without the line ending.
func readLine(r *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		b, err := r.ReadByte()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, &VersionError{Line: trunc(line), Err: fmt.Errorf("reading identification: %w", err)}
		}
		if b == '\n' {
			return bytes.TrimSuffix(line, []byte("\r")), nil
		}
		if len(line) >= max {
			return nil, &VersionError{Line: trunc(line), Err: ErrVersionTooLong}
		}
		line = append(line, b)
	}
}

func trunc(b []byte) string {
	if len(b) > 80 {
		return string(b[:80]) + "..."
	}
	return string(b)
}
