#!/bin/sh
# Installs the given Debian packages unless the base image already has them
# (the debootstrap base includes them; a debian:<suite>-slim base does not).
set -eu
missing=""
for p in "$@"; do
    dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "sshmatrix: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# Debian's mirror snapshot may be older than the Release files' Valid-Until.
apt-get -o Acquire::Check-Valid-Until=false update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
apt-get clean
rm -rf /var/lib/apt/lists/*
