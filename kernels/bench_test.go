package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gollm/gollm/quant"
)

// benchSizes: a cache-resident matrix (rows reused every iteration from
// L2) and one larger than the last-level cache share.
var benchSizes = []struct {
	name    string
	n, rows int
}{
	{"cache", 2048, 64},
	{"large", 4096, 4096},
}

// BenchmarkMatVec measures MatVec per type, level and size, plus a baseline
// that dequantizes every row to float32 and uses Dot (impl=dequant).
// Throughput is in weight bytes per second.
func BenchmarkMatVec(b *testing.B) {
	for _, ty := range allTypes {
		for _, sz := range benchSizes {
			rb := sz.n / ty.BlockSize() * ty.BlockBytes()
			rng := rand.New(rand.NewPCG(1, 2))
			w := make([]byte, sz.rows*rb)
			fillWeights(ty, w, rng, fillRandom)
			x, q := makeAct(ty, sz.n, rng, fillRandom)
			out := make([]float32, sz.rows)
			for _, lv := range append(Levels(), "dequant") {
				b.Run(fmt.Sprintf("type=%v/impl=%s/size=%s", ty, lv, sz.name), func(b *testing.B) {
					b.SetBytes(int64(len(w)))
					if lv == "dequant" {
						buf := make([]float32, sz.n)
						for b.Loop() {
							for r := range out {
								if err := quant.Dequantize(ty, w[r*rb:(r+1)*rb], buf); err != nil {
									b.Fatal(err)
								}
								out[r] = Dot(buf, x)
							}
						}
						return
					}
					withLevel(b, lv, func() {
						for b.Loop() {
							MatVec(ty, w, sz.n, x, q, out)
						}
					})
				})
			}
		}
	}
}

// BenchmarkMatMul measures the prefill product over 32 columns.
func BenchmarkMatMul(b *testing.B) {
	const cols = 32
	for _, ty := range allTypes {
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
		for _, lv := range Levels() {
			b.Run(fmt.Sprintf("type=%v/impl=%s", ty, lv), func(b *testing.B) {
				b.SetBytes(int64(len(w)) * cols)
				withLevel(b, lv, func() {
					for b.Loop() {
						MatMul(ty, w, n, rows, xs, qs, cols, out, rows, nil)
					}
				})
			})
		}
	}
}

// BenchmarkMatVecShortRows measures attention-shaped products: 4096 keys of
// 64 elements in an F16 or F32 cache. impl=rowloop is one Dot call per row
// (the path before the multi-row kernels), for comparison.
func BenchmarkMatVecShortRows(b *testing.B) {
	for _, ty := range []quant.Type{quant.F16, quant.F32} {
		n, rows := 64, 4096
		rb := n * ty.BlockBytes()
		rng := rand.New(rand.NewPCG(1, 2))
		w := make([]byte, rows*rb)
		fillWeights(ty, w, rng, fillRandom)
		x, _ := makeAct(ty, n, rng, fillRandom)
		out := make([]float32, rows)
		for _, lv := range append(Levels(), "rowloop") {
			b.Run(fmt.Sprintf("type=%v/impl=%s", ty, lv), func(b *testing.B) {
				b.SetBytes(int64(len(w)))
				if lv == "rowloop" {
					for b.Loop() {
						for r := range out {
							out[r] = dotFloatRow(ty, w[r*rb:(r+1)*rb], x)
						}
					}
					return
				}
				withLevel(b, lv, func() {
					for b.Loop() {
						MatVec(ty, w, n, x, nil, out)
					}
				})
			})
		}
	}
}
