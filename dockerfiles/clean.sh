#!/usr/bin/env bash
# clean.sh containers|images: remove every sshmatrix container, or every
# sshmatrix container and image (all carry the label org.sshmatrix=1).
set -euo pipefail
ids=$(docker ps -aq --filter label=org.sshmatrix=1)
if [ -n "$ids" ]; then
    docker rm -f $ids >/dev/null
    echo "removed $(wc -w <<<"$ids") sshmatrix containers"
else
    echo "no sshmatrix containers"
fi
[ "${1:-containers}" = images ] || exit 0
# Untag first (a parent image with children cannot be deleted by id), then
# delete what is left, children before parents, over a few passes.
tags=$(docker images --filter label=org.sshmatrix=1 --format '{{.Repository}}:{{.Tag}}' | grep -v '<none>' || true)
[ -z "$tags" ] || docker rmi $tags >/dev/null
for pass in 1 2 3 4 5; do
    ids=$(docker images -aq --filter label=org.sshmatrix=1 | sort -u)
    [ -n "$ids" ] || break
    for id in $ids; do docker rmi "$id" >/dev/null 2>&1 || true; done
done
left=$(docker images -aq --filter label=org.sshmatrix=1 | sort -u | wc -l)
echo "removed the sshmatrix images ($(wc -w <<<"$tags") tags); $left left"
