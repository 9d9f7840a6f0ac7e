# cfcache — the two commands a newcomer needs are `make demo` and `make test`.
GO        ?= go
BIN       := bin/cfcache
GORELEASER_VERSION := v2.16.0
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X github.com/cfcache/cfcache/pkg/build.Version=$(VERSION)

.PHONY: build demo test lint docs completions bench release-check clean

build: ## build bin/cfcache
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/cfcache

demo: build ## start the sandbox, purge examples/urls.txt against it, show the result, stop it
	./scripts/demo.sh $(BIN)

test: ## everything CI checks: format, vet, generated files, unit and end-to-end tests with -race
	@unformatted=$$(gofmt -l cmd pkg); if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	$(GO) test -race -count=1 ./...
	@# Tests too slow under the race detector (a million-line dry run, long paced runs) skip there; run them here.
	$(GO) test -count=1 -run 'TestDryRunMemory|TestRunPacingAgainstIdeal' ./pkg/purge/

lint: ## gofmt, vet and staticcheck (pinned in go.mod's tool block)
	gofmt -l cmd pkg
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

docs: ## regenerate docs/cli, docs/man and completions/
	$(GO) run ./cmd/gen-docs

completions: docs

bench: ## Go benchmarks of the hot paths
	$(GO) test -run='^$$' -bench=. -benchmem ./pkg/...

release-check: ## validate goreleaser.yaml with a pinned goreleaser
	$(GO) run github.com/goreleaser/goreleaser/v2@$(GORELEASER_VERSION) check

clean:
	rm -rf bin dist
