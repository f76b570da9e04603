//go:build !purego

package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gollm/gollm/quant"
)

// BenchmarkMatMulRows measures MatMul at the avx2 level without the
// four-column kernels (row kernel over 8-column tiles), for comparison with
// BenchmarkMatMul.
func BenchmarkMatMulRows(b *testing.B) {
	const cols = 32
	for _, ty := range []quant.Type{quant.Q8_0, quant.Q4_0, quant.Q5_0, quant.IQ4_NL, quant.Q4_K, quant.Q6_K} {
		n, rows := 2048, 256
		rb := n / ty.BlockSize() * ty.BlockBytes()
		rng := rand.New(rand.NewPCG(1, 2))
		w := make([]byte, rows*rb)
		fillWeights(ty, w, rng, fillRandom)
		xs := make([]float32, 0, cols*n)
		var qs []byte
		for range cols {
			x, q := makeAct(ty, n, rng, fillRandom)
			xs = append(xs, x...)
			qs = append(qs, q...)
		}
		out := make([]float32, cols*rows)
		b.Run(fmt.Sprintf("type=%v/impl=avx2-rows", ty), func(b *testing.B) {
			b.SetBytes(int64(len(w)) * cols)
			useX4 = false
			defer func() { useX4 = true }()
			withLevel(b, "avx2", func() {
				for b.Loop() {
					MatMul(ty, w, n, rows, xs, qs, cols, out, rows)
				}
			})
		})
	}
}

// BenchmarkMatVecRows measures MatVec at the avx2 level with row kernels
// only, for comparison with BenchmarkMatVec.
func BenchmarkMatVecRows(b *testing.B) {
	for _, ty := range []quant.Type{quant.Q8_0, quant.Q4_0, quant.Q5_0, quant.IQ4_NL} {
		sz := benchSizes[0]
		rb := sz.n / ty.BlockSize() * ty.BlockBytes()
		rng := rand.New(rand.NewPCG(1, 2))
		w := make([]byte, sz.rows*rb)
		fillWeights(ty, w, rng, fillRandom)
		x, q := makeAct(ty, sz.n, rng, fillRandom)
		out := make([]float32, sz.rows)
		b.Run(fmt.Sprintf("type=%v/impl=avx2-rows/size=%s", ty, sz.name), func(b *testing.B) {
			b.SetBytes(int64(len(w)))
			useStream = false
			defer func() { useStream = true }()
			withLevel(b, "avx2", func() {
				for b.Loop() {
					MatVec(ty, w, sz.n, x, q, out)
				}
			})
		})
	}
}
