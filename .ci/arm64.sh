#!/usr/bin/env bash
# arm64 kernels under qemu user emulation (run by .ci/run; also standalone):
# vet with GOARCH=arm64, the kernels tests with -cpu max (neon, dotprod and
# i8mm levels) and -cpu cortex-a72 (Raspberry Pi 4: neon only), the stale
# check of the generated assembly, and the model parity tests: TestParity
# at the best level (1 and 2 threads, F16 and F32 KV), TestParityAtEveryLevel
# at generic, neon and dotprod (1 thread, F32 KV; about 80 s of CPU). That
# line runs about 4 minutes of CPU under emulation, so it gets -timeout 30m:
# on a loaded machine the default 10 minutes is not enough.
# TestEnvLevel is skipped under qemu: it re-executes the test binary, which
# needs binfmt_misc. The cortex-a72 run is -short: its only level,
# neon, already runs at full length under -cpu max; it checks that nothing
# beyond ASIMD executes there. The model's thread/batch agreement and
# allocation tests (generated models, seconds) and the check that loading
# packs the Q4_0/Q8_0 matrices run under both CPUs. Parity
# skips the two largest float models (phi3 F16, qwen2 F32: a minute or
# more under emulation); every quantized model and qwen2 F16 still run.
# The quant tests run too: dequantizers and quantizers must give ggml's bits
# on arm64 as on amd64 (no fused multiply-add; about 35 s under qemu).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:$HOME/go/bin"

if ! command -v qemu-aarch64-static >/dev/null; then
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends qemu-user-static
fi

run() {
	local t0=$SECONDS
	echo "--- $*"
	"$@"
	echo "--- $((SECONDS - t0))s"
}

export GOARCH=arm64
run go vet ./kernels
run go vet -tags purego ./kernels
run go test -count=1 -exec 'qemu-aarch64-static -cpu max' -skip TestEnvLevel ./kernels
run go test -count=1 -short -exec 'qemu-aarch64-static -cpu cortex-a72' -skip TestEnvLevel ./kernels
run go test -count=1 -exec 'qemu-aarch64-static -cpu max' ./quant
run go test -count=1 -timeout 30m -exec 'qemu-aarch64-static -cpu max' -run 'Parity|PrefillMatchesDecode|PrefillLogProbs|DecodeAllocatesNothing|PrefillAllocatesNothing|PackedBytes' \
	-skip 'TestParity/(tiny-phi3-s2-f16|tiny-qwen2-s1-f32)' ./model
run go test -count=1 -exec 'qemu-aarch64-static -cpu cortex-a72' -run 'PrefillMatchesDecode|DecodeAllocatesNothing|PrefillAllocatesNothing|PackedBytes' ./model
unset GOARCH
(cd kernels/_asm_arm64 && run go test -count=1 ./...)
