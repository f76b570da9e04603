//go:build !purego

package kernels

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/gollm/gollm/quant"
)

// decodeShapes are the matrix-vector shapes of decode: an L2-resident one
// (compute bound), Qwen2.5-0.5B's FFN projections (n, rows), and matrices of about 64 MB of
// weights, larger than the last-level cache, so that the product streams
// its weights from DRAM.
var decodeShapes = []struct {
	name    string
	n, rows int
	bytes   int // when > 0, rows is chosen so that the weights take about this many bytes
}{
	{"896x256", 896, 256, 0},
	{"896x4864", 896, 4864, 0},
	{"4864x896", 4864, 896, 0},
	{"dram", 4096, 0, 64 << 20},
	{"dram896", 896, 0, 64 << 20},
}

// BenchmarkMatVecDecode compares, in one run, the avx2 MatVec of the
// decode types on one and on two goroutines (impl=avx2-2t, half the rows
// each). Throughput
// is in weight bytes per second. Compare ratios side by side:
//
//	go test ./kernels -run '^$' -bench 'MatVecDecode' -benchtime 200x -count 3
func BenchmarkMatVecDecode(b *testing.B) {
	if !hasAVX2 {
		b.Skip("no avx2")
	}
	for _, ty := range []quant.Type{quant.Q8_0, quant.Q4_0, quant.Q5_0, quant.IQ4_NL, quant.Q4_K, quant.Q6_K} {
		for _, sh := range decodeShapes {
			n := sh.n
			if n%ty.BlockSize() != 0 {
				n = (n + 255) / 256 * 256
			}
			rb := n / ty.BlockSize() * ty.BlockBytes()
			rows := sh.rows
			if sh.bytes > 0 {
				rows = sh.bytes / rb / 4 * 4
			}
			var w, q []byte
			var x []float32
			var out []float32
			setup := func() {
				if w != nil {
					return
				}
				rng := rand.New(rand.NewPCG(1, 2))
				w = make([]byte, rows*rb)
				fillWeights(ty, w, rng, fillRandom)
				x, q = makeAct(ty, n, rng, fillRandom)
				out = make([]float32, rows)
			}
			for _, impl := range []string{"avx2", "avx2-2t"} {
				b.Run(fmt.Sprintf("type=%v/shape=%s/impl=%s", ty, sh.name, impl), func(b *testing.B) {
					setup()
					b.SetBytes(int64(len(w)))
					withLevel(b, "avx2", func() {
						if impl == "avx2-2t" {
							// Two goroutines, half the rows each (as
							// model's pool splits a projection).
							h := rows / 8 * 4
							var wg sync.WaitGroup
							for b.Loop() {
								wg.Add(1)
								go func() {
									MatVec(ty, w[h*rb:], n, x, q, out[h:])
									wg.Done()
								}()
								MatVec(ty, w[:h*rb], n, x, q, out[:h])
								wg.Wait()
							}
							return
						}
						for b.Loop() {
							MatVec(ty, w, n, x, q, out)
						}
					})
				})
			}
		}
	}
}

// TestMatVecStream checks the row kernels alone (a one-column MatMul) and
// MatVec's streaming four-row kernels against the generic twin, on row counts that
// leave a tail for the row kernels and quarters of one to several rows.
func TestMatVecStream(t *testing.T) {
	if !hasAVX2 {
		t.Skip("no avx2")
	}
	for _, stream := range []bool{false, true} {
		for _, ty := range []quant.Type{quant.Q8_0, quant.Q4_0, quant.Q5_0, quant.IQ4_NL} {
			rng := rand.New(rand.NewPCG(uint64(ty), 5))
			for _, nb := range []int{1, 2, 3, 4, 5, 28, 33} {
				for _, rows := range []int{4, 7, 12, 17, 32} {
					n := nb * ty.BlockSize()
					rb := nb * ty.BlockBytes()
					w := make([]byte, rows*rb)
					fillWeights(ty, w, rng, fillRandom)
					x, q := makeAct(ty, n, rng, fillRandom)
					want := make([]float32, rows)
					got := make([]float32, rows)
					withLevel(t, "generic", func() { MatVec(ty, w, n, x, q, want) })
					withLevel(t, "avx2", func() {
						if stream {
							MatVec(ty, w, n, x, q, got)
						} else {
							MatMul(ty, w, n, rows, x, q, 1, got, rows, nil)
						}
					})
					for r := range rows {
						_, mag := refDot(ty, w[r*rb:(r+1)*rb], n, x, q)
						if !sameLevel(got[r], want[r], 1e-5*mag) {
							t.Fatalf("%v stream=%v nb=%d rows=%d row %d: %g want %g", ty, stream, nb, rows, r, got[r], want[r])
						}
					}
				}
			}
		}
	}
}
