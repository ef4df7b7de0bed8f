#!/bin/sh
# Host keys of a profile image: a profile with DSS gets a DSS key (made with
# the profile's dropbearkey: Debian's 2025.89+ cannot), one without DSS does
# not load the default image's.
set -eu
D=/etc/dropbear
if grep -q 'define DROPBEAR_DSS 1' /etc/sshmatrix/localoptions-profile.h; then
    if [ ! -f $D/dss ]; then
        /usr/local/lib/sshmatrix/dropbearkey-profile -t dss -f $D/dss >/dev/null
        /usr/local/lib/sshmatrix/dropbearkey-profile -y -f $D/dss | grep '^ssh-dss' >$D/dss.pub
        echo "$(cat $D/default-keys) dss" >$D/default-keys
    fi
elif grep -q 'define DROPBEAR_DSS 0' /etc/sshmatrix/localoptions-profile.h; then
    sed -i 's/ *\bdss\b//' $D/default-keys
fi
echo "default keys: $(cat $D/default-keys)"
