package keys

// ParsePublicKey parses a wire-format public key or certificate blob.
// TODO(keys helper): implement every key type of Algorithms.
func ParsePublicKey(blob []byte) (PublicKey, error) {
	return nil, &Error{Op: "parse", Alg: "", Err: ErrUnknown}
}
