#!/bin/sh
# busy-threads.sh: is -t equal to the core count slower than one thread
# less while another process keeps one core busy? For each round and each
# gollm binary given, runs
#
#   BIN bench -m MODEL -p 64 -n 32 -r 3 -t N-1    and    ... -t N
#
# (N = nproc) one after the other, with a busy loop pinned to the last core
# (`taskset -c N-1 sh -c 'while :; do :; done'`) for the whole run, and
# prints each run's pp64 and tg32 tokens per second, then per binary and
# test the median and range of the per-round ratio t=N / t=N-1. Give two
# binaries (say one built at an older commit: `git worktree add /tmp/old
# COMMIT && (cd /tmp/old && go build -o /tmp/gollm-old ./cmd/gollm)`) to
# compare them side by side in one run.
#
#   scripts/busy-threads.sh [-r ROUNDS] [-m MODEL] [-idle] BIN...
#
# -idle runs the same without the busy loop. Needs taskset (util-linux).
set -eu
rounds=5 model=/work/models/qwen05-q4_0.gguf busy=1
while [ $# -gt 0 ]; do
	case $1 in
	-r) rounds=$2; shift 2 ;;
	-m) model=$2; shift 2 ;;
	-idle) busy=; shift ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || { echo "usage: $0 [-r ROUNDS] [-m MODEL] [-idle] BIN..." >&2; exit 2; }
n=$(nproc)
if [ "$busy" ]; then
	taskset -c $((n - 1)) sh -c 'while :; do :; done' &
	loop=$!
	trap 'kill $loop' EXIT
	trap 'exit 1' INT TERM
fi
out=$(mktemp)
flags=$(grep -m1 '^flags\|^Features' /proc/cpuinfo | grep -ow 'avx2\|avx512f\|avx512_vnni\|avx_vnni\|asimddp\|i8mm' | sort -u | tr '\n' ' ' | sed 's/ $//')
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $n CPUs, flags: ${flags:-none of avx2/avx512/dotprod}, $(uptime | sed 's/.*load/load/')"
echo "# round binary threads pp64 tg32 (tokens/s)"
for r in $(seq "$rounds"); do
	for bin in "$@"; do
		for t in $((n - 1)) "$n"; do
			"$bin" bench -m "$model" -p 64 -n 32 -r 3 -t "$t" -json 2>/dev/null |
				awk -v r="$r" -v b="$bin" -v t="$t" '
					/"mean_tokens_per_second"/ { gsub(/[,]/, "", $2); v[++i] = $2 }
					END { printf "%s %s %s %.1f %.1f\n", r, b, t, v[1], v[2] }'
		done
	done
done | tee "$out"
echo "# binary test: ratio t=$n / t=$((n - 1)) per round, median (range)"
for bin in "$@"; do
	for col in 4 5; do
		awk -v b="$bin" -v c="$col" -v lo="$((n - 1))" '
			$2 == b && $3 == lo { one[$1] = $c }
			$2 == b && $3 != lo { two[$1] = $c }
			END { for (r in one) print two[r] / one[r] }' "$out" | sort -g |
			awk -v b="$bin" -v test="$([ $col = 4 ] && echo pp64 || echo tg32)" '
				{ x[NR] = $1 }
				END { m = NR % 2 ? x[(NR + 1) / 2] : (x[NR / 2] + x[NR / 2 + 1]) / 2
				      printf "%s %s: %.2f (%.2f-%.2f)\n", b, test, m, x[1], x[NR] }'
	done
done
rm -f "$out"
