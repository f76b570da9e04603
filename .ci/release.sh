#!/usr/bin/env bash
# CI check of the release build: runs scripts/release.sh into a temporary
# directory, checks every binary (target, static, stamped version, -trimpath)
# and the checksums, then runs the linux/arm64 binary under qemu on a tiny
# reference model. Needs ../shared for the model (skipped with a message
# otherwise) and installs qemu-user-static with apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
version="ci-$(git rev-parse --short HEAD 2>/dev/null || echo local)"
dist=$tmp/dist
model=$PWD/../shared/reference/models/tiny-qwen2-s1-q4_0.gguf

fail() { echo "release check failed: $*"; exit 1; }

VERSION=$version bash scripts/release.sh "$dist"

# check NAME GOOS GOARCH [GOARM]: the binary was built for that target,
# without cgo, with -trimpath and the version stamp.
check() {
	local name=$1 os=$2 arch=$3 arm=${4:-} info
	[ -s "$dist/$name" ] || fail "$name is missing"
	info=$(go version -m "$dist/$name") || fail "$name: not a Go binary"
	for want in "GOOS=$os" "GOARCH=$arch" "CGO_ENABLED=0" "-trimpath=true" ${arm:+"GOARM=$arm"}; do
		grep -q -- "$want" <<<"$info" || fail "$name: build info lacks $want"
	done
	# -trimpath keeps -ldflags out of the build info: look for the string.
	grep -q -a -F -- "$version" "$dist/$name" || fail "$name does not hold the version $version"
	echo "ok $name"
}
check gollm-linux-amd64 linux amd64
check gollm-linux-arm64 linux arm64
check gollm-linux-armv7 linux arm 7
check gollm-darwin-arm64 darwin arm64
check gollm-windows-amd64.exe windows amd64

(cd "$dist" && sha256sum -c SHA256SUMS) || fail "checksums do not match"
[ "$(wc -l <"$dist/SHA256SUMS")" -eq 5 ] || fail "SHA256SUMS should list 5 binaries"
if command -v file >/dev/null; then
	file "$dist/gollm-linux-arm64" | grep -q "statically linked" || fail "gollm-linux-arm64 is not static"
fi

if [ "$(go env GOHOSTOS)/$(go env GOHOSTARCH)" = linux/amd64 ]; then
	got=$("$dist/gollm-linux-amd64" version)
	[ "$got" = "gollm $version" ] || fail "gollm-linux-amd64 version printed '$got'"
fi

if ! command -v qemu-aarch64-static >/dev/null; then
	apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends qemu-user-static
fi
qemu=$(command -v qemu-aarch64-static || command -v qemu-aarch64) || fail "no qemu-aarch64"
got=$("$qemu" "$dist/gollm-linux-arm64" version)
[ "$got" = "gollm $version" ] || fail "gollm-linux-arm64 version printed '$got', want 'gollm $version'"
echo "ok gollm-linux-arm64 version under qemu: $got"
if [ -f "$model" ]; then
	text=$("$qemu" "$dist/gollm-linux-arm64" run -m "$model" -p hi -n 4 --temp 0 2>"$tmp/run.err") ||
		{ cat "$tmp/run.err"; fail "gollm-linux-arm64 run failed under qemu"; }
	[ -n "$text" ] || fail "gollm-linux-arm64 run printed nothing"
	grep "generation:" "$tmp/run.err"
	echo "ok gollm-linux-arm64 run under qemu: $(printf %q "$text")"
else
	echo "skip: $model is absent, the arm64 binary was not run on a model"
fi
echo "release check passed"
