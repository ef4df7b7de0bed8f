package keys

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
)

// MarshalAuthorizedKey formats a key as one line of authorized_keys or
// known_hosts text (sshd(8) AUTHORIZED_KEYS FILE FORMAT): the key type, a
// space, the standard base64 of the blob, and a newline.
func MarshalAuthorizedKey(k PublicKey) []byte {
	return []byte(k.Type() + " " + base64.StdEncoding.EncodeToString(k.Marshal()) + "\n")
}

// maxLineFields bounds the scan of one line; real lines have a handful.
const maxLineFields = 4096

// ParseAuthorizedKey parses one authorized_keys or known_hosts line:
// [prefix] keytype base64 [comment]. The prefix is whatever comes before the
// key (authorized_keys options, or known_hosts markers and host patterns),
// returned as text for the caller to interpret; comment is the rest of the
// line. The key is the first field that names a known key type and is
// followed by base64 of a blob of that same type. Blank and '#' lines are
// ErrBadKey.
func ParseAuthorizedKey(line []byte) (key PublicKey, prefix, comment string, err error) {
	s := strings.TrimSpace(string(bytes.TrimRight(line, "\r\n")))
	if s == "" || s[0] == '#' {
		return nil, "", "", &Error{Op: "parse", Alg: "authorized key", Err: fmt.Errorf("%w: empty or comment line", ErrBadKey)}
	}
	rest := s
	for i := 0; i < maxLineFields && rest != ""; i++ {
		field, after := cutField(rest)
		if knownKeyType(field) {
			b64, tail := cutField(after)
			blob, derr := base64.StdEncoding.DecodeString(b64)
			if derr == nil {
				k, perr := ParsePublicKey(blob)
				if perr != nil {
					return nil, "", "", perr
				}
				if k.Type() != field {
					return nil, "", "", &Error{Op: "parse", Alg: field, Err: fmt.Errorf("%w: text says %s, blob is %s", ErrBadKey, field, k.Type())}
				}
				return k, strings.TrimSpace(s[:len(s)-len(rest)]), strings.TrimSpace(tail), nil
			}
		}
		rest = after
	}
	return nil, "", "", &Error{Op: "parse", Alg: "authorized key", Err: fmt.Errorf("%w: no key type and base64 blob on the line", ErrBadKey)}
}

// cutField splits off the first run of non-blank characters.
func cutField(s string) (field, rest string) {
	s = strings.TrimLeft(s, " \t")
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimLeft(s[i:], " \t")
}

func knownKeyType(name string) bool {
	for _, a := range Algorithms {
		if a.KeyType == name {
			return true
		}
	}
	return false
}
