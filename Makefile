# Release builds; everything else is plain `go build` / `go test`.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

.PHONY: release
release: ## cross-build static binaries and SHA256SUMS into dist/
	VERSION=$(VERSION) bash scripts/release.sh dist
