# Compiles Dropbear from Debian's source package of the suite once per profile
# (profiles/<name>.h appended to Debian's localoptions.h). The profile images
# (profile.Dockerfile) copy /out/<profile>/dropbear from here.
ARG BASE
FROM ${BASE}
ARG SUITE
ARG PROFILES
# build-dep would also pull debhelper and its toolchain, which only the
# packaging needs; these are the compiler and the libraries debian/control names.
RUN set -e; \
    echo 'Acquire::Check-Valid-Until "false";' >/etc/apt/apt.conf.d/99sshmatrix; \
    grep -qs '^deb-src' /etc/apt/sources.list || echo "deb-src http://deb.debian.org/debian ${SUITE} main" >>/etc/apt/sources.list; \
    apt-get update -qq; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      dpkg-dev gcc make libc6-dev libcrypt-dev libtomcrypt-dev libtommath-dev zlib1g-dev >/dev/null; \
    mkdir /src; cd /src; \
    apt-get source -qq dropbear >/tmp/source.log 2>&1 || { cat /tmp/source.log; exit 1; }; \
    apt-get clean; rm -rf /var/lib/apt/lists/*
COPY profiles /tmp/profiles
COPY build-profiles.sh /tmp/
RUN sh /tmp/build-profiles.sh ${PROFILES}
LABEL org.sshmatrix="1" org.sshmatrix.flavour="dropbear-builder"
