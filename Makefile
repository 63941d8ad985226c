# selfheal developer targets. `make test` is the command CI runs.

GO            ?= go
STATICCHECK   := honnef.co/go/tools/cmd/staticcheck@v0.8.2
POSTGRES_DSN  ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable

.PHONY: all test test-postgres bench demo lint fmt

all: lint test

## test: vet, then every test with the race detector.
test:
	$(GO) vet ./...
	$(GO) test -race ./...

## test-postgres: the tests, with the PostgreSQL-backed ones enabled
## against a local server (start one with scripts/ci-services.sh).
test-postgres:
	SELFHEAL_POSTGRES_DSN='$(POSTGRES_DSN)' $(MAKE) test

## bench: every benchmark and its peer, ten runs of each in a process of its
## own, alternating, with benchstat and the ratios.
bench:
	sh scripts/bench.sh

## demo: the scripted incident the README describes.
demo:
	$(GO) run ./examples/checkout

## lint: formatting, vet and staticcheck (pinned).
lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

fmt:
	gofmt -w .
