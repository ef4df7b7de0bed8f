#!/bin/sh
# Host keys of every type this Dropbear supports (pre-generated: -R would make
# them lazily, on the first connection that needs each), with OpenSSH-format
# public halves for the harness.
set -eu
D=/etc/dropbear
mkdir -p $D /usr/local/lib/sshmatrix
key() { # name type [bits]
    if [ -n "${3:-}" ]; then dropbearkey -t "$2" -s "$3" -f "$D/$1" >/dev/null 2>&1 || return 1
    else dropbearkey -t "$2" -f "$D/$1" >/dev/null 2>&1 || return 1; fi
    dropbearkey -y -f "$D/$1" | grep -E '^(ssh-|ecdsa-)' >"$D/$1.pub"
}
key ed25519 ed25519
key ecdsa256 ecdsa 256
key ecdsa384 ecdsa 384
key ecdsa521 ecdsa 521
key rsa rsa 3072
# DSS is gone from 2025.89 on.
if key dss dss; then dss=dss; else dss=; echo "sshmatrix: no DSS in this Dropbear"; rm -f $D/dss; fi
# The keys the listener loads unless told otherwise: one ECDSA curve (Dropbear
# offers only one), and RSA always (2020.81/2022.83 advertise rsa-sha2-256 and
# ssh-rsa even without an RSA key, then fail an assertion: inventory gotcha 3).
echo "ed25519 ecdsa256 rsa $dss" >$D/default-keys
cp /tmp/sshmatrix/dropbear/run-dropbear /tmp/sshmatrix/common/sshmatrix-helper /usr/local/lib/sshmatrix/
chmod 755 /usr/local/lib/sshmatrix/*
dropbear -V 2>&1 | sed -n 's/^Dropbear v\([0-9.]*\).*/\1/p' >/etc/sshmatrix/version
echo default >/etc/sshmatrix/profile
