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

.PHONY: all test unit vet images containers-test scenarios-test matrix-smoke matrix mutants clean-containers clean-images

all: test

## test: every test: vet, unit and in-process interop tests (-race), then with
## real servers: the container tests, the user-reported scenarios, the smoke matrix
test: vet images unit containers-test scenarios-test matrix-smoke

vet:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

unit: images
	$(GO) test -race -count=1 ./sshlib/... ./cmd/... ./matrix/internal/...
	$(GO) test -short -count=1 ./matrix/ ./scenarios/

# Each run labels its containers org.sshmatrix.run=<run>, so the leftover
# check sees this run's containers only (other runs may share the engine).
define no_leftovers
left=$$(docker ps -aq --filter label=org.sshmatrix.run=$$run); \
if [ -n "$$left" ]; then echo "leftover containers of this run: $$left"; exit 1; fi; \
echo "no leftover containers (docker ps -a --filter label=org.sshmatrix.run=$$run is empty)"
endef

# go test streams only with -v; keep its progress lines and failures, drop
# the per-cell RUN/PAUSE/CONT/PASS lines and testcontainers' chatter.
quiet_passes = grep --line-buffered -vE '^ *(=== (RUN|PAUSE|CONT|NAME)|--- PASS)|^20[0-9][0-9]/[0-9]+/[0-9]+ [0-9:]+ .*(Creating|created|Starting|started|Waiting|ready|Stopping|stopped|Terminating|terminated)'

## scenarios-test: every user-reported configuration against the servers it names
scenarios-test: images
	@run=scenarios-$$$$-$$(date +%s); \
	SSHMATRIX_RUN=$$run $(GO) test -count=1 -timeout 20m ./scenarios/ || exit 1; \
	$(no_leftovers)

## matrix-smoke: every algorithm of every server once (part of make test)
matrix-smoke: images
	@run=matrix-smoke-$$$$-$$(date +%s); \
	set -o pipefail; SSHMATRIX_RUN=$$run $(GO) test -v -count=1 -timeout 20m ./matrix/ -run TestMatrix -matrix.mode=smoke -matrix.out=$(CURDIR)/out/smoke 2>&1 | $(quiet_passes) || exit 1; \
	$(no_leftovers)

## matrix: the pairwise matrix over every server build, plus the scenarios;
## reports in out/ (matrix.html, matrix.md, matrix.json, matrix.xml)
matrix: images
	@run=matrix-$$$$-$$(date +%s); start=$$(date +%s); \
	set -o pipefail; SSHMATRIX_RUN=$$run SSHMATRIX_SCENARIOS=$${SSHMATRIX_SCENARIOS:-1} $(GO) test -v -count=1 -timeout 60m ./matrix/ -run TestMatrix \
		-matrix.mode=$${SSHMATRIX_MODE:-pairwise} -matrix.out=$(CURDIR)/out 2>&1 | $(quiet_passes); rc=$$?; \
	echo "make matrix: $$(( $$(date +%s) - start ))s; reports: out/matrix.html out/matrix.md out/matrix.json out/matrix.xml"; \
	$(no_leftovers); exit $$rc

## mutants: plant known bugs in sshlib (build tag sshlibfaults) and require the matrix to catch each
mutants: images
	matrix/mutants.sh

## images: the 12 server builds and the Dropbear profiles (nothing to do when built)
images:
	dockerfiles/build-images.sh all

## containers-test: start each server build and check it (needs Docker and the images)
# Containers get the label org.sshmatrix.run=$$SSHMATRIX_RUN, so the leftover check
# sees this run's containers only (other runs may share the engine).
containers-test: images
	@run=containers-test-$$$$-$$(date +%s); \
	SSHMATRIX_RUN=$$run $(GO) test -count=1 ./containers/... || exit 1; \
	$(no_leftovers)

## clean-containers: remove every sshmatrix container (label org.sshmatrix=1)
clean-containers:
	@dockerfiles/clean.sh containers

## clean-images: remove every sshmatrix container and image (the next `make images` rebuilds them)
clean-images:
	@dockerfiles/clean.sh images

## bench: 1 GiB up/down through one OpenSSH 10.6p1 server: sshlib vs x/crypto/ssh vs ssh(1); writes out/bench.json and docs/benchmarks.md
.PHONY: bench
bench:
	@docker images -q --filter label=org.sshmatrix.flavour=openssh --filter label=org.sshmatrix.version=10.6p1 | grep -q . || dockerfiles/build-images.sh openssh
	@command -v ssh >/dev/null || apt-get install -y openssh-client
	$(GO) build -o build/sshmatrix ./cmd/sshmatrix
	build/sshmatrix bench $(BENCHFLAGS)
