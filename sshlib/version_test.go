package sshlib

import (
	"bufio"
	"errors"
	"strings"
	"testing"
)

func TestReadVersion(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     string
		pre      int
		err      error
	}{
		{"plain", "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n", "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10", 0, nil},
		{"bare LF", "SSH-2.0-dropbear_2022.83\n", "SSH-2.0-dropbear_2022.83", 0, nil},
		{"1.99", "SSH-1.99-old\r\n", "SSH-1.99-old", 0, nil},
		// user-configs.md #13: text lines before the banner, more than 255 bytes of them.
		{"pre-banner lines", strings.Repeat("Welcome to a very chatty server "+strings.Repeat("x", 300)+"\r\n", 5) + "SSH-2.0-x\r\n", "SSH-2.0-x", 5, nil},
		{"ssh1", "SSH-1.5-ancient\r\n", "", 0, ErrProtocolVersion},
		{"too long", "SSH-2.0-" + strings.Repeat("a", 300) + "\r\n", "", 0, ErrVersionTooLong},
		{"endless line", strings.Repeat("a", 10000), "", 0, ErrVersionTooLong},
		{"too many lines", strings.Repeat("hi\r\n", 2000), "", 0, ErrTooManyLines},
		{"eof", "hello\r\n", "", 0, nil},
		{"control char", "SSH-2.0-a\x01b\r\n", "", 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, pre, err := readVersion(bufio.NewReader(strings.NewReader(tc.in)))
			if tc.want == "" {
				var ve *VersionError
				if !errors.As(err, &ve) {
					t.Fatalf("want *VersionError, got %v", err)
				}
				if tc.err != nil && !errors.Is(err, tc.err) {
					t.Fatalf("want %v, got %v", tc.err, err)
				}
				return
			}
			if err != nil || string(v) != tc.want || len(pre) != tc.pre {
				t.Fatalf("got %q %d %v", v, len(pre), err)
			}
		})
	}
}
