#!/bin/sh
# kcount.sh: exact instruction counts of the kernels and of a short gollm
# bench, under valgrind's callgrind (apt-get install valgrind). Wall-clock
# timings on a shared machine are noise; these counts are repeatable to a
# few instructions per call. Compare two commits by running this in each.
#
#   scripts/kcount.sh kernels avx2 OUT   # per case: instructions per call
#   scripts/kcount.sh bench MODEL OUT    # instructions of bench -p 16 -n 2 (GOGC=off)
#
# The kernel cases (internal/kcount): MatVec 2048x128, QuantizeAct of 2048
# values, MatMul 2048x128 by 3 and by 32 columns per type, and the float
# helpers; ten calls each, the count of the thread that ran them divided
# by ten. GOMAXPROCS=1 and no asynchronous preemption keep the runtime's
# own threads and signals out of the counts.
set -eu
cd "$(dirname "$0")/.."
mode=$1 arg=$2 out=$3
mkdir -p "$out"
case $mode in
kernels)
	go build -o "$out/kcount" ./internal/kcount
	"$out/kcount" "$arg" > "$out/names.txt"
	rm -f "$out"/cg.out*
	GOMAXPROCS=1 GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind --separate-threads=yes \
		--dump-before=main.mark --callgrind-out-file="$out/cg.out" "$out/kcount" "$arg" >/dev/null 2>"$out/valgrind.log"
	i=2
	while read -r name; do
		ir=$(cat "$out"/cg.out."$i"-* | grep '^summary:' | head -1 | awk '{print $2}')
		echo "$name $((ir / 10))"
		i=$((i + 1))
	done < "$out/names.txt"
	;;
bench)
	go build -o "$out/gollm" ./cmd/gollm
	# GOGC=off: the token loop allocates nothing, so the collector only
	# scans the loader's garbage, at points that move with any change of
	# the binary (tens of millions of instructions either way).
	GOGC=off GOMAXPROCS=1 GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind --callgrind-out-file="$out/bench.cg" \
		"$out/gollm" bench -m "$arg" -p 16 -n 2 -r 1 -t 1 >"$out/bench.txt" 2>"$out/valgrind.log"
	grep 'refs' "$out/valgrind.log" | awk '{print $NF}'
	;;
*)
	echo "usage: $0 kernels LEVEL OUT | bench MODEL OUT" >&2
	exit 2
	;;
esac
