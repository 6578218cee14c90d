# abrakctl, the customers' command-line client (cmd/abrakctl, package ctl): its
# own small binary. `make build` builds it beside the panel; `make dist` cross-builds
# it for each system and architecture customers run (not part of `make test`).
CTL_BIN := $(ROOT)/bin/abrakctl
CTL_SRC := $(shell find cmd/abrakctl ctl client calendar -name '*.go' -not -name '*_test.go' 2>/dev/null) go.mod go.sum
CTL_PLATFORMS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64

.PHONY: dist abrakctl-clean
build: $(CTL_BIN)
$(CTL_BIN): $(CTL_SRC)
	$(GO) build -trimpath -o $@ ./cmd/abrakctl

# dist/abrakctl-<os>-<arch>[.exe], static (no cgo), with SHA256SUMS beside them.
dist: $(CTL_SRC)
	@mkdir -p dist
	@set -e; for p in $(CTL_PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; ext=; [ $$os = windows ] && ext=.exe; \
		echo "abrakctl $$os/$$arch"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags '-s -w' \
			-o dist/abrakctl-$$os-$$arch$$ext ./cmd/abrakctl; \
	done
	cd dist && sha256sum abrakctl-* > SHA256SUMS

clean: abrakctl-clean
abrakctl-clean:
	rm -rf dist
