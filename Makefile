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
	dockerfiles/build-images.sh all

## containers-test: start each server build and check it (needs Docker and the images)
# Containers get the label org.sshmatrix.run=$$SSHMATRIX_RUN, so the leftover check
# sees this run's containers only (other runs may share the engine).
containers-test: images
	@run=containers-test-$$$$-$$(date +%s); \
	SSHMATRIX_RUN=$$run $(GO) test -count=1 ./containers/... || exit 1; \
	left=$$(docker ps -aq --filter label=org.sshmatrix.run=$$run); \
	if [ -n "$$left" ]; then echo "leftover containers of this run: $$left"; exit 1; fi; \
	echo "no leftover containers (docker ps -a --filter label=org.sshmatrix.run=$$run is empty)"

## clean-containers: remove every sshmatrix container (label org.sshmatrix=1)
clean-containers:
	@dockerfiles/clean.sh containers

## clean-images: remove every sshmatrix container and image (the next `make images` rebuilds them)
clean-images:
	@dockerfiles/clean.sh images
