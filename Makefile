# goresty: `make run` builds and starts goresty, `make test` runs every test.
GO      ?= go
BIN     ?= bin/goresty
PREFIX  ?= .
ARGS    ?=

.PHONY: all build run test deps test-deps unit conformance oracle fmt vet bench clean

all: build

# The binary is built with profile-guided optimization from
# cmd/goresty/default.pgo (scripts/pgo-profile.sh regenerates it).
build:
	$(GO) build -o $(BIN) ./cmd/goresty

# Starts goresty in the foreground. Without conf/nginx.conf under PREFIX it
# serves the embedded default configuration on 127.0.0.1:8080.
run: build
	./$(BIN) -p $(PREFIX) $(ARGS)

# Debian packages the tests need (real services for the cosocket tests,
# nginx + lua for the oracle). Skipped when already installed.
test-deps:
	@./scripts/install-deps.sh test

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# Test binaries skip PGO (it would rebuild every package a second time);
# the conformance cases run the PGO-built binary.
unit:
	$(GO) test -race -count=1 -pgo=off ./...

test: test-deps fmt vet build unit

# Runs the conformance cases against real nginx + lua-nginx-module.
oracle:
	@./scripts/install-deps.sh oracle
	ORACLE=1 $(GO) test -count=1 ./internal/conformance/

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin
