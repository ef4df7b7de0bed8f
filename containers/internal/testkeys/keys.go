// Package testkeys holds the fixed test keys every sshmatrix image trusts: the
// client keys of the test user (their public halves go into
// ~sshtest/.ssh/authorized_keys at image build time) and the test CA that
// signs the OpenSSH host certificates. They are test-only secrets, committed
// on purpose so that images and tests agree without any exchange.
package testkeys

import _ "embed"

var (
	//go:embed id_ed25519
	ED25519 []byte
	//go:embed id_ed25519.pub
	ED25519Pub []byte
	//go:embed id_ecdsa
	ECDSA []byte
	//go:embed id_ecdsa.pub
	ECDSAPub []byte
	//go:embed id_rsa
	RSA []byte
	//go:embed id_rsa.pub
	RSAPub []byte
	//go:embed host_ca.pub
	HostCAPub []byte
)
