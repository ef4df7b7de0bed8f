package packet

import (
	"crypto/aes"
	"crypto/des"
)

// Ciphers is the cipher registry. Policy (which rows are offered, in what
// order) is in sshlib/defaults.go; rows marked Insecure are legacy.
var Ciphers = []Cipher{
	chachaRow,
	gcmRow("aes128-gcm@openssh.com", 16),
	gcmRow("aes256-gcm@openssh.com", 32),
	blockRow("aes128-ctr", 16, aes.BlockSize, aes.BlockSize, false, "RFC 4344 §4", ctrMode),
	blockRow("aes192-ctr", 24, aes.BlockSize, aes.BlockSize, false, "RFC 4344 §4", ctrMode),
	blockRow("aes256-ctr", 32, aes.BlockSize, aes.BlockSize, false, "RFC 4344 §4", ctrMode),
	blockRow("aes128-cbc", 16, aes.BlockSize, aes.BlockSize, true, "RFC 4253 §6.3", cbcMode(aes.NewCipher)),
	blockRow("aes192-cbc", 24, aes.BlockSize, aes.BlockSize, true, "RFC 4253 §6.3", cbcMode(aes.NewCipher)),
	blockRow("aes256-cbc", 32, aes.BlockSize, aes.BlockSize, true, "RFC 4253 §6.3", cbcMode(aes.NewCipher)),
	blockRow("3des-cbc", 24, des.BlockSize, des.BlockSize, true, "RFC 4253 §6.3", cbcMode(des.NewTripleDESCipher)),
}
