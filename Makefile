# sshmatrix: see README.md. Every target builds what it needs.
SHELL := /bin/bash
GO    ?= go

# testcontainers-go must not pull its reaper image (no registry here), and this
# host looks like a container, so containers are reached on localhost.
export TESTCONTAINERS_RYUK_DISABLED ?= true
export TESTCONTAINERS_HOST_OVERRIDE ?= localhost

# Server images: built from Debian's mirror by debootstrap (no registry); set
# SSHMATRIX_BASE=slim to start from debian:<suite>-slim where a registry is reachable.
export SSHMATRIX_BASE ?= debootstrap

.PHONY: all test unit vet fuzz-smoke images containers-test clean-containers clean-images

all: test

## test: every test (vet, unit tests with -race, container tests, smoke matrix)
test: vet unit containers-test

vet:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

unit:
	$(GO) test -race -count=1 ./sshlib/... ./cmd/...

## images: the 12 server builds and the Dropbear profiles (nothing to do when built)
images:
	dockerfiles/build-images.sh openssh dropbear tinyssh

## containers-test: start each server build and check it (needs Docker and the images)
containers-test: images
	$(GO) test -count=1 ./containers/...
	@left=$$(docker ps -aq --filter label=org.sshmatrix=1); if [ -n "$$left" ]; then echo "leftover containers: $$left"; exit 1; fi

## clean-containers: remove every sshmatrix container (label org.sshmatrix=1)
clean-containers:
	@ids=$$(docker ps -aq --filter label=org.sshmatrix=1); if [ -n "$$ids" ]; then docker rm -f $$ids; else echo "no sshmatrix containers"; fi

## clean-images: remove every sshmatrix image (the next `make images` rebuilds them)
clean-images: clean-containers
	@ids=$$(docker images -q --filter label=org.sshmatrix=1 | sort -u); if [ -n "$$ids" ]; then docker rmi -f $$ids >/dev/null; echo "removed $$(echo $$ids | wc -w) images"; else echo "no sshmatrix images"; fi

## bench: 1 GiB up/down through one OpenSSH 10.6p1 server: sshlib vs x/crypto/ssh vs ssh(1); writes out/bench.json and docs/benchmarks.md
.PHONY: bench
bench:
	@docker images -q --filter label=org.sshmatrix.flavour=openssh --filter label=org.sshmatrix.version=10.6p1 | grep -q . || dockerfiles/build-images.sh openssh
	@command -v ssh >/dev/null || apt-get install -y openssh-client
	$(GO) build -o build/sshmatrix ./cmd/sshmatrix
	build/sshmatrix bench $(BENCHFLAGS)
