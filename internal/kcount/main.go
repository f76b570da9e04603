// Command kcount runs fixed kernel workloads for an exact instruction
// count under callgrind: every (operation, type) case calls the kernels ten
// times between two calls of mark, and scripts/kcount.sh has callgrind dump
// its counters at each mark (--dump-before=main.mark), so that each dump
// holds one case. The machine is shared and noisy; instruction counts are
// exact and repeatable, so they prove that a kernel change did not make the
// kernels do more work. Usage: kcount LEVEL (prints the case names).
package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime/debug"

	"github.com/gollm/gollm/kernels"
	"github.com/gollm/gollm/quant"
)

var types = []quant.Type{
	quant.F32, quant.F16, quant.BF16,
	quant.Q4_0, quant.Q4_1, quant.Q5_0, quant.Q5_1, quant.Q8_0, quant.IQ4_NL,
	quant.Q2_K, quant.Q3_K, quant.Q4_K, quant.Q5_K, quant.Q6_K, quant.IQ4_XS,
}

type cse struct {
	name string
	run  func()
}

// mark separates the cases: callgrind --dump-before=main.mark.
//
//go:noinline
func mark() { sink++ }

var sink int

func main() {
	level := os.Args[1]
	if err := kernels.SetLevel(level); err != nil {
		panic(err)
	}
	const n, rows = 2048, 128
	var cases []cse
	for _, t := range types {
		rng := rand.New(rand.NewPCG(1, 2))
		src := make([]float32, n*rows)
		for i := range src {
			src[i] = float32(rng.NormFloat64())
		}
		rb := n / t.BlockSize() * t.BlockBytes()
		w := make([]byte, rows*rb)
		if err := quant.Quantize(t, src, w); err != nil {
			panic(err)
		}
		for _, cols := range []int{1, 3, 32} {
			xs := make([]float32, cols*n)
			for i := range xs {
				xs[i] = float32(rng.NormFloat64())
			}
			ab := kernels.ActBytes(t, n)
			qs := make([]byte, cols*ab+1)
			out := make([]float32, cols*rows)
			for c := range cols {
				kernels.QuantizeAct(t, xs[c*n:(c+1)*n], qs[c*ab:(c+1)*ab])
			}
			if cols == 1 {
				cases = append(cases, cse{fmt.Sprintf("matvec/%v", t), func() {
					for range 10 {
						kernels.MatVec(t, w, n, xs, qs, out)
					}
				}})
				cases = append(cases, cse{fmt.Sprintf("quantact/%v", t), func() {
					for range 10 {
						kernels.QuantizeAct(t, xs, qs)
					}
				}})
				continue
			}
			sc := new(kernels.Scratch)
			sc.Grow(kernels.MatMulScratchBytes(t, n, cols))
			cases = append(cases, cse{fmt.Sprintf("matmul%d/%v", cols, t), func() {
				for range 10 {
					kernels.MatMul(t, w, n, rows, xs, qs, cols, out, rows, sc)
				}
			}})
		}
	}
	x := make([]float32, 4096)
	y := make([]float32, 4096)
	for i := range x {
		x[i] = float32(i%7) * 0.1
		y[i] = float32(i%5) * 0.3
	}
	h := make([]uint16, 4096)
	kernels.F32ToF16Slice(h, x)
	fw32 := make([]byte, 256*64*4)
	fw16 := make([]byte, 256*64*2)
	_ = quant.Quantize(quant.F32, x[:256*16], fw32[:256*16*4])
	_ = quant.Quantize(quant.F16, x[:256*16], fw16[:256*16*2])
	ft := make([]float32, 256*16)
	copy(ft, y)
	fo := make([]float32, 64*16)
	cases = append(cases,
		cse{"f32/dot", func() {
			for range 10 {
				_ = kernels.Dot(x, y)
			}
		}},
		cse{"f32/axpy", func() {
			for range 10 {
				kernels.Axpy(0.5, x, y)
			}
		}},
		cse{"f16/dot", func() {
			for range 10 {
				_ = kernels.DotF16(h, y)
			}
		}},
		cse{"f16/axpy", func() {
			for range 10 {
				kernels.AxpyF16(0.5, h, y)
			}
		}},
		cse{"f32/rmsnorm", func() {
			for range 10 {
				kernels.RMSNorm(y, x, x, 1e-6)
			}
		}},
		cse{"f32/exp", func() {
			for range 10 {
				_ = kernels.ExpShift(y, x, 1)
			}
		}},
		cse{"f32/silumul", func() {
			for range 10 {
				kernels.SiLUMul(y, x)
			}
		}},
		cse{"floattile/F16", func() {
			for range 10 {
				kernels.FloatTileMatMul(quant.F16, fw16, 256, 64, ft, 16, fo, 64)
			}
		}},
		cse{"floattile/F32", func() {
			for range 10 {
				kernels.FloatTileMatMul(quant.F32, fw32, 256, 64, ft, 16, fo, 64)
			}
		}},
		cse{"f32/softmax", func() {
			for range 10 {
				copy(y, x)
				kernels.SoftmaxInPlace(y)
			}
		}},
	)
	for _, c := range cases {
		fmt.Println(c.name)
	}
	debug.SetGCPercent(-1)
	for _, c := range cases {
		mark()
		c.run()
	}
	mark()
}
