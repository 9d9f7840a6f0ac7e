# cfcache — the two commands a newcomer needs are `make demo` and `make test`.
GO        ?= go
BIN       := bin/cfcache
GORELEASER_VERSION := v2.16.0
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
# Commit and its date (not the build time: two builds of one commit are identical),
# in UTC ISO 8601 like goreleaser's .CommitDate; empty outside git, where
# pkg/build falls back to what the Go toolchain recorded.
COMMIT    ?= $(shell git rev-parse --short HEAD 2>/dev/null)
DATE      ?= $(shell TZ=UTC0 git log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ 2>/dev/null)
BUILDPKG  := github.com/cfcache/cfcache/pkg/build
LDFLAGS   := -s -w -X $(BUILDPKG).Version=$(VERSION) -X $(BUILDPKG).Commit=$(COMMIT) -X $(BUILDPKG).Date=$(DATE)

.PHONY: build demo test lint docs completions bench release-check release-snapshot clean

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

release-snapshot: ## build every archive, .deb, .rpm and the Homebrew cask into dist/ (nothing is published)
	$(GO) run github.com/goreleaser/goreleaser/v2@$(GORELEASER_VERSION) release --snapshot --clean

clean:
	rm -rf bin dist
