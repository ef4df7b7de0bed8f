# A Dropbear profile image: the suite's default Dropbear image with the server
# binary compiled for PROFILE by builder.Dockerfile.
ARG SERVER
ARG BUILDER
FROM ${BUILDER} AS builder
FROM ${SERVER}
ARG PROFILE
COPY --from=builder /out/${PROFILE}/dropbear /usr/sbin/dropbear
COPY --from=builder /out/${PROFILE}/localoptions-profile.h /etc/sshmatrix/localoptions-profile.h
RUN echo "${PROFILE}" >/etc/sshmatrix/profile && /usr/sbin/dropbear -V
