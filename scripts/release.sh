#!/usr/bin/env bash
# release.sh [OUTDIR]: cross-builds static gollm binaries for the release
# targets into OUTDIR (default dist/) with SHA-256 checksums in
# OUTDIR/SHA256SUMS. VERSION (default: git describe, else "dev") is stamped
# into the binaries and printed by `gollm version`.
#
# Builds are CGO_ENABLED=0 (static, no C toolchain needed) and -trimpath, so
# the same commit and Go version give the same bytes on any machine.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-dist}
version=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
targets=(linux/amd64 linux/arm64 linux/arm/7 darwin/arm64 windows/amd64)

mkdir -p "$out"
rm -f "$out"/gollm-* "$out"/SHA256SUMS
for target in "${targets[@]}"; do
	IFS=/ read -r os arch arm <<<"$target"
	name=gollm-$os-$arch${arm:+v$arm}
	[ "$os" = windows ] && name=$name.exe
	echo "build $name ($version)"
	CGO_ENABLED=0 GOOS=$os GOARCH=$arch GOARM=$arm \
		go build -trimpath -ldflags "-s -w -X main.version=$version" -o "$out/$name" ./cmd/gollm
done

sum() { if command -v sha256sum >/dev/null; then sha256sum "$@"; else shasum -a 256 "$@"; fi; }
(cd "$out" && sum gollm-* >SHA256SUMS)
ls -l "$out"
