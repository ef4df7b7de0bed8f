package keys

import "crypto"

// Key format names (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709 §4, PROTOCOL.certkeys).
const (
	typeEd25519  = "ssh-ed25519"
	typeECDSA256 = "ecdsa-sha2-nistp256"
	typeECDSA384 = "ecdsa-sha2-nistp384"
	typeECDSA521 = "ecdsa-sha2-nistp521"
	typeRSA      = "ssh-rsa"
	typeDSA      = "ssh-dss"

	certSuffix = "-cert-v01@openssh.com"
)

// Algorithms is the signature (host key) algorithm registry: eight plain rows
// and their eight OpenSSH certificate forms. Preference policy lives in
// sshlib/defaults.go; this table only says what each name means.
var Algorithms = []Algorithm{
	{Name: "ssh-ed25519", KeyType: typeEd25519, SigName: "ssh-ed25519", Spec: "RFC 8709"},
	{Name: "ecdsa-sha2-nistp256", KeyType: typeECDSA256, SigName: "ecdsa-sha2-nistp256", Hash: crypto.SHA256, Spec: "RFC 5656 §3.1"},
	{Name: "ecdsa-sha2-nistp384", KeyType: typeECDSA384, SigName: "ecdsa-sha2-nistp384", Hash: crypto.SHA384, Spec: "RFC 5656 §3.1"},
	{Name: "ecdsa-sha2-nistp521", KeyType: typeECDSA521, SigName: "ecdsa-sha2-nistp521", Hash: crypto.SHA512, Spec: "RFC 5656 §3.1"},
	{Name: "rsa-sha2-512", KeyType: typeRSA, SigName: "rsa-sha2-512", Hash: crypto.SHA512, Spec: "RFC 8332"},
	{Name: "rsa-sha2-256", KeyType: typeRSA, SigName: "rsa-sha2-256", Hash: crypto.SHA256, Spec: "RFC 8332"},
	{Name: "ssh-rsa", KeyType: typeRSA, SigName: "ssh-rsa", Hash: crypto.SHA1, Insecure: true, Spec: "RFC 4253 §6.6"},
	{Name: "ssh-dss", KeyType: typeDSA, SigName: "ssh-dss", Hash: crypto.SHA1, Insecure: true, Spec: "RFC 4253 §6.6"},

	{Name: "ssh-ed25519-cert-v01@openssh.com", KeyType: typeEd25519 + certSuffix, SigName: "ssh-ed25519", Cert: true, Spec: "PROTOCOL.certkeys"},
	{Name: "ecdsa-sha2-nistp256-cert-v01@openssh.com", KeyType: typeECDSA256 + certSuffix, SigName: "ecdsa-sha2-nistp256", Hash: crypto.SHA256, Cert: true, Spec: "PROTOCOL.certkeys"},
	{Name: "ecdsa-sha2-nistp384-cert-v01@openssh.com", KeyType: typeECDSA384 + certSuffix, SigName: "ecdsa-sha2-nistp384", Hash: crypto.SHA384, Cert: true, Spec: "PROTOCOL.certkeys"},
	{Name: "ecdsa-sha2-nistp521-cert-v01@openssh.com", KeyType: typeECDSA521 + certSuffix, SigName: "ecdsa-sha2-nistp521", Hash: crypto.SHA512, Cert: true, Spec: "PROTOCOL.certkeys"},
	{Name: "rsa-sha2-512-cert-v01@openssh.com", KeyType: typeRSA + certSuffix, SigName: "rsa-sha2-512", Hash: crypto.SHA512, Cert: true, Spec: "PROTOCOL.certkeys, RFC 8332"},
	{Name: "rsa-sha2-256-cert-v01@openssh.com", KeyType: typeRSA + certSuffix, SigName: "rsa-sha2-256", Hash: crypto.SHA256, Cert: true, Spec: "PROTOCOL.certkeys, RFC 8332"},
	{Name: "ssh-rsa-cert-v01@openssh.com", KeyType: typeRSA + certSuffix, SigName: "ssh-rsa", Hash: crypto.SHA1, Cert: true, Insecure: true, Spec: "PROTOCOL.certkeys"},
	{Name: "ssh-dss-cert-v01@openssh.com", KeyType: typeDSA + certSuffix, SigName: "ssh-dss", Hash: crypto.SHA1, Cert: true, Insecure: true, Spec: "PROTOCOL.certkeys"},
}

// Lookup returns the registry row for a signature algorithm name.
func Lookup(name string) (*Algorithm, bool) {
	for i := range Algorithms {
		if Algorithms[i].Name == name {
			return &Algorithms[i], true
		}
	}
	return nil, false
}

// plainAlgorithm returns the non-certificate row whose wire name is sigName:
// the algorithm that actually makes or checks a signature.
func plainAlgorithm(sigName string) (*Algorithm, bool) {
	a, ok := Lookup(sigName)
	if !ok || a.Cert {
		return nil, false
	}
	return a, true
}
