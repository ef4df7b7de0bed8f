#!/bin/sh
# TinySSH's host keys (Ed25519 only; the package does not create them in a
# chroot or image) and the accept loop it needs (it has no listener).
set -eu
mkdir -p /etc/tinyssh /usr/local/lib/sshmatrix
tinysshd-makekey /etc/tinyssh/sshkeydir
cp /tmp/sshmatrix/tinyssh/run-tinyssh /tmp/sshmatrix/common/sshmatrix-helper /usr/local/lib/sshmatrix/
chmod 755 /usr/local/lib/sshmatrix/*
# tinysshd has no version option: the version is the Debian package's upstream part.
dpkg-query -W -f '${Version}\n' tinysshd | sed 's/^[0-9]*://; s/-[^-]*$//' >/etc/sshmatrix/version
