#!/usr/bin/env bash
# Builds the sshmatrix server images without a container registry.
#
#   dockerfiles/build-images.sh [openssh|dropbear|tinyssh|profiles|all]...
#
# 1. One base image per Debian suite: a minbase root filesystem made by debootstrap
#    from Debian's mirror (with the three servers included) and `docker import`ed.
#    With SSHMATRIX_BASE=slim the base is debian:<suite>-slim from a registry instead,
#    and the Dockerfiles apt-get install what is missing.
# 2. Ordinary Dockerfiles FROM that base: openssh/, dropbear/, tinyssh/, and the
#    Dropbear profiles compiled from Debian's source package (dropbear/builder.Dockerfile).
#
# Every image is tagged by a hash of its build inputs (the files of its build context
# and its base image tag): sshmatrix/<flavour>:<version>[-<profile>]-<hash12>. An image
# whose tag exists is not rebuilt. Labels: org.sshmatrix=1 and org.sshmatrix.{flavour,
# version,suite,profile,inputs,packages}; /etc/sshmatrix/packages.txt has the same list.
#
# Environment: SSHMATRIX_BASE (debootstrap|slim), SSHMATRIX_SUITES, SSHMATRIX_MIRROR,
# SSHMATRIX_WORK (scratch dir), SSHMATRIX_JOBS (parallel builds, default 2).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
BASE_MODE=${SSHMATRIX_BASE:-debootstrap}
SUITES=${SSHMATRIX_SUITES:-bullseye bookworm trixie sid}
MIRROR=${SSHMATRIX_MIRROR:-http://deb.debian.org/debian}
WORK=${SSHMATRIX_WORK:-/var/tmp/sshmatrix-build}
JOBS=${SSHMATRIX_JOBS:-2}
export DOCKER_BUILDKIT=0 # the legacy builder needs no buildx plugin and no registry

# What each suite ships (measured: /work/shared/reference/server-inventory.md).
declare -A OPENSSH=([bullseye]=8.4p1 [bookworm]=9.2p1 [trixie]=10.0p2 [sid]=10.6p1)
declare -A DROPBEAR=([bullseye]=2020.81 [bookworm]=2022.83 [trixie]=2025.89 [sid]=2026.94)
declare -A TINYSSH=([bullseye]=20190101 [bookworm]=20230101 [trixie]=20250501 [sid]=20261001)
# Dropbear profiles compiled from source: suite -> profiles.
declare -A PROFILES=([bookworm]="legacy sha2-only" [sid]="legacy sha2-only pq-only")

T0=$(date +%s)
log() { printf '[images +%3ss] %s\n' "$(($(date +%s) - T0))" "$*"; }
die() { log "ERROR: $*"; exit 1; }
# progress LABEL LOG CMD...: run CMD with its output in LOG and, while it runs,
# print LOG's last line every 20 s (debootstrap and compiling take minutes).
progress() {
    local label=$1 logf=$2 pid n=0
    shift 2
    "$@" >"$logf" 2>&1 &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        sleep 1
        n=$((n + 1))
        if [ $((n % 20)) = 0 ]; then log "$label: ... $(tail -n 1 "$logf" | cut -c1-100)"; fi
    done
    wait "$pid"
}
have_image() { docker image inspect "$1" >/dev/null 2>&1; }
hash_of() { # hash_of DIR EXTRA...: content hash of a build context plus extra strings
    local dir=$1; shift
    { (cd "$dir" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum); printf '%s\n' "$@"; } |
        sha256sum | cut -c1-12
}

preflight() {
    command -v docker >/dev/null || die "docker not found: install Docker (apt-get install docker.io) and start it"
    docker info >/dev/null 2>&1 || die "no Docker engine reachable (docker info failed): start dockerd or set DOCKER_HOST"
    if [ "$BASE_MODE" = debootstrap ] && ! command -v debootstrap >/dev/null; then
        log "installing debootstrap (apt-get)"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
    fi
    mkdir -p "$WORK/logs" "$WORK/ctx"
}

base_tag() { # base_tag SUITE: the tag the base image of SUITE has (or will have)
    local suite=$1
    if [ "$BASE_MODE" = slim ]; then echo "debian:$suite-slim"; return; fi
    local h
    h=$(printf '%s\n' base-v1 "$suite" "$MIRROR" "$(cat "$HERE/mkbase.sh")" | sha256sum | cut -c1-12)
    echo "sshmatrix/base:$suite-$h"
}

make_base() { # make_base SUITE
    local suite=$1 tag t
    tag=$(base_tag "$suite")
    if have_image "$tag"; then log "base $suite: up to date ($tag)"; return; fi
    if [ "$BASE_MODE" = slim ]; then
        log "base $suite: docker pull $tag"
        docker pull -q "$tag" >/dev/null || die "cannot pull $tag; use SSHMATRIX_BASE=debootstrap"
        return
    fi
    t=$(date +%s)
    touch "$WORK/built"
    log "base $suite: debootstrap from $MIRROR (log: $WORK/logs/base-$suite.log)"
    if ! progress "base $suite" "$WORK/logs/base-$suite.log" "$HERE/mkbase.sh" "$suite" "$MIRROR" "$WORK/rootfs-$suite" "$tag"; then
        tail -20 "$WORK/logs/base-$suite.log"
        die "base $suite failed"
    fi
    log "base $suite: imported $tag in $(($(date +%s) - t))s"
}

helper_bin() { # the static helper binary copied into the dropbear and tinyssh images
    local out="$WORK/helper/sshmatrix-helper"
    mkdir -p "$WORK/helper"
    log "go build dockerfiles/helper (sshmatrix-helper)" >&2
    (cd "$REPO" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath -ldflags='-s -w' -o "$out" ./dockerfiles/helper)
    echo "$out"
}

context() { # context FLAVOUR DIR: assemble a build context
    local flavour=$1 ctx=$2
    rm -rf "$ctx"
    mkdir -p "$ctx/keys"
    cp "$HERE/$flavour/Dockerfile" "$ctx/Dockerfile"
    cp -r "$HERE/common" "$ctx/"
    mkdir -p "$ctx/$flavour"
    # Only what the image's RUN steps use, so that e.g. a profile edit does not
    # change the inputs (and tag) of the default image.
    case $flavour in
    openssh) cp "$HERE/openssh/setup.sh" "$HERE/openssh/run-sshd" "$ctx/openssh/" ;;
    dropbear) cp "$HERE/dropbear/setup.sh" "$HERE/dropbear/run-dropbear" "$ctx/dropbear/" ;;
    tinyssh) cp "$HERE/tinyssh/setup.sh" "$HERE/tinyssh/run-tinyssh" "$ctx/tinyssh/" ;;
    esac
    cp "$REPO"/containers/internal/testkeys/*.pub "$REPO/containers/internal/testkeys/host_ca" "$ctx/keys/"
    case $flavour in dropbear | tinyssh) cp "$HELPER" "$ctx/common/sshmatrix-helper" ;; esac
}

finish() { # finish TAG FLAVOUR VERSION SUITE PROFILE HASH: check the version, then label
    local tag=$1 flavour=$2 want=$3 suite=$4 profile=$5 h=$6 out got pkgs
    out=$(docker run --rm --label org.sshmatrix=1 --entrypoint /bin/cat "$tag.partial" \
        /etc/sshmatrix/version /etc/sshmatrix/packages.txt)
    got=$(head -1 <<<"$out")
    pkgs=$(tail -n +2 <<<"$out" | tr '\n' ' ' | sed 's/ $//')
    [ "$got" = "$want" ] || docker rmi "$tag.partial" >/dev/null 2>&1 || true
    [ "$got" = "$want" ] || die "$tag: built version is '$got', expected '$want' (has the Debian suite moved on? update the table in $0 and the inventory)"
    # One LABEL instruction (each --label of docker build would be a step of its own).
    printf 'FROM %s\nLABEL org.sshmatrix="1" org.sshmatrix.flavour="%s" org.sshmatrix.version="%s" org.sshmatrix.suite="%s" org.sshmatrix.profile="%s" org.sshmatrix.inputs="%s" org.sshmatrix.packages="%s"\n' \
        "$tag.partial" "$flavour" "$want" "$suite" "$profile" "$h" "$pkgs" |
        docker build -q -t "$tag" - >/dev/null 2>&1 || die "$tag: labelling failed"
    docker rmi "$tag.partial" >/dev/null
}

build() { # build FLAVOUR SUITE [PROFILE [plan]]: build, or with "plan" only print the tag
    local flavour=$1 suite=$2 profile=${3:-default} plan=${4:-} version base ctx h tag t args=()
    case $flavour in
    openssh) version=${OPENSSH[$suite]} ;;
    dropbear) version=${DROPBEAR[$suite]} ;;
    tinyssh) version=${TINYSSH[$suite]} ;;
    esac
    base=$(base_tag "$suite")
    ctx="$WORK/ctx/$flavour-$suite-$profile"
    context "$flavour" "$ctx"
    args=(--build-arg "BASE=$base")
    if [ "$profile" != default ]; then
        # A profile image is the default image plus the binary compiled for that profile.
        local def builder
        def=$(tag_of dropbear "$suite" default)
        builder=$(builder_tag "$suite")
        cp "$HERE/dropbear/profile.Dockerfile" "$ctx/Dockerfile"
        cp "$HERE/dropbear/profile-keys.sh" "$ctx/dropbear/"
        args=(--build-arg "SERVER=$def" --build-arg "BUILDER=$builder" --build-arg "PROFILE=$profile")
        base="$def $builder"
    fi
    h=$(hash_of "$ctx" "$base" "$profile")
    if [ "$profile" = default ]; then tag="sshmatrix/$flavour:$version-$h"; else tag="sshmatrix/$flavour:$version-$profile-$h"; fi
    echo "$tag" >"$WORK/tag-$flavour-$suite-$profile"
    if [ -n "$plan" ]; then echo "$tag"; return; fi
    if have_image "$tag"; then log "$flavour $version ($suite, $profile): up to date ($tag)"; return; fi
    t=$(date +%s)
    touch "$WORK/built"
    log "$flavour $version ($suite, $profile): building $tag"
    if ! docker build "${args[@]}" -t "$tag.partial" "$ctx" >"$WORK/logs/$flavour-$suite-$profile.log" 2>&1; then
        tail -30 "$WORK/logs/$flavour-$suite-$profile.log"
        docker rmi "$tag.partial" >/dev/null 2>&1 || true
        die "$flavour $suite $profile failed (log: $WORK/logs/$flavour-$suite-$profile.log)"
    fi
    finish "$tag" "$flavour" "$version" "$suite" "$profile" "$h"
    # Images of the same build made from older inputs are superseded.
    docker images --filter label=org.sshmatrix.flavour="$flavour" --filter label=org.sshmatrix.version="$version" \
        --filter label=org.sshmatrix.profile="$profile" --format '{{.Repository}}:{{.Tag}}' |
        grep -vx -e "$tag" -e '.*\.partial' | xargs -r docker rmi >/dev/null 2>&1 || true
    log "$flavour $version ($suite, $profile): built $tag in $(($(date +%s) - t))s"
}

tag_of() { cat "$WORK/tag-$1-$2-$3"; }

builder_ctx() { # builder_ctx SUITE DIR: the build context of the profile builder
    rm -rf "$2" && mkdir -p "$2"
    cp "$HERE/dropbear/builder.Dockerfile" "$2/Dockerfile"
    cp -r "$HERE/dropbear/profiles" "$HERE/dropbear/build-profiles.sh" "$2/"
}

builder_tag() { # the Dropbear profile builder of SUITE
    local suite=$1 ctx h
    ctx=$(mktemp -d "$WORK/ctx/tmp.XXXXXX")
    builder_ctx "$suite" "$ctx"
    h=$(hash_of "$ctx" "$(base_tag "$suite")" "${PROFILES[$suite]}")
    rm -rf "$ctx"
    echo "sshmatrix/dropbear-builder:${DROPBEAR[$suite]}-$h"
}

build_builder() { # build_builder SUITE: compile the profiles of SUITE in one image
    local suite=$1 tag t
    tag=$(builder_tag "$suite")
    if have_image "$tag"; then log "dropbear builder $suite: up to date ($tag)"; return; fi
    builder_ctx "$suite" "$WORK/ctx/dropbear-builder-$suite"
    t=$(date +%s)
    touch "$WORK/built"
    log "dropbear builder $suite: apt-get source dropbear, compile profiles: ${PROFILES[$suite]} (log: $WORK/logs/builder-$suite.log)"
    if ! progress "dropbear builder $suite" "$WORK/logs/builder-$suite.log" docker build --build-arg "BASE=$(base_tag "$suite")" \
        --build-arg "SUITE=$suite" --build-arg "PROFILES=${PROFILES[$suite]}" -t "$tag" "$WORK/ctx/dropbear-builder-$suite"; then
        tail -40 "$WORK/logs/builder-$suite.log"
        die "dropbear builder $suite failed"
    fi
    log "dropbear builder $suite: built $tag in $(($(date +%s) - t))s"
    docker images --format '{{.Repository}}:{{.Tag}}' "sshmatrix/dropbear-builder" |
        grep "^sshmatrix/dropbear-builder:${DROPBEAR[$suite]}-" | grep -vx "$tag" | xargs -r docker rmi >/dev/null 2>&1 || true
}

# run_jobs CMD...: run up to $JOBS of the given commands (strings) at a time; fail if any fails.
run_jobs() {
    local pids=() cmd rc=0 p
    for cmd in "$@"; do
        while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do sleep 0.5; done
        eval "$cmd" &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || rc=1; done
    return $rc
}

main() {
    local targets=("$@") want_o=0 want_d=0 want_t=0 want_p=0 s p cmds=()
    [ ${#targets[@]} -eq 0 ] && targets=(all)
    for x in "${targets[@]}"; do
        case $x in
        openssh) want_o=1 ;; dropbear) want_d=1 ;; tinyssh) want_t=1 ;; profiles) want_d=1 want_p=1 ;;
        all) want_o=1 want_d=1 want_t=1 want_p=1 ;;
        *) die "unknown target $x (openssh|dropbear|tinyssh|profiles|all)" ;;
        esac
    done
    preflight
    rm -f "$WORK/built"
    HELPER=$(helper_bin)
    export HELPER
    cmds=()
    for s in $SUITES; do cmds+=("make_base $s"); done
    run_jobs "${cmds[@]}"
    cmds=()
    for s in $SUITES; do
        [ $want_o = 1 ] && cmds+=("build openssh $s")
        [ $want_d = 1 ] && cmds+=("build dropbear $s")
        [ $want_t = 1 ] && cmds+=("build tinyssh $s")
    done
    run_jobs "${cmds[@]}"
    if [ $want_p = 1 ]; then
        cmds=()
        for s in $SUITES; do
            [ -n "${PROFILES[$s]:-}" ] || continue
            # The builder is only needed (and only built) when a profile image is missing.
            local missing=0
            for p in ${PROFILES[$s]:-}; do have_image "$(build dropbear "$s" "$p" plan)" || missing=1; done
            if [ $missing = 1 ]; then cmds+=("build_builder $s"); else log "dropbear builder $s: not needed (profile images up to date)"; fi
        done
        [ ${#cmds[@]} -gt 0 ] && run_jobs "${cmds[@]}"
        cmds=()
        for s in $SUITES; do
            for p in ${PROFILES[$s]:-}; do cmds+=("build dropbear $s $p"); done
        done
        [ ${#cmds[@]} -gt 0 ] && run_jobs "${cmds[@]}"
    fi
    if [ ! -e "$WORK/built" ]; then
        log "all images up to date: nothing built"
    else
        log "done in $(($(date +%s) - T0))s"
    fi
    docker images --filter label=org.sshmatrix=1 --filter dangling=false --format '{{.Repository}}:{{.Tag}}\t{{.Size}}' | grep -v -e '^sshmatrix/base' -e builder -e '\.partial' | sort
}

main "$@"
