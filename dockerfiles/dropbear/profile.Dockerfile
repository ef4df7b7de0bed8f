# A Dropbear profile image: the suite's default Dropbear image with the server
# binary compiled for PROFILE by builder.Dockerfile.
ARG SERVER
ARG BUILDER
FROM ${BUILDER} AS builder
FROM ${SERVER}
ARG PROFILE
COPY --from=builder /out/${PROFILE}/dropbear /usr/sbin/dropbear
COPY --from=builder /out/${PROFILE}/dropbearkey /usr/local/lib/sshmatrix/dropbearkey-profile
COPY --from=builder /out/${PROFILE}/localoptions-profile.h /etc/sshmatrix/localoptions-profile.h
COPY dropbear/profile-keys.sh /tmp/
RUN echo "${PROFILE}" >/etc/sshmatrix/profile && sh /tmp/profile-keys.sh && rm /tmp/profile-keys.sh
