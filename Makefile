# Build, run and test the otelcol-genai collector distribution.
#
#   make run    build (cached) and start the collector with collector-config.yaml
#   make test   every test: unit, fuzz seed corpora, end to end, alert rules
#   make demo   send a short conversation to the running collector
#   make bench  benchmarks (spans/s, allocations per span)
#   make fuzz   fuzz every target for FUZZTIME each

SHELL := /bin/bash

# CGO off everywhere: go build and OCB then share one build cache.
export CGO_ENABLED := 0
export GOPROXY ?= https://proxy.golang.org

OCB_VERSION := v0.165.0
BIN_DIR     := $(CURDIR)/.bin
OCB         := $(BIN_DIR)/builder
COLLECTOR   := $(CURDIR)/_build/otelcol-genai
CONFIG      ?= collector-config.yaml
FUZZTIME    ?= 30s
BENCHTIME   ?= 1s

# Everything the distribution is compiled from, so the binary is rebuilt only
# when one of them changes.
SOURCES := $(shell find receiver processor exporter internal -type f \
	-not -name '*_test.go' -not -path '*/testdata/*' 2>/dev/null)

.PHONY: all build run test unit-test race e2e e2e-deps rules-test demo bench fuzz clean

all: build

$(OCB):
	GOBIN=$(BIN_DIR) go install go.opentelemetry.io/collector/cmd/builder@$(OCB_VERSION)

$(COLLECTOR): $(OCB) builder-config.yaml go.mod go.sum $(SOURCES)
	$(OCB) --config builder-config.yaml
	@touch $@

build: $(COLLECTOR)

run: build
	@mkdir -p data
	$(COLLECTOR) --config $(CONFIG)

e2e/node_modules/.package-lock.json: e2e/package.json e2e/package-lock.json
	cd e2e && npm ci --no-audit --no-fund
	@touch $@

e2e-deps: e2e/node_modules/.package-lock.json

rules-test:
	sh deploy/prometheus/check.sh

unit-test:
	go test ./...

# The components run concurrently inside the collector (table reloads, shared
# caches, per-batch buffers), so their packages also run under the race
# detector, which needs cgo and a C compiler.
RACE_PACKAGES := ./internal/... ./processor/... ./exporter/... ./receiver/...
RACE_TEST := CGO_ENABLED=1 go test -race -timeout 20m $(RACE_PACKAGES)

race:
	$(RACE_TEST)

e2e: build e2e-deps
	OTELCOL_GENAI_BINARY=$(COLLECTOR) OTELCOL_GENAI_E2E=required go test -count=1 ./e2e/ ./deploy/

# The end-to-end tests in e2e/ run the binary named by OTELCOL_GENAI_BINARY and
# fail when it is missing.
test: build e2e-deps rules-test
	$(RACE_TEST)
	OTELCOL_GENAI_BINARY=$(COLLECTOR) OTELCOL_GENAI_E2E=required go test -timeout 40m ./...

demo:
	go run ./cmd/demo

bench:
	go test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./internal/... ./processor/... ./exporter/... ./receiver/... ./bench/...

fuzz:
	@for pkg in $$(go list ./...); do \
	  for target in $$(go test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$target"; \
	    go test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

clean:
	rm -rf _build
