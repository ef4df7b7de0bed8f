#!/bin/sh
# Creates the test user every sshmatrix image has (see containers/internal/testkeys):
# sshtest, password "sshmatrix-test", authorized keys ed25519 / ecdsa P-256 / rsa 3072.
set -eu
useradd -m -s /bin/bash sshtest
echo 'sshtest:sshmatrix-test' | chpasswd
install -d -m 700 -o sshtest -g sshtest /home/sshtest/.ssh
cat /tmp/sshmatrix/keys/id_ed25519.pub /tmp/sshmatrix/keys/id_ecdsa.pub /tmp/sshmatrix/keys/id_rsa.pub \
    > /home/sshtest/.ssh/authorized_keys
chown sshtest:sshtest /home/sshtest/.ssh/authorized_keys
chmod 600 /home/sshtest/.ssh/authorized_keys
command -v sha256sum >/dev/null
mkdir -p /etc/sshmatrix
# Exact Debian package versions, also copied into the image label org.sshmatrix.packages.
dpkg-query -W -f '${Package}=${Version}\n' openssh-server openssh-client dropbear-bin tinysshd libc6 libssl3 libssl3t64 libssl1.1 2>/dev/null \
    | grep -v '=$' | sort > /etc/sshmatrix/packages.txt || true
