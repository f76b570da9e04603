package kernels

import (
	"math/rand/v2"
	"testing"
)

// TestMatMulRowSplit checks the way the forward pass parallelises MatMul:
// workers take row ranges of the same weights and write their rows of each
// column into the shared output (w sliced by rows, out offset by the first
// row, ldOut the full row count). The result must equal one call over all
// rows, bit for bit, at every level.
func TestMatMulRowSplit(t *testing.T) {
	for _, lv := range Levels() {
		withLevel(t, lv, func() {
			for _, ty := range allTypes {
				rng := rand.New(rand.NewPCG(uint64(ty), 3))
				bs := ty.BlockSize()
				if bs == 1 {
					bs = 8
				}
				n, rows, cols := 4*bs, 11, 7
				rb := n / ty.BlockSize() * ty.BlockBytes()
				w := make([]byte, rows*rb)
				fillWeights(ty, w, rng, fillRandom)
				ab := ActBytes(ty, n)
				xs := make([]float32, cols*n)
				qs := make([]byte, cols*ab)
				for c := range cols {
					x, q := makeAct(ty, n, rng, fillRandom)
					copy(xs[c*n:], x)
					copy(qs[c*ab:], q)
				}
				whole := make([]float32, cols*rows)
				MatMul(ty, w, n, rows, xs, qs, cols, whole, rows, nil)
				split := make([]float32, cols*rows)
				for _, rr := range [][2]int{{0, 5}, {5, 6}, {6, 11}} {
					r0, r1 := rr[0], rr[1]
					MatMul(ty, w[r0*rb:r1*rb], n, r1-r0, xs, qs, cols, split[r0:], rows, nil)
				}
				for i := range whole {
					if whole[i] != split[i] {
						t.Fatalf("%s %v: element %d: split %g, whole %g", lv, ty, i, split[i], whole[i])
					}
				}
				// MatVec over a row range equals the matching rows too.
				mv := make([]float32, rows)
				MatVec(ty, w[3*rb:], n, xs[:n], qs[:ab], mv[3:])
				for r := 3; r < rows; r++ {
					if d := mv[r] - whole[r]; d*d > 1e-6*whole[r]*whole[r]+1e-20 {
						t.Fatalf("%s %v: MatVec row %d: %g, MatMul %g", lv, ty, r, mv[r], whole[r])
					}
				}
			}
		})
	}
}
