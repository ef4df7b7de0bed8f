package containers

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// Algorithms is what a server offers in its SSH_MSG_KEXINIT (RFC 4253 §7.1),
// read off the wire by a parser independent of sshlib: the ground truth the
// matrix intersects with sshlib's own lists.
type Algorithms struct {
	Banner                  string // the server's version line, without CR LF
	Kex                     []string
	HostKey                 []string
	CiphersClientServer     []string
	CiphersServerClient     []string
	MACsClientServer        []string
	MACsServerClient        []string
	CompressionClientServer []string
	CompressionServerClient []string
	LanguagesClientServer   []string
	LanguagesServerClient   []string
	FirstKexPacketFollows   bool
}

// Limits of the probe: RFC 4253 §4.2 caps a version line at 255 bytes and lets
// a server send other lines first; §6.1 requires 35000-byte packets to be
// handled. A KEXINIT bigger than maxPacket is refused rather than allocated.
const (
	maxLine        = 255
	maxBannerLines = 32
	maxPacket      = 64 * 1024
	msgKexInit     = 20
	probeBanner    = "SSH-2.0-sshmatrix_probe\r\n"
)

// BannerError: the peer did not send a valid SSH-2.0 version line.
type BannerError struct{ Reason string }

func (e *BannerError) Error() string { return "containers: version exchange: " + e.Reason }

// KexInitError: the first packet was not a well-formed KEXINIT.
type KexInitError struct{ Reason string }

func (e *KexInitError) Error() string { return "containers: kexinit: " + e.Reason }

// readBanner reads lines until the SSH version line (RFC 4253 §4.2).
func readBanner(br *bufio.Reader) (string, error) {
	for i := 0; i < maxBannerLines; i++ {
		var line []byte
		for {
			b, err := br.ReadByte()
			if err != nil {
				if errors.Is(err, io.EOF) {
					return "", &BannerError{Reason: "connection closed before the version line"}
				}
				return "", err
			}
			if b == '\n' {
				break
			}
			if len(line) >= maxLine {
				return "", &BannerError{Reason: fmt.Sprintf("line longer than %d bytes", maxLine)}
			}
			line = append(line, b)
		}
		s := strings.TrimSuffix(string(line), "\r")
		if strings.HasPrefix(s, "SSH-") {
			if !strings.HasPrefix(s, "SSH-2.0-") && !strings.HasPrefix(s, "SSH-1.99-") {
				return "", &BannerError{Reason: fmt.Sprintf("unsupported protocol version in %q", s)}
			}
			return s, nil
		}
	}
	return "", &BannerError{Reason: fmt.Sprintf("no version line within %d lines", maxBannerLines)}
}

// ReadKEXINIT performs the client's half of the version exchange on rw and
// parses the server's first binary packet (RFC 4253 §6), which must be its
// KEXINIT. It writes only the client's version line; the caller closes rw
// (which also ends the write should the peer never read it).
func ReadKEXINIT(rw io.ReadWriter) (*Algorithms, error) {
	// Both sides may send their version line first (RFC 4253 §4.2); over an
	// unbuffered pipe the write must not wait for the peer's own write.
	sent := make(chan struct{})
	go func() {
		_, _ = io.WriteString(rw, probeBanner)
		close(sent)
	}()
	// A server sends its KEXINIT after our version line has arrived; waiting
	// (briefly) for the write keeps rw's writes finished when we return.
	defer func() {
		select {
		case <-sent:
		case <-time.After(2 * time.Second):
		}
	}()
	br := bufio.NewReader(rw)
	banner, err := readBanner(br)
	if err != nil {
		return nil, err
	}
	var hdr [5]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return nil, &KexInitError{Reason: "reading packet header: " + err.Error()}
	}
	plen := binary.BigEndian.Uint32(hdr[:4])
	pad := uint32(hdr[4])
	if plen < 5 || plen > maxPacket {
		return nil, &KexInitError{Reason: fmt.Sprintf("packet_length %d outside [5, %d]", plen, maxPacket)}
	}
	if pad+1 >= plen {
		return nil, &KexInitError{Reason: fmt.Sprintf("padding_length %d leaves no payload in packet_length %d", pad, plen)}
	}
	body := make([]byte, plen-1)
	if _, err := io.ReadFull(br, body); err != nil {
		return nil, &KexInitError{Reason: "reading packet: " + err.Error()}
	}
	a, err := ParseKEXINIT(body[:len(body)-int(pad)])
	if err != nil {
		return nil, err
	}
	a.Banner = banner
	return a, nil
}

// ParseKEXINIT parses a KEXINIT payload (RFC 4253 §7.1): byte 20, a 16-byte
// cookie, ten name-lists, a boolean and a reserved uint32.
func ParseKEXINIT(p []byte) (*Algorithms, error) {
	if len(p) < 17 || p[0] != msgKexInit {
		if len(p) == 0 {
			return nil, &KexInitError{Reason: "empty payload"}
		}
		return nil, &KexInitError{Reason: fmt.Sprintf("first packet is message %d, want KEXINIT (20)", p[0])}
	}
	rest := p[17:]
	var a Algorithms
	fields := []struct {
		name string
		dst  *[]string
	}{
		{"kex_algorithms", &a.Kex},
		{"server_host_key_algorithms", &a.HostKey},
		{"encryption_algorithms_client_to_server", &a.CiphersClientServer},
		{"encryption_algorithms_server_to_client", &a.CiphersServerClient},
		{"mac_algorithms_client_to_server", &a.MACsClientServer},
		{"mac_algorithms_server_to_client", &a.MACsServerClient},
		{"compression_algorithms_client_to_server", &a.CompressionClientServer},
		{"compression_algorithms_server_to_client", &a.CompressionServerClient},
		{"languages_client_to_server", &a.LanguagesClientServer},
		{"languages_server_to_client", &a.LanguagesServerClient},
	}
	for _, f := range fields {
		if len(rest) < 4 {
			return nil, &KexInitError{Reason: "truncated before " + f.name}
		}
		n := binary.BigEndian.Uint32(rest)
		if uint64(n) > uint64(len(rest)-4) {
			return nil, &KexInitError{Reason: fmt.Sprintf("%s: length %d exceeds the %d bytes left", f.name, n, len(rest)-4)}
		}
		list := string(rest[4 : 4+n])
		rest = rest[4+n:]
		if list != "" {
			*f.dst = strings.Split(list, ",")
		}
		for _, name := range *f.dst {
			if name == "" {
				return nil, &KexInitError{Reason: f.name + ": empty name in " + fmt.Sprintf("%q", list)}
			}
		}
	}
	if len(rest) < 5 {
		return nil, &KexInitError{Reason: "truncated before first_kex_packet_follows"}
	}
	a.FirstKexPacketFollows = rest[0] != 0
	return &a, nil
}

// ProbeAddress connects to addr and returns the server's KEXINIT.
func ProbeAddress(ctx context.Context, addr string) (*Algorithms, error) {
	d := net.Dialer{Timeout: 10 * time.Second}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("containers: probe %s: %w", addr, err)
	}
	defer c.Close()
	dl := time.Now().Add(10 * time.Second)
	if t, ok := ctx.Deadline(); ok && t.Before(dl) {
		dl = t
	}
	_ = c.SetDeadline(dl)
	return ReadKEXINIT(c)
}

// Contains reports whether list has name.
func Contains(list []string, name string) bool {
	for _, n := range list {
		if n == name {
			return true
		}
	}
	return false
}
