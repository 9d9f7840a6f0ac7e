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

.PHONY: build demo test race lint docs completions bench release-check release-snapshot clean

build: ## build bin/cfcache
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/cfcache

demo: build ## start the sandbox, purge examples/urls.txt against it, show the result, stop it
	./scripts/demo.sh $(BIN)

# Packages where concurrency lives, tested again under the race detector by
# make race: the purge engine and its shared budget, warm's workers, the
# sandbox's handlers, file writers, progress drawing, and the command layers
# that drive them (purge's multi-zone execution, warm, two rules deploys
# racing on one phase, explain checking its two files side by side). It is
# its own target because a race build compiles the standard library and
# every dependency a second time: in make test it made a cold first run take
# 6.5 minutes. CI (.ci/run) runs make test, make
# race and make lint.
RACE_PKGS := ./pkg/purge/... ./pkg/budget/... ./pkg/warm/... ./pkg/sandbox/... ./pkg/fileout/... \
	./pkg/iostreams/... ./pkg/ratelimit/... ./pkg/cmd/purge/... ./pkg/cmd/warm/... \
	./pkg/manifest/... ./pkg/wordpress/... ./pkg/cfapi/... ./pkg/cmd/rules/shared/... ./pkg/cmd/rules/deploy/... \
	./pkg/cmd/rules/explain/... \
	./pkg/cmd/root/... ./pkg/expr/...

test: ## format, generated files, unit and end-to-end tests (make race and make lint are CI's other two)
	@unformatted=$$(gofmt -l cmd pkg e2e); if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) test -count=1 ./...

race: ## the race detector on the packages where concurrency lives (CI runs it after make test)
	$(GO) test -race -count=1 $(RACE_PKGS)

lint: ## go vet and staticcheck (pinned in go.mod's tool block); CI runs it after make test
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
