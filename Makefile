# sshmatrix: see README.md. Every target builds what it needs.
SHELL := /bin/bash
GO    ?= go

# testcontainers-go must not pull its reaper image (no registry here), and this
# host looks like a container, so containers are reached on localhost.
export TESTCONTAINERS_RYUK_DISABLED ?= true
export TESTCONTAINERS_HOST_OVERRIDE ?= localhost

.PHONY: all test unit vet fuzz-smoke

all: test

## test: every test (vet, unit tests with -race, container tests, smoke matrix)
test: vet unit

vet:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

unit:
	$(GO) test -race -count=1 ./sshlib/... ./cmd/...
