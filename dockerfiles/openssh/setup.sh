#!/bin/sh
# Host keys of every type this OpenSSH supports, each with a host certificate
# signed by the test CA, and an sshd_config that serves them all (run-sshd uses it).
set -eu
D=/etc/ssh/sshmatrix
mkdir -p $D /run/sshd /usr/local/lib/sshmatrix
gen() { # name type [bits]
    if [ -n "${3:-}" ]; then ssh-keygen -q -N '' -t "$2" -b "$3" -C "sshmatrix-$1" -f "$D/ssh_host_$1_key"
    else ssh-keygen -q -N '' -t "$2" -C "sshmatrix-$1" -f "$D/ssh_host_$1_key"; fi
}
gen ed25519 ed25519
gen ecdsa256 ecdsa 256
gen ecdsa384 ecdsa 384
gen ecdsa521 ecdsa 521
gen rsa rsa 3072
# DSA is compiled out of OpenSSH 10.x; ML-DSA-44+Ed25519 only exists in 10.6 (sid).
gen dsa dsa 1024 2>/dev/null || echo "sshmatrix: no DSA in this OpenSSH"
gen mldsa44 mldsa44-ed25519 2>/dev/null || echo "sshmatrix: no ML-DSA in this OpenSSH"
cp /tmp/sshmatrix/keys/host_ca /tmp/ca && chmod 600 /tmp/ca
{
    echo "# sshmatrix test server. Options from the harness come as -o on the command line."
    echo "Port 22"
    for k in $D/ssh_host_*_key; do
        echo "HostKey $k"
        if ssh-keygen -q -s /tmp/ca -I "sshmatrix-host" -h -n localhost,127.0.0.1,::1,sshmatrix-server "$k.pub" 2>/dev/null; then
            echo "HostCertificate $k-cert.pub"
        else
            echo "sshmatrix: could not certify $k" >&2
        fi
    done
    echo "PasswordAuthentication yes"
    echo "PubkeyAuthentication yes"
    echo "UsePAM no"
    echo "PermitRootLogin no"
    echo "PrintMotd no"
    echo "Subsystem sftp internal-sftp"
} > $D/sshd_config
rm -f /tmp/ca
chmod 600 $D/ssh_host_*_key
cat $D/ssh_host_*_key.pub > $D/host_keys.pub
cp /tmp/sshmatrix/openssh/run-sshd /usr/local/lib/sshmatrix/run-sshd
chmod 755 /usr/local/lib/sshmatrix/run-sshd
/usr/local/lib/sshmatrix/run-sshd --check
ssh -V 2>&1 | sed -n 's/^OpenSSH_\([^ ,]*\).*/\1/p' > /etc/sshmatrix/version
