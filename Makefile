# Abrak's build. `make run` and `make test` are the two commands a new user
# needs; each installs what is missing first.
ROOT := $(CURDIR)
export PATH := /usr/local/go/bin:$(HOME)/go/bin:$(PATH)
GO ?= go
BIN := $(ROOT)/bin/abrak
DEMO_DB ?= $(ROOT)/data/abrak.db
DEMO_EMAIL ?= demo@abrak.local
DEMO_PASSWORD ?= demo-password-1405
# Generated files are built here, never committed: templ output and static/dist.
TEMPL_SRC := $(shell find views -name '*.templ' 2>/dev/null)
TEMPL_OUT := $(TEMPL_SRC:.templ=_templ.go)
# The binary embeds migrations, locales, the OpenAPI document and the probe: a change to any rebuilds it.
GO_SRC := $(shell find . -name '*.go' -not -path './node_modules/*' -not -name '*_templ.go' 2>/dev/null) go.mod go.sum \
	$(wildcard store/migrations/*.sql views/i18n/locales/* handlers/openapi.json hypervisor/probe/probe.bin)

include mk/frontend.mk
include mk/abrakctl.mk
-include mk/libvirt.mk

.PHONY: all deps generate build run test fuzz bench fmt clean probe

all: build

# Debian packages (libvirt, QEMU, Chromium, …), only those missing.
deps: .cache/deps.stamp
.cache/deps.stamp: scripts/install-deps.sh $(wildcard scripts/*/debian-packages.txt)
	@mkdir -p .cache
	scripts/install-deps.sh
	@touch $@

# templ is pinned in go.mod as a tool.
generate: $(TEMPL_OUT)
$(TEMPL_OUT) &: $(TEMPL_SRC) go.mod
	$(GO) tool templ generate -path views -log-level warn
	@touch $(TEMPL_OUT)

build: $(BIN)
$(BIN): $(GO_SRC) $(TEMPL_OUT) $(FRONTEND_OUT)
	$(GO) build -trimpath -o $(BIN) .

run: deps build libvirt-up template
	@ABRAK_DB=$(DEMO_DB) scripts/demo.sh "$(BIN)" "$(DEMO_EMAIL)" "$(DEMO_PASSWORD)"

# Every test: unit, integration (real SQLite, real libvirtd) and browser (headless
# Chromium), the black-box smoke against a real `abrak serve` (scripts/smoke), and
# a short run of every fuzz target.
# The slowest packages are named first: go test starts packages in the order
# given, two at a time on two cores. Web (the browser tests) is the longest;
# started last, as ./... alone would, it began when the others were nearly
# done and ran most of its length beside nothing.
SLOW_FIRST = ./web/ ./hypervisor/ ./services/
test: deps build template
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 25m $(SLOW_FIRST) ./...
	@$(MAKE) --no-print-directory fuzz FUZZTIME=$(TEST_FUZZTIME)

# Every fuzz target (scripts/fuzz.sh finds them): briefly on every test run; longer: make fuzz FUZZTIME=5m
FUZZTIME ?= 10s
TEST_FUZZTIME ?= 5s
fuzz:
	scripts/fuzz.sh $(FUZZTIME)

bench: deps build template
	scripts/bench.sh

# The accelerator probe's boot sector, committed beside its source (a test holds them equal).
probe:
	hypervisor/probe/build.sh

fmt:
	gofmt -w $$(git ls-files '*.go')
	$(GO) tool templ fmt views

clean: frontend-clean
	rm -rf bin .cache/deps.stamp
	find views -name '*_templ.go' -delete

# The soak (scripts/soak): 100 orders through a real `abrak serve` and its own libvirtd
# while both are killed under it; prints the table of what must be 0, and fails otherwise.
# Bounded: SOAK_ORDERS, SOAK_CONCURRENCY, SOAK_DURATION (see scripts/soak/soak_test.go).
.PHONY: soak
soak: deps build template
	$(GO) test -tags soak -count=1 -timeout 20m -v -run '^TestSoak$$' ./scripts/soak

# Scale figures (scripts/scale.sh): a reconcile pass over 200 test-driver nodes × 500
# domains, and a real panel on 100,000 VMs of 10,000 customers (RSS, the API list's
# latency, the database's size). SCALE_ONLY=reconcile|api runs one part.
.PHONY: scale
scale: deps build
	scripts/scale.sh
