// Command _asm_arm64 writes ../dot_arm64.s: the arm64 quantized dot
// products, each kernel body written once and emitted per level (neon:
// SMULL/SMULL2/SADALP; dotprod: SDOT). Run `go run .` in this directory.
package main

import (
	"fmt"
	"os"
	"strings"
)

// level is one emission of the row kernels: its name suffix and the
// expansions of DOT(acc, a, b) (acc.4S += the int8 dot products of a and
// b, any lane layout: callers only use horizontal sums of 4 lanes), of
// DOTS, the same for weights a of magnitude at most 32, and of
// DOTS2(acc, a0, b0, a1, b1), two DOTS into one accumulator.
type level struct{ suffix, dot, dots, dots2 string }

var levels = []level{
	{"NEON", "DOTN(", "DOTSN(", "DOTS2N("},
	{"DP", "SDOT(", "SDOT(", "DOTS2DP("},
}

func main() {
	if err := os.WriteFile("../dot_arm64.s", []byte(generate()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// generate returns the text of dot_arm64.s.
func generate() string {
	var b strings.Builder
	b.WriteString(header)
	for _, lv := range levels {
		r := strings.NewReplacer("{{L}}", lv.suffix, "DOT(", lv.dot, "DOTS(", lv.dots, "DOTS2(", lv.dots2)
		for _, k := range append(append(append(rowKernels(), moreKernels()...), x4Kernels()...), r4Kernels()...) {
			b.WriteString(r.Replace(k))
		}
	}
	b.WriteString(i8mmKernels())
	b.WriteString(q4Kx2())
	b.WriteString(q6Kx2())
	return b.String()
}

// p is fmt.Sprintf for the unrolled parts of the kernels.
func p(format string, a ...any) string { return fmt.Sprintf(format, a...) }
