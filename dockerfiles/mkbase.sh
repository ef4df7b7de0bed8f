#!/usr/bin/env bash
# mkbase.sh SUITE MIRROR ROOTFS TAG: debootstrap a minbase root filesystem with the
# three SSH servers and import it into Docker as TAG. The apt caches are removed
# (~40 MB each); sources.list gets a deb-src line for the Dropbear profile builder.
set -euo pipefail
suite=$1 mirror=$2 root=$3 tag=$4
script=/usr/share/debootstrap/scripts/$suite
[ -e "$script" ] || script=/usr/share/debootstrap/scripts/sid # an older debootstrap may not know a new suite
rm -rf "$root"
debootstrap --variant=minbase --include=openssh-server,openssh-client,dropbear-bin,tinysshd \
    "$suite" "$root" "$mirror" "$script"
printf 'deb %s %s main\ndeb-src %s %s main\n' "$mirror" "$suite" "$mirror" "$suite" >"$root/etc/apt/sources.list"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin "$root"/var/lib/apt/lists/*
tar -C "$root" --numeric-owner -c . |
    docker import --change 'LABEL org.sshmatrix=1' --change "LABEL org.sshmatrix.suite=$suite" \
        --change 'CMD ["/bin/bash"]' - "$tag"
rm -rf "$root"
